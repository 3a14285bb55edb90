"""The REST API under ``/api/v1``: Pydantic models at the edge, one data function per resource.

The data functions (``answer_data``, ``search_data`` ...) are shared with the HTML
pages in ``web``, as datasette's views build one dict that is either returned as JSON
or rendered: the answer page and ``POST /api/v1/answers`` can never disagree.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from . import __version__
from .cite import ask, to_json
from .errors import QueryError
from .retrieve import hit_row, retrieve
from .settings import Settings

SEED_QUESTION = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"
AUDIENCES: dict[str, str] = {
    "physician": "Physician",
    "nurse_np_pa": "Nurse, NP or PA",
    "pharmacist": "Pharmacist",
    "student": "Student",
    "patient_caregiver": "Patient or caregiver",
}
AudienceName = Literal["physician", "nurse_np_pa", "pharmacist", "student", "patient_caregiver"]
# The editorial workflow comes later; until then every answer is machine-made and only "Submitted".
REVIEW_STEPS = ("Submitted", "Under Review", "Approved")


@dataclass
class Medora:
    """What the app holds for its lifetime: settings and the one open index.

    ``lock`` serialises index use: the SQLite connection, the lazily built embedding
    model and the vector cache are shared by every request thread.
    """

    settings: Settings
    index: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


def medora(request: Request) -> Medora:
    return request.app.state.medora


def check_question(text: str, settings: Settings) -> str:
    """The question stripped; ``QueryError`` (400) when empty or longer than ``web.max_question_chars``."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Ask a question: type a clinical question, e.g. " + repr(SEED_QUESTION))
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


def answer_data(m: Medora, question: str, audience: str, base_url: str) -> dict:
    """The answer page's data: ``cite.to_json`` plus its shareable ``url`` and review status.

    Args:
        m: the app's settings and index.
        question: the question as typed (checked by ``check_question``).
        audience: one of ``AUDIENCES``.
        base_url: the server's root URL, for the answer page link.

    Returns:
        The JSON object of ``POST /api/v1/answers``, also rendered by ``answer.html``.
    """
    question = check_question(question, m.settings)
    with m.lock:
        answer = ask(question, m.index, m.settings, audience=audience)
    data = to_json(answer)
    data["url"] = answer_url(base_url, question, audience)
    data["review"] = {"status": REVIEW_STEPS[0], "steps": list(REVIEW_STEPS), "last_updated": data["generated_at"]}
    return data


def search_data(m: Medora, q: str, k: int) -> list[dict]:
    """Ranked passages for ``q``: the rows of `medora search --json`."""
    q = check_question(q, m.settings)
    with m.lock:
        result = retrieve(q, m.index, m.settings.retrieve, k=k)
    return [hit_row(h) for h in result.hits]


def document_data(m: Medora, doc_id: str) -> dict:
    """A document's metadata, references and full section text (``DocumentNotFound``: 404)."""
    with m.lock:
        doc = m.index.document(doc_id, with_sections=True)
    return asdict(doc)


def passage_data(m: Medora, passage_id: str) -> dict:
    """One passage with the link to its source view (``PassageNotFound``: 404)."""
    with m.lock:
        passage = m.index.passage(passage_id)
    return {**asdict(passage), "source_url": source_path(passage.id)}


def health_data(m: Medora) -> dict:
    with m.lock:
        stats = {k: v for k, v in m.index.stats().items() if k != "path"}  # no server paths in responses
    return {"ok": True, "version": __version__, "index": stats}


# -- request and response models ----------------------------------------------------------


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The clinical question, in plain words.", examples=[SEED_QUESTION])
    audience: AudienceName = Field(
        "physician", description="Who reads the answer: " + ", ".join(AUDIENCES) + " (tailoring comes later)."
    )


class StatementOut(BaseModel):
    text: str = Field(description="A sentence or recommendation quoted verbatim from one passage.")
    citations: list[int] = Field(description="Reference numbers; the first is the passage's document.")
    passage_id: str = Field(description="The passage the statement was taken from.")
    doc_id: str = Field(description="The passage's document.")
    span: list[int] = Field(description="[start, end) character offsets of the statement in the passage text.")
    evidence: dict[str, str] = Field(description="Ratings the source gives: quality, strength, level.")
    year: int | None = Field(description="The source's year.")
    label: str = Field(description="The source's type label (Guideline, Evidence summary ...).")


class SectionOut(BaseModel):
    title: str = Field(description="Section heading, e.g. First-line, Harms and safety.")
    statements: list[StatementOut] = Field(description="Statements in display order.")


class ReferenceOut(BaseModel):
    n: int = Field(description="Reference number used by statements' citations.")
    doc_id: str = Field(description="Document id, or pmid-<PMID> for a study cited via a summary.")
    type: str = Field(description="guideline, summary, systematic_review, trial, research or patient_education.")
    label: str = Field(description="Human label of the type.")
    title: str
    source: str = Field(description="Developer organisation or journal.")
    year: int | None
    url: str | None = Field(description="Link to the original.")
    pmid: str | None
    via: str | None = Field(description="doc_id of the summary through which a study is cited.")
    date: str | None = Field(description="Release, revision or review date, as precise as the source gives.")
    evidence: list[str] = Field(description="Ratings of the cited statements.")


class ReviewOut(BaseModel):
    status: str = Field(description="Editorial status; every answer is 'Submitted' until the workflow exists.")
    steps: list[str] = Field(description="The editorial workflow's steps in order.")
    last_updated: str = Field(description="ISO time of the last change (for now: generation time).")


class AnswerOut(BaseModel):
    question: str
    question_type: str = Field(description="treatment, diagnosis, screening, harms ...")
    audience: str
    abstained: bool = Field(description="True when the corpus holds no relevant evidence; see nearest.")
    notice: str = Field(description="Why the answer abstained (empty otherwise).")
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


@router.post("/answers", response_model=AnswerOut, summary="Answer a clinical question with cited statements")
def post_answer(body: AnswerRequest, request: Request) -> dict:
    return answer_data(medora(request), body.question, body.audience, str(request.base_url))


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
