"""The REST API under ``/api/v1``: Pydantic models at the edge, one data function per resource.

The data functions (``answer_data``, ``search_data`` ...) are shared with the HTML
pages in ``web``, as datasette's views build one dict that is either returned as JSON
or rendered: the answer page and ``POST /api/v1/answers`` can never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from . import __version__
from .answer import ask, to_json
from .articles import MAIN_PATH, STATUS_LABELS, serve_answer
from .errors import QueryError, encodable
from .index import LOCATION_KEYS, Index
from .limits import TokenBuckets, client_address
from .retrieve import hit_row, retrieve
from .settings import Settings
from .threads import Turn, resolve_in

SEED_QUESTION = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"
AUDIENCES: dict[str, str] = {
    "physician": "Physician",
    "nurse_np_pa": "Nurse, NP or PA",
    "pharmacist": "Pharmacist",
    "student": "Student",
    "patient_caregiver": "Patient or caregiver",
}
AudienceName = Literal["physician", "nurse_np_pa", "pharmacist", "student", "patient_caregiver"]
REVIEW_STEPS = tuple(STATUS_LABELS[s] for s in MAIN_PATH)  # the editorial workflow's main path (``articles``)


@dataclass
class Medora:
    """What the app holds for its lifetime: settings and the one open index.

    Request threads share all of it with no lock of the app's own: composing an answer only
    reads, and each store that holds a connection locks it around its own calls (issue #17).
    """

    settings: Settings
    index: Index
    articles: Any = None  # the editorial database (``articles_db.ArticleStore``)
    threads: Any = None  # follow-up threads (``threads.ThreadStore``)
    buckets: TokenBuckets | None = None  # per-client question rate limit (None: unlimited)


def medora(request: Request) -> Medora:
    return request.app.state.medora


def charge(request: Request, what: str = "questions", kind: str = "") -> None:
    """Spend one token of the client's bucket for ``kind`` (``TooManyRequests``, 429, when empty)."""
    buckets = medora(request).buckets
    if buckets is not None:
        buckets.take(kind + client_address(request), what)


def question_quota(request: Request) -> None:
    """A route dependency: each question costs its client one token."""
    charge(request)


def check_question(text: str, settings: Settings) -> str:
    """The question stripped; ``QueryError`` (400) when empty, not encodable text, or longer than
    ``web.max_question_chars``."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Ask a question: type a clinical question, e.g. " + repr(SEED_QUESTION))
    encodable(text, "The question", QueryError)  # a lone surrogate can be neither searched nor stored
    limit = settings.web.max_question_chars
    if len(text) > limit:
        raise QueryError(
            f"The question is {len(text):,} characters long; the limit is {limit:,}. "
            "Shorten it to the clinical question itself (condition, population, intervention)."
        )
    return text


def answer_url(base_url: str, question: str, audience: str) -> str:
    return f"{base_url.rstrip('/')}/answer?{urlencode({'q': question, 'audience': audience})}"


def source_path(passage_id: str, span: tuple[int, int] | None = None) -> str:
    """Path of a passage's source view; ``span`` marks a statement inside the passage."""
    path = f"/source/{quote(passage_id, safe='')}"
    return f"{path}?start={span[0]}&end={span[1]}" if span else path


def answer_data(m: Medora, question: str, audience: str, base_url: str, thread_id: str | None = None,
                turn: int | None = None) -> dict:
    """The answer page's data: ``cite.to_json`` plus its shareable ``url``, review status and thread.

    Args:
        m: the app's settings and index.
        question: the question as typed (checked by ``check_question``).
        audience: one of ``AUDIENCES``.
        base_url: the server's root URL, for the answer page link.
        thread_id: the follow-up thread to continue (None: start one).
        turn: show this earlier turn of ``thread_id`` again instead of asking ``question``.

    Returns:
        The JSON object of ``POST /api/v1/answers``, also rendered by ``answer.html``.
    """
    earlier = m.threads.turns(thread_id) if thread_id else ()
    shown = earlier[turn - 1] if turn and 0 < turn <= len(earlier) else None
    if turn and shown is None:
        raise QueryError(f"No turn {turn} in thread {thread_id!r}: it has {len(earlier)}.")
    question = shown.question if shown else check_question(question, m.settings)
    resolved = shown.resolved_question if shown else resolve_in(m.threads, thread_id, question, m.index.abbreviations())
    # The saved article for the question as searched and this audience, composed and saved on first asking.
    data, review = serve_answer(m.articles, resolved, audience, lambda q, a: compose_json(m, q, a),
                                lambda: corpus_version(m))
    current = shown or m.threads.add(thread_id, question, resolved, audience)
    turns = m.threads.turns(current.thread_id)
    data.update(question=question, resolved_question=resolved, thread_id=current.thread_id, turn=current.n,
                thread=[turn_json(t) for t in turns], url=answer_url(base_url, resolved, audience), review=review)
    return data


def turn_json(t: Turn) -> dict:
    return {"n": t.n, "question": t.question, "resolved_question": t.resolved_question, "audience": t.audience,
            "asked_at": t.asked_at}


def compose_json(m: Medora, question: str, audience: str) -> dict:
    """A freshly composed, cited answer for the audience (``audience.ask``) as ``cite.to_json``."""
    return to_json(ask(question, m.index, m.settings, audience=audience))


def corpus_version(m: Medora) -> str:
    return m.index.corpus_version()


def search_data(m: Medora, q: str, k: int) -> list[dict]:
    """Ranked passages for ``q``: the rows of `medora search --json`."""
    q = check_question(q, m.settings)
    result = retrieve(q, m.index, m.settings.retrieve, k=k)
    return [hit_row(h) for h in result.hits]


def document_data(m: Medora, doc_id: str) -> dict:
    """A document's metadata, references and full section text (``DocumentNotFound``: 404)."""
    doc = m.index.document(doc_id, with_sections=True)
    return asdict(doc)


def passage_data(m: Medora, passage_id: str) -> dict:
    """One passage with the link to its source view (``PassageNotFound``: 404)."""
    passage = m.index.passage(passage_id)
    return {**asdict(passage), "source_url": source_path(passage.id)}


def health_data(m: Medora) -> dict:
    # No server paths or database addresses in responses.
    stats = {k: v for k, v in m.index.stats().items() if k not in LOCATION_KEYS}
    return {"ok": True, "version": __version__, "index": stats}


# -- request and response models ----------------------------------------------------------


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The clinical question, in plain words.", examples=[SEED_QUESTION])
    audience: AudienceName = Field("physician", description="Who reads the answer: " + ", ".join(AUDIENCES) + ".")
    thread_id: str | None = Field(
        None, description="Continue this follow-up thread (the thread_id of an earlier answer); none starts a thread."
    )


class LeadInOut(BaseModel):
    text: str = Field(description="The guideline line the statement is an option of (\"clinicians may recommend either:\").")
    passage_id: str = Field(description="The passage the lead-in was taken from.")
    span: list[int] = Field(description="[start, end) character offsets of the lead-in in that passage.")


class OriginalStatementOut(BaseModel):
    text: str = Field(description="A sentence or recommendation quoted verbatim from one passage.")
    citations: list[int] = Field(description="Reference numbers; the first is the passage's document.")
    passage_id: str = Field(description="The passage the statement was taken from.")
    doc_id: str = Field(description="The passage's document.")
    span: list[int] = Field(description="[start, end) character offsets of the statement in the passage text.")
    evidence: dict[str, str] = Field(description="Ratings the source gives: quality, strength, level.")
    year: int | None = Field(description="The source's year.")
    label: str = Field(description="The source's type label (Guideline, Evidence summary ...).")
    pages: list[str] = Field([], description="A paged document's (PDF's) pages the statement stands on.")
    locator: str = Field("", description="Those pages as cited: \"p. 12\", \"pp. 12–13\"; empty without pages.")
    newer_than: int | None = Field(
        None, description="Newer evidence shown above older guideline statements of its section: their year.")
    lead_in: LeadInOut | None = Field(
        None, description="A short guideline option's lead-in, verbatim from its own passage; shown before the text.")
    heading: str = Field(
        "", description="The heading the statement stands under in its source, verbatim, when it names the "
                        "treatment and the statement does not (\"Selpercatinib\"); shown before the text. Empty otherwise.")


class StatementOut(OriginalStatementOut):
    original_statement: OriginalStatementOut | None = Field(
        None, description="Patient answers: the clinician statement this one is shown in place of.")


class GlossaryOut(BaseModel):
    term: str = Field(description="A clinical term as written in a statement.")
    lay: str = Field(description="Its lay synonym from the vocabulary, also used in patient-audience corpus text.")
    name: str = Field(description="The vocabulary's preferred name.")
    source: str = Field(description="The package whose vocabulary holds the synonym.")


class TurnOut(BaseModel):
    n: int = Field(description="The turn's number in its thread, from 1.")
    question: str = Field(description="The question as typed.")
    resolved_question: str = Field(description="The question as searched, with the thread's context.")
    audience: str
    asked_at: str = Field(description="ISO time the question was asked.")


class SectionOut(BaseModel):
    title: str = Field(description="Section heading, e.g. First-line, Harms and safety.")
    statements: list[StatementOut] = Field(description="Statements in display order.")


class ReferenceOut(BaseModel):
    n: int = Field(description="Reference number used by statements' citations.")
    doc_id: str = Field(description="Document id, or pmid-<PMID> for a study cited via a summary.")
    type: str = Field(description="guideline, summary, systematic_review, trial, research, patient_education or drug_label.")
    label: str = Field(description="Human label of the type.")
    title: str
    source: str = Field(description="Developer organisation or journal.")
    year: int | None
    url: str | None = Field(description="Link to the original.")
    pmid: str | None
    via: str | None = Field(description="doc_id of the summary through which a study is cited.")
    date: str | None = Field(description="Release, revision or review date, as precise as the source gives.")
    evidence: list[str] = Field(description="Ratings of the cited statements.")
    pages: list[str] = Field([], description="A paged document's (PDF's) pages its cited statements stand on.")
    locator: str = Field("", description="Those pages as cited: \"p. 12\", \"pp. 2, 3, 11\"; empty without pages.")


class ReviewerOut(BaseModel):
    username: str
    name: str = Field(description="Display name, e.g. Dr Ana Lee.")
    credentials: str = Field(description="Degrees and certifications, e.g. MD, PhD.")
    specialty: str


class ReviewOut(BaseModel):
    status: str = Field(description="Editorial status: Submitted, Under Review, Approved, Changes requested, "
                        "Rejected or Withdrawn.")
    steps: list[str] = Field(description="The workflow's steps in order (an off-path status replaces the last).")
    last_updated: str = Field(description="ISO time of the last content change (the current revision).")
    article_id: int = Field(description="The saved article served for this question and audience.")
    revision: int = Field(description="The article revision served.")
    reviewed_by: list[ReviewerOut] = Field(description="Who approved the article (empty until approved).")
    approved_at: str | None = Field(description="ISO time of the approval.")


class AnswerOut(BaseModel):
    question: str
    question_type: str = Field(description="treatment, diagnosis, screening, harms ...")
    audience: str
    status: str = Field("answered", description="answered, partial (some of what was asked is not in the corpus) "
                        "or not_found.")
    missing: list[str] = Field([], description="What the corpus could not answer, one plain sentence each.")
    abstained: bool = Field(description="True exactly when status is not_found; see nearest.")
    notice: str = Field(description="Why the answer abstained (empty otherwise).")
    currency: str = Field("", description="Set when the newest source quoted is older than answer.stale_after_years.")
    bottom_line: list[StatementOut] = Field(description="One or two statements that answer directly.")
    sections: list[SectionOut]
    references: list[ReferenceOut]
    nearest: list[ReferenceOut] = Field(description="When abstaining: the nearest sources.")
    disclaimer: str
    corpus_version: str
    generated_at: str = Field(description="ISO time the answer was composed.")
    timings_ms: dict[str, float] = Field(description="Where the time went, per stage.")
    url: str = Field(description="The answer's shareable HTML page.")
    review: ReviewOut
    resolved_question: str = Field("", description="The question as searched: a follow-up with its thread's context.")
    reading_grade: float | None = Field(None, description="Flesch-Kincaid grade of the statements shown (textstat).")
    framing: str = Field("", description="Patient answers: how to read the answer (states nothing medical).")
    emergency_notice: str = Field("", description="Patient answers to emergency wording: call emergency services.")
    glossary: list[GlossaryOut] = Field([], description="Patient answers: lay synonyms for clinical terms shown.")
    follow_ups: list[str] = Field([], description="2-4 questions the corpus answers, derived from the evidence.")
    thread_id: str | None = Field(None, description="The answer's follow-up thread; pass it back to continue.")
    turn: int | None = Field(None, description="This question's turn number in the thread.")
    thread: list[TurnOut] = Field([], description="The thread's questions so far, in order.")


class SearchRow(BaseModel):
    rank: int
    doc_id: str
    passage_id: str
    type: str
    title: str
    source: str
    year: int | None
    url: str | None
    section: str = Field(description="The passage's section in its document.")
    kind: str = Field(description="recommendation, text or qa.")
    score: float = Field(description="Final score after evidence-aware ordering.")
    bm25: float | None = Field(description="Lexical score (null: not in the lexical candidates).")
    dense: float | None = Field(description="Cosine similarity (null: not in the dense candidates).")
    fused: float = Field(description="Reciprocal-rank fusion score.")
    evidence_quality: str
    strength: str
    evidence_level: str
    text: str


class SectionText(BaseModel):
    name: str
    text: str


class DocumentOut(BaseModel):
    id: str
    type: str
    title: str
    source: str
    year: int | None
    url: str | None
    audience: str = Field(description="professional or patient.")
    sections: list[SectionText] = Field(description="The document's full text, section by section.")
    date: str | None
    licence: str
    meta: dict[str, Any] = Field(description="Source-specific metadata (conditions, MeSH terms, PMID ...).")
    references: dict[str, Any] = Field(description="Primary articles the document cites, by citation marker.")


class PassageOut(BaseModel):
    id: str
    doc_id: str
    section: str
    text: str
    start: int = Field(description="Offset of the passage in its section's text.")
    end: int
    position: int = Field(description="Order of the passage within its document.")
    kind: str
    evidence_quality: str
    strength: str
    evidence_level: str
    cites: list[str] = Field(description="PMIDs of primary articles the passage cites.")
    source_url: str = Field(description="The passage's source view page.")


class HealthOut(BaseModel):
    ok: bool
    version: str
    index: dict[str, Any] = Field(description="Index counts and corpus version.")


# -- routes -------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.post("/answers", response_model=AnswerOut, summary="Answer a clinical question with cited statements",
             dependencies=[Depends(question_quota)])
def post_answer(body: AnswerRequest, request: Request) -> dict:
    return answer_data(medora(request), body.question, body.audience, str(request.base_url), body.thread_id)


@router.get("/search", response_model=list[SearchRow], summary="Rank corpus passages for a query")
def get_search(
    request: Request,
    q: str = Query(description="Free-text query."),
    k: int = Query(10, ge=1, le=100, description="Number of passages."),
) -> list[dict]:
    return search_data(medora(request), q, k)


@router.get("/documents/{doc_id}", response_model=DocumentOut, summary="A document with its sections")
def get_document(request: Request, doc_id: str = Path(description="e.g. ngc-10495")) -> dict:
    return document_data(medora(request), doc_id)


@router.get("/passages/{passage_id:path}", response_model=PassageOut, summary="One passage")
def get_passage(request: Request, passage_id: str = Path(description="e.g. ngc-10495#major-recommendations-1")) -> dict:
    return passage_data(medora(request), passage_id)


@router.get("/health", response_model=HealthOut, summary="Liveness and index counts")
def get_health(request: Request) -> dict:
    return health_data(medora(request))
