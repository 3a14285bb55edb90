"""Hybrid retrieval: query understanding -> lexical + dense -> fusion -> evidence-aware order.

    hits = retrieve("treatment of HER2-positive advanced breast cancer", index, settings.retrieve)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .errors import EmptyQuery, QueryError
from .index import Index
from .query import QueryAnalysis, analyse, respell
from .settings import RetrieveSettings
from .types import EVIDENCE_RANK, Document, Hit, Passage

MODES = ("hybrid", "lexical", "dense")


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Ranked hits plus what the query was understood as, and where the time went."""

    query: QueryAnalysis
    hits: tuple[Hit, ...]
    timings: dict[str, float]
    # Documents by whole-document BM25, best first: the answer stage looks for the
    # current evidence summary among them (see ``evidence.summary_layer``).
    documents: tuple[str, ...] = ()


def rrf(rankings: list[np.ndarray], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: sum over rankings of 1 / (k + rank), rank starting at 1."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking.tolist(), start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def score_fusion(bm25: dict[int, float], dense: dict[int, float], active: list[bool]) -> dict[int, float]:
    """0..1 relevance: the mean of each active retriever's normalised score (absent: 0).

    BM25 is divided by the best BM25 score (its ratio is meaningful); cosine is min-max
    scaled over the candidates, since MiniLM cosines crowd into a narrow band.
    """
    parts: list[dict[int, float]] = []
    if active[0] and bm25:
        top = max(bm25.values()) or 1.0
        parts.append({r: s / top for r, s in bm25.items()})
    if active[1] and dense:
        lo, hi = min(dense.values()), max(dense.values())
        parts.append({r: (s - lo) / (hi - lo) if hi > lo else 1.0 for r, s in dense.items()})
    keys = set().union(*parts) if parts else set()
    return {r: sum(p.get(r, 0.0) for p in parts) / len(parts) for r in keys}


def evidence_prior(passage: Passage, doc: Document) -> float:
    """0..1: how much the source counts as evidence, independent of the question.

    Source type (guideline > evidence summary = drug label > review > trial > research > patient page),
    recommendation statements over background text, and recency.
    """
    type_part = EVIDENCE_RANK.get(doc.type, 0) / max(EVIDENCE_RANK.values())
    kind_part = {"recommendation": 1.0, "scope": -1.5}.get(passage.kind, 0.0)
    recency = min(max(((doc.year or 1995) - 1995) / 30.0, 0.0), 1.0)
    return 0.5 * type_part + 0.3 * kind_part + 0.2 * recency


@dataclass(frozen=True, slots=True)
class Candidates:
    """Each retriever's candidates for one question, best first: what ``rank`` fuses.

    Searched once at the widest depth an answer needs; ``top(n)`` is then what a search
    for ``n`` candidates finds, so a patient answer's wide search also serves its clinician
    answer.
    """

    query: QueryAnalysis
    lexical: tuple[np.ndarray, np.ndarray]  # passage rowids and BM25 scores
    dense: tuple[np.ndarray, np.ndarray]  # passage rowids and cosines
    documents: dict[str, float]  # whole-document BM25, best first
    mode: str
    timings: dict[str, float]

    def top(self, n: int) -> Candidates:
        """The first ``n`` candidates of each retriever."""
        docs = dict(list(self.documents.items())[:n])
        return replace(self, lexical=(self.lexical[0][:n], self.lexical[1][:n]),
                       dense=(self.dense[0][:n], self.dense[1][:n]), documents=docs)


def search(question: str, index: Index, settings: RetrieveSettings, *, mode: str | None = None,
           depth: int | None = None) -> Candidates:
    """Run each retriever for ``question``: ``depth`` candidates each (default ``settings.candidates``).

    Raises:
        QueryError: an unknown mode.
        EmptyQuery: nothing to search for.
    """
    mode = mode or settings.mode
    depth = settings.candidates if depth is None else depth
    if mode not in MODES:
        raise QueryError(f"Unknown search mode {mode!r}; use one of: {', '.join(MODES)}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    searched, respelled = respell(question, index.document_frequency) if settings.respell else (question, ())
    analysis = replace(analyse(searched, index.abbreviations() if settings.expand else None), respelled=respelled)
    if not settings.expand:
        analysis = replace(analysis, expansions=())
    lexical_text = " ".join([*analysis.terms, *analysis.generic_names()])
    expansion_text = " ".join(analysis.expansions)
    if not analysis.lexical_query():
        raise EmptyQuery(f"Nothing to search for in {question!r}: ask with a few clinical words.")
    timings["analyse"] = time.perf_counter() - t0

    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    t0 = time.perf_counter()
    lexical = index.lexical_search(lexical_text, depth, expansion_text) if mode != "dense" else empty
    doc_bm25 = index.document_search(lexical_text, depth, expansion_text) if mode != "dense" else {}
    timings["lexical"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    dense = index.dense_search(analysis.dense_text(), depth) if mode != "lexical" else empty
    timings["dense"] = time.perf_counter() - t0
    return Candidates(analysis, lexical, dense, dict(sorted(doc_bm25.items(), key=lambda d: -d[1])), mode, timings)


def rank(candidates: Candidates, index: Index, settings: RetrieveSettings, *, k: int | None = None,
         only: frozenset[int] | None = None) -> Retrieval:
    """Fuse the retrievers' candidates into the ``k`` best hits (default ``settings.k``); ``only``: the
    rowids a hit may have (``Index.rowids_for``). The others still count in the fusion's scales, so the
    hits score as they would among all, but their passages are never read."""
    k = settings.k if k is None else k
    (lex_ids, lex_scores), (dense_ids, dense_scores) = candidates.lexical, candidates.dense
    doc_bm25 = candidates.documents
    t0 = time.perf_counter()
    fused = rrf([r for r in (lex_ids, dense_ids) if len(r)], settings.rrf_k)
    # RRF picks the pool; the final order uses score fusion, which keeps the margins
    # between scores that RRF throws away, so evidence strength can reorder near-ties only.
    pool = sorted((r for r in fused if only is None or r in only), key=lambda r: -fused[r])[: max(k * 4, 50)]
    passages = index.passages(pool)
    bm25 = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
    dense = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    relevance = score_fusion(bm25, dense, active=[len(lex_ids) > 0 or candidates.mode != "dense", len(dense_ids) > 0])
    top_doc = max(doc_bm25.values(), default=1.0) or 1.0
    scored = []
    for rowid in pool:
        passage = passages.get(rowid)
        if passage is None:  # deleted between the search and the lookup
            continue
        doc = index.document(passage.doc_id)
        relevance_here = relevance.get(rowid, 0.0)
        if doc_bm25:
            doc_part = doc_bm25.get(passage.doc_id, 0.0) / top_doc
            relevance_here = (1 - settings.document_weight) * relevance_here + settings.document_weight * doc_part
        score = relevance_here * (1.0 + settings.evidence_weight * evidence_prior(passage, doc))
        scored.append(Hit(passage, doc, bm25=bm25.get(rowid), dense=dense.get(rowid), fused=fused[rowid], score=score))
    scored.sort(key=lambda h: (-h.score, h.passage.id))
    hits = tuple(replace(h, rank=i) for i, h in enumerate(scored[:k], start=1))
    timings = {**candidates.timings, "fuse": time.perf_counter() - t0}
    return Retrieval(candidates.query, hits, timings, tuple(doc_bm25)[:20])


def retrieve(question: str, index: Index, settings: RetrieveSettings, *, k: int | None = None,
             mode: str | None = None) -> Retrieval:
    """Rank passages for a clinical question (``search``, then ``rank``).

    Args:
        question: free text; punctuation and operators are harmless.
        index: an open index, either backend.
        settings: the ``retrieve`` settings.
        k: how many hits (default ``settings.k``).
        mode: "hybrid", "lexical" or "dense" (default ``settings.mode``).

    Returns:
        A ``Retrieval`` whose hits carry every retriever's score.
    """
    return rank(search(question, index, settings, mode=mode), index, settings, k=k)


def warm_up(index: Index, settings: RetrieveSettings) -> None:
    """Load what the first query would otherwise wait for: vocabularies (~3 s), vectors, the model."""
    retrieve("breast cancer treatment", index, settings, k=1)


def hit_row(hit: Hit) -> dict:
    """One search hit as the JSON object of `medora search --json` and the API."""
    p, d = hit.passage, hit.document
    return {
        "rank": hit.rank, "doc_id": p.doc_id, "passage_id": p.id, "type": d.type, "title": d.title,
        "source": d.source, "year": d.year, "url": d.url, "section": p.section, "kind": p.kind,
        "score": round(hit.score, 6), "bm25": None if hit.bm25 is None else round(hit.bm25, 4),
        "dense": None if hit.dense is None else round(hit.dense, 4), "fused": round(hit.fused, 6),
        "evidence_quality": p.evidence_quality, "strength": p.strength, "evidence_level": p.evidence_level,
        "text": p.text,
    }
