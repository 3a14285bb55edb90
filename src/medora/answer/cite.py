"""Citations: number references, attach them to statements, verify, and serialise.

References are numbered in order of first use and deduplicated by document. A
statement taken from a summary that cites a primary study (PDQ) also cites that
study, shown as "via" the summary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from ..corpus.pages import page_text, pages_of
from ..types import EVIDENCE_NAMES, TYPE_LABEL, Answer, ReferenceEntry, Statement
from .compose import reference_for

MAX_VIA = 2  # primary studies shown per statement
_CITATION = re.compile(r"^(?P<authors>[^:]{2,300}):\s*(?P<title>.+?[.?!])\s+(?P<journal>[^.]*?)\s+\d")


def _study_label(citation: str) -> tuple[str, str]:
    text = citation.lower()
    if "meta-analysis" in text or "systematic review" in text:
        return "systematic_review", TYPE_LABEL["systematic_review"]
    if "random" in text or "phase iii" in text or "phase 3" in text or "trial" in text:
        return "trial", TYPE_LABEL["trial"]
    return "research", TYPE_LABEL["research"]


def _parse_citation(citation: str) -> tuple[str, str]:
    """(title, journal) from "Authors: Title. Journal 387 (1): 9-20, 2022."; whole text if unparsable."""
    m = _CITATION.match(citation)
    if not m:
        return citation, ""
    return m.group("title").rstrip("."), m.group("journal").strip()


# Names a study goes by in text and in its citation: MARIANNE, TH3RESA, T-DM1, NCT01120184.
_STUDY_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*[A-Z0-9]\b")
_TRIAL_WORDING = re.compile(r"\btrial\b|\brandomi[sz]ed\b|\bphase (?:III|3|II|2)\b", re.I)


def _studies_named(statement: Statement, refs: list, heading: str = "") -> list:
    """The cited studies a statement is about, when it names them.

    A summary passage cites every study it reports on; a sentence about "the phase III
    MARIANNE trial" is about the one whose citation says MARIANNE. Names in the passage's
    heading ("HER2" under "Metastatic HER2-Positive Breast Cancer") are its topic, not a
    study's name. Without a distinguishing name, all the passage's studies stay.
    """
    topic = set(_STUDY_NAME.findall(heading))
    names = {n for n in _STUDY_NAME.findall(statement.text) if len(n) >= 4 and n not in topic}
    if not names or len(refs) < 2:
        return refs
    counts = [sum(n in ref.citation for n in names) for ref in refs]
    best = max(counts)
    return [ref for ref, c in zip(refs, counts) if c == best] if best and min(counts) < best else refs


def _rating(statement: Statement) -> str:
    return "; ".join(f"{name}: {statement.evidence[key]}" for key, name in EVIDENCE_NAMES.items()
                     if statement.evidence.get(key))


def attach_citations(answer: Answer, index) -> Answer:
    """Number the answer's references and fill every statement's ``citations``."""
    entries: dict[str, ReferenceEntry] = {}
    ratings: dict[str, list[str]] = {}
    pages: dict[str, list[str]] = {}

    def number(key: str, make) -> int:
        if key not in entries:
            entries[key] = replace(make(), n=len(entries) + 1)
        return entries[key].n

    def cite(statement: Statement) -> Statement:
        doc = index.document(statement.doc_id)
        numbers = [number(doc.id, lambda: reference_for(doc))]
        rating = _rating(statement)
        if rating and rating not in ratings.setdefault(doc.id, []):
            ratings[doc.id].append(rating)
        on_pages: tuple[str, ...] = ()
        if doc.meta.get("pages"):  # a paged document: the statement and its reference name the page(s)
            passage = index.passage(statement.passage_id)
            start, end = passage.start + statement.span[0], passage.start + statement.span[1]
            on_pages = pages_of(doc.meta, passage.section, start, end)
            pages.setdefault(doc.id, []).extend(on_pages)
        by_pmid = {r.pmid: r for r in doc.references.values()}
        cited = [by_pmid[p] for p in statement.via if p in by_pmid]
        heading = index.passage(statement.passage_id).section if len(cited) > 1 else ""
        studies = _studies_named(statement, cited, heading)[:MAX_VIA]
        for ref in studies:
            pmid = ref.pmid
            title, journal = _parse_citation(ref.citation)
            type_, label = _study_label(ref.citation)
            if type_ == "research" and len(studies) == 1 and _TRIAL_WORDING.search(statement.text):
                # The summary describes this one study as a trial ("This trial led to ...").
                type_, label = "trial", TYPE_LABEL["trial"]
            numbers.append(number(f"pmid-{pmid}", lambda: ReferenceEntry(
                n=0, doc_id=f"pmid-{pmid}", type=type_, label=label, title=title, source=journal or ref.citation,
                year=ref.year, url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", pmid=pmid, via=doc.id)))
        original = cite(statement.original) if statement.original else None
        return replace(statement, citations=tuple(dict.fromkeys(numbers)), original=original, pages=on_pages)

    bottom = tuple(cite(s) for s in answer.bottom_line)
    sections = tuple(replace(sec, statements=tuple(cite(s) for s in sec.statements)) for sec in answer.sections)
    # A reference shows a rating only when all its cited statements share it; otherwise
    # the ratings stay on the statements, where they belong.
    references = tuple(
        replace(e, evidence=tuple(ratings[e.doc_id]) if len(ratings.get(e.doc_id, ())) == 1 else (),
                pages=_page_order(pages.get(e.doc_id, ())))
        for e in sorted(entries.values(), key=lambda e: e.n)
    )
    return replace(answer, bottom_line=bottom, sections=sections, references=references)


def _page_order(pages) -> tuple[str, ...]:
    unique = list(dict.fromkeys(pages))
    return tuple(sorted(unique, key=int)) if all(p.isdigit() for p in unique) else tuple(unique)


def normalise(text: str) -> str:
    """Case-, space- and Unicode-insensitive form for containment checks."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("–", "-").replace("—", "-").replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def all_statements(answer: Answer) -> list[Statement]:
    return [*answer.bottom_line, *(s for sec in answer.sections for s in sec.statements)]


def verify(answer: Answer, index) -> list[tuple[Statement, bool]]:
    """For each statement: is its text contained in the passage its first citation points at?"""
    out = []
    for s in all_statements(answer):
        passage = index.passage(s.passage_id)
        ok = normalise(s.text) in normalise(passage.text) and passage.text[s.span[0] : s.span[1]] == s.text
        if ok and s.lead_in:
            lead = index.passage(s.lead_in.passage_id).text
            ok = lead[s.lead_in.span[0] : s.lead_in.span[1]] == s.lead_in.text
        if ok and s.heading:  # one heading of the passage's path, as written
            ok = s.heading in (part.strip() for part in passage.section.split(" › "))
        out.append((s, ok))
    return out


def _statement_json(s: Statement, original: bool = False) -> dict:
    """A statement as JSON; a patient statement's ``original`` (the clinician statement it stands in
    for) has no original of its own."""
    out = {
        "text": s.text, "citations": list(s.citations), "passage_id": s.passage_id, "doc_id": s.doc_id,
        "span": list(s.span), "evidence": dict(s.evidence), "year": s.year, "label": s.label,
        "newer_than": s.newer_than, "pages": list(s.pages), "locator": page_text(s.pages),
        "lead_in": {"text": s.lead_in.text, "passage_id": s.lead_in.passage_id, "span": list(s.lead_in.span)}
        if s.lead_in else None,
        "heading": s.heading,
    }
    if original:
        return out
    return {**out, "original_statement": _statement_json(s.original, original=True) if s.original else None}


def _reference_json(r: ReferenceEntry) -> dict:
    return {
        "n": r.n, "doc_id": r.doc_id, "type": r.type, "label": r.label, "title": r.title, "source": r.source,
        "year": r.year, "url": r.url, "pmid": r.pmid, "via": r.via, "date": r.date, "evidence": list(r.evidence),
        # A paged document's cited pages, and the locator shown after the reference ("p. 12").
        "pages": list(r.pages), "locator": page_text(r.pages),
    }


def to_json(answer: Answer) -> dict:
    """The stable JSON contract of `medora ask --json` and ``POST /api/v1/answers``."""
    return {
        "question": answer.question,
        "question_type": answer.question_type,
        "audience": answer.audience,
        "status": answer.status,
        "missing": list(answer.missing),
        "abstained": answer.abstained,
        "notice": answer.notice,
        "currency": answer.currency,
        "bottom_line": [_statement_json(s) for s in answer.bottom_line],
        "sections": [{"title": sec.title, "statements": [_statement_json(s) for s in sec.statements]}
                     for sec in answer.sections],
        "references": [_reference_json(r) for r in answer.references],
        "nearest": [_reference_json(r) for r in answer.nearest],
        "disclaimer": answer.disclaimer,
        "corpus_version": answer.corpus_version,
        "generated_at": answer.generated_at,
        "timings_ms": {k: round(v * 1000, 1) for k, v in answer.timings.items()},
        "resolved_question": answer.resolved_question or answer.question,
        "reading_grade": answer.reading_grade,
        "framing": answer.framing,
        "emergency_notice": answer.emergency_notice,
        "glossary": [{"term": g.term, "lay": g.lay, "name": g.name, "source": g.source} for g in answer.glossary],
        "follow_ups": list(answer.follow_ups),
        "thread_id": answer.thread_id or None,
    }
