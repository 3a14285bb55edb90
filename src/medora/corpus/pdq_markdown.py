"""Read NCI pages (PDQ® summaries and cancer.gov pages, JSONL of Markdown) into Documents.

Files: ``pdq_summaries.jsonl`` and ``nci_*.jsonl``, one object per line with ``url``,
``title``, ``audience``, ``lastReviewed``, ``text`` (Markdown) ...

- Sections: one per heading; the name is the heading path from ``##`` down joined with
  " › " (text directly under the ``#`` title is named after that title). Boilerplate subtrees
  are dropped: "About This PDQ Summary", "Latest Updates to This Summary", "Current Clinical
  Trials", "Clinical Trials Accepting Patients", "Research Results and Related Resources",
  "More About …", "More information" (link lists), and the "References" lists (kept as
  ``Document.references`` instead).
- Text is stored clean: links become their text, images, emphasis and "Go to Patient
  Version" links go, tables become rows of cells joined by " | ".
- Citations ``[[53](#cit/section_10.53)]`` and levels of evidence ``[[Level of evidence
  A1](…)]`` are removed from the text; their positions are kept in ``meta["citations"]`` and
  ``meta["evidence_levels"]``: one list per section of ``[offset, key]`` pairs, the offset
  into the clean ``Section.text`` where the marker stood, the key "10.53" or "A1". The
  chunker attaches them to the passage containing the offset.
- ``Document.references`` maps "10.53" to the Reference numbered 53 in the References list
  that closes section 10 of the Markdown (only references with a PubMed ID). If a summary
  has no such lists, the summary's rows of ``pdq_references.jsonl`` (PMID references only,
  in order) are aligned to its citation numbers with :func:`align_references`.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from ..types import Document, IngestProblem, Reference, Section
from .jsonl import json_objects

REFERENCES_FILE = "pdq_references.jsonl"
LICENCE = "public domain (NCI)"
_DROP = re.compile(
    r"About This PDQ Summary|Latest Updates to This Summary.*|Current Clinical Trials|References"
    r"|Clinical Trials Accepting Patients|Research Results and Related Resources|More About .*|More information",
    re.I,
)
_DROP_LINES = re.compile(r"Go to (?:Patient|Health Professional) Version|Placeholder slot|Enlarge", re.I)
_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"(\s*)(?:[-*+•]|(\d+)[.)])\s+(.*)")
_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")
_PMID = re.compile(r"list_uids=(\d+)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CITE_KEY = re.compile(r"\[(\d+)\]\(#cit/section_(\d+)\.(\d+)\)\s*([,\-–]?)")
_INLINE = re.compile(
    r"(?=[\[!\\*_])"  # every alternative starts with one of these: fail fast elsewhere
    r"(?:(?P<cit>\[(?:\[\d+\]\(#cit/section_\d+\.\d+\)\s*[,\-–]?\s*)+\])"
    r"|(?P<loe1>\[\[[Ll]evel of evidence:?\s*(?P<level>[^\]]+)\]\([^)]*\)\])"
    r"|(?P<loe2>\[[Ll]evel of evidence:?\s*(?P<levels>(?:\[[^\]]+\]\([^)]*\)(?:\s*(?:,|and|or)\s*)?)+)\])"
    r"|(?P<img>!\[[^\]]*\]\((?:[^()]|\([^()]*\))*\))"
    r"|(?P<link>\[(?P<label>[^\]]*)\]\((?:[^()]|\([^()]*\))*\))"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!|>])"
    r"|(?P<emph>\*{1,3}|(?<!\w)_{1,2}(?=\S)|(?<=\S)_{1,2}(?!\w)))"
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def clean_inline(raw: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Clean one Markdown line; return the text and its markers ``(offset, "cit"|"loe", key)``."""
    out: list[str] = []
    markers: list[tuple[int, str, str]] = []
    length = 0

    def emit(piece: str) -> None:
        nonlocal length
        piece = html.unescape(piece)
        if out and out[-1].endswith(" ") and piece.startswith(" "):
            piece = piece.lstrip(" ")  # a removed marker leaves no double space
        if piece:
            out.append(piece)
            length += len(piece)

    pos = 0
    for m in _INLINE.finditer(raw):
        emit(raw[pos : m.start()])
        pos = m.end()
        if m.group("cit"):
            markers.extend((length, "cit", key) for key in _citation_keys(m.group("cit")))
        elif m.group("loe1"):
            markers.append((length, "loe", m.group("level").strip()))
        elif m.group("loe2"):
            markers.extend((length, "loe", lv.strip()) for lv in re.findall(r"\[([^\]]+)\]", m.group("levels")))
        elif m.group("link") is not None and m.group("label").strip() != "Enlarge":  # "Enlarge": image link
            emit(m.group("label").replace("*", ""))
        elif m.group("escaped"):
            emit(m.group("escaped"))
    emit(raw[pos:])
    text = "".join(out)
    stripped = text.rstrip()
    lead = len(text) - len(text.lstrip())
    text = stripped.lstrip()
    return text, [(min(max(o - lead, 0), len(text)), kind, key) for o, kind, key in markers]


def _citation_keys(group: str) -> list[str]:
    """``[[4](…2.4)-[7](…2.7),[9](…2.9)]`` -> ["2.4", "2.5", "2.6", "2.7", "2.9"]."""
    keys: list[str] = []
    range_from: tuple[int, int] | None = None
    for m in _CITE_KEY.finditer(group):
        sec, n = int(m.group(2)), int(m.group(3))
        if range_from and range_from[0] == sec:
            keys.extend(f"{sec}.{k}" for k in range(range_from[1] + 1, n))
        keys.append(f"{sec}.{n}")
        range_from = (sec, n) if m.group(4) in ("-", "–") else None
    return keys


class _Builder:
    """Collects the clean text and markers of one section."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        self.markers: list[tuple[int, str, str]] = []
        self.length = 0  # length of the text so far
        self.joinable = False  # the last line is a paragraph or list item a continuation joins

    def add(self, text: str, markers: list, *, new_paragraph: bool, continuation: bool) -> None:
        if continuation and self.joinable and self.lines:
            self.lines[-1] += " " + text
            base = self.length + 1
        else:
            sep = ("\n\n" if new_paragraph else "\n") if self.lines else ""
            self.lines.append(sep + text)
            base = self.length + len(sep)
        self.markers.extend((base + o, kind, key) for o, kind, key in markers)
        self.length = base + len(text)

    def text(self) -> str:
        return "".join(self.lines)


def parse_markdown(text: str) -> tuple[list[Section], list[list], list[list], dict[str, Reference], list[str]]:
    """Markdown -> (sections, citations per section, levels per section, references, cited keys in order)."""
    sections: list[Section] = []
    cites: list[list] = []
    levels: list[list] = []
    references: dict[str, Reference] = {}
    cited: list[str] = []
    since_refs: Counter[str] = Counter()  # citation section numbers seen since the last References list
    names: dict[int, str] = {}
    current: _Builder | None = None
    dropping = in_refs = False
    ref_items: list[str] = []
    blank = True
    nesting = _ListNesting()

    def finish() -> None:
        nonlocal current
        if current and current.lines:
            body = current.text()
            sections.append(Section(current.name, body))
            cites.append([[o, k] for o, kind, k in current.markers if kind == "cit"])
            levels.append([[o, k] for o, kind, k in current.markers if kind == "loe"])
        current = None

    def close_refs() -> None:
        nonlocal in_refs
        if in_refs and since_refs:
            sec = since_refs.most_common(1)[0][0]
            references.update(_reference_list(sec, ref_items))
            since_refs.clear()
        in_refs = False
        ref_items.clear()

    for raw in text.split("\n"):
        heading = _HEADING.fullmatch(raw.strip()) if raw.startswith("#") else None
        if heading:
            finish()
            close_refs()
            nesting.levels.clear()
            level, title = len(heading.group(1)), clean_inline(heading.group(2))[0]
            names = {lv: n for lv, n in names.items() if lv < level}
            names[level] = title
            path = [names[lv] for lv in sorted(names) if lv >= 2]
            in_refs = level >= 3 and title.lower() == "references"
            dropping = any(_DROP.fullmatch(n) for n in path)
            if not dropping:
                current = _Builder(" › ".join(path) if path else names.get(1, title))
            blank = True
            continue
        if in_refs:
            if re.match(r"\d+\.\s", raw):
                ref_items.append(raw)
            elif raw.strip() and ref_items:
                ref_items[-1] += " " + raw.strip()
            continue
        if not raw.strip():
            blank = True
            continue
        if dropping:
            continue
        if current is None:
            current = _Builder(names.get(1, "Text"))
        stripped = raw.strip()
        if stripped.startswith("|"):
            nesting.levels.clear()
            if _TABLE_RULE.fullmatch(stripped):
                continue
            cells = [clean_inline(c) for c in stripped.strip("|").split("|")]
            line, markers = _join_cells(cells)
            kind = "table"
        else:
            item = _LIST.fullmatch(raw)
            line, markers = clean_inline(stripped)
            if item:
                marker = f"{item.group(2)}. " if item.group(2) else "- "
                depth = nesting.depth(int(item.group(2)) if item.group(2) else None)
                line, markers = _prefix("  " * depth + marker, clean_inline(item.group(3)))
            elif blank:
                nesting.levels.clear()
            kind = "item" if item else "text"
        if not line or _DROP_LINES.fullmatch(line):
            continue
        for _o, k, key in markers:
            if k == "cit":
                cited.append(key)
                since_refs[key.split(".")[0]] += 1
        current.add(line, markers, new_paragraph=blank, continuation=kind == "text" and not blank)
        current.joinable = kind != "table"
        blank = False
    finish()
    close_refs()
    return sections, cites, levels, references, list(dict.fromkeys(cited))


class _ListNesting:
    """How deep each item of a list stands. The summaries' Markdown writes nested lists flat:
    "1. Sequential or concurrent chemoradiation.", then "1. Radiation dose escalation ..." and
    "2. Systemic consolidation ...", then bullets, then "2. Radiation therapy alone.". A list that
    starts again at 1, or bullets under a numbered item, are the items of the item before; a number
    that follows on from an outer list's, or a bullet beside outer bullets, goes back out to it."""

    def __init__(self) -> None:
        self.levels: list[int | None] = []  # each level's last item number (None: bullets), outermost first

    def depth(self, number: int | None) -> int:
        levels = self.levels
        if number is None:
            outer = [i for i, last in enumerate(levels) if last is None]
            if outer:
                del levels[outer[-1] + 1:]
            else:
                levels.append(None)
        else:
            outer = [i for i, last in enumerate(levels) if last is not None and last + 1 == number]
            if outer:
                del levels[outer[-1] + 1:]
                levels[-1] = number
            elif not levels or number == 1:
                levels.append(number)
            else:
                levels[-1] = number  # numbered out of order: taken as it stands
        return len(levels) - 1


def _prefix(marker: str, cleaned: tuple[str, list]) -> tuple[str, list]:
    text, markers = cleaned
    return marker + text, [(o + len(marker), k, key) for o, k, key in markers]


def _join_cells(cells: list[tuple[str, list]]) -> tuple[str, list]:
    parts, markers, length = [], [], 0
    for text, cell_markers in cells:
        if not text:
            continue
        if parts:
            length += 3
        markers.extend((length + o, k, key) for o, k, key in cell_markers)
        parts.append(text)
        length += len(text)
    return " | ".join(parts), markers


def _reference_list(section: str, items: list[str]) -> dict[str, Reference]:
    out = {}
    for item in items:
        number = item.split(".", 1)[0]
        pmid = _PMID.search(item)
        if not pmid:
            continue
        body = re.sub(r"\[\[PUBMED Abstract\]\]\([^)]*\)", "", item.split(".", 1)[1])
        citation = " ".join(clean_inline(body)[0].split())
        years = _YEAR.findall(citation)
        out[f"{section}.{number}"] = Reference(pmid.group(1), citation, int(years[-1]) if years else None)
    return out


def align_references(cited: list[str], contexts: dict[str, str], rows: list[dict]) -> dict[str, Reference]:
    """Align a summary's citation numbers to its PMID-only reference list (both in order).

    A section's references are numbered 1..N without gaps, so the keys to align are every
    number up to the highest one cited, section by section. The list leaves out references
    without a PMID, so position drifts; a monotonic alignment (Needleman–Wunsch, free gaps)
    places the drift: a match scores 1 (staying on the diagonal) plus twice the IDF-weighted
    share of the reference's words found in the ~300 characters before the citation.
    Used only for summaries whose Markdown has no numbered reference lists; on this corpus
    it reproduces the lists' resolution for 87% of cited keys (benchmarks/corpus_stats.py).
    """
    highest: dict[int, int] = {}
    for key in cited:
        sec, n = (int(x) for x in key.split("."))
        highest[sec] = max(highest.get(sec, 0), n)
    keys = [f"{sec}.{n}" for sec in sorted(highest) for n in range(1, highest[sec] + 1)]
    refs = [Reference(r["pmid"], r.get("citation", ""), _int(r.get("year"))) for r in rows]
    if len(keys) == len(refs):
        return dict(zip(keys, refs))
    ref_words = [_words(r.citation) for r in refs]
    df = Counter(w for ws in ref_words for w in ws)
    idf = {w: math.log(1 + len(refs) / c) for w, c in df.items()}
    weight = [sum(idf[w] for w in ws) or 1.0 for ws in ref_words]
    context = [_words(contexts[k]) if k in contexts else None for k in keys]
    previous = [0.0] * (len(refs) + 1)
    steps: list[bytes] = []  # 1 match, 2 skip the key (no PMID), 3 skip the reference (never cited)
    for ctx in context:
        current, step = [0.0] * (len(refs) + 1), bytearray(len(refs) + 1)
        for j in range(1, len(refs) + 1):
            similarity = 0.1 if ctx is None else sum(idf[w] for w in ctx & ref_words[j - 1]) / weight[j - 1]
            match, skip_key, skip_ref = previous[j - 1] + 1.0 + 2.0 * similarity, previous[j], current[j - 1]
            if match >= skip_key and match >= skip_ref:
                current[j], step[j] = match, 1
            elif skip_key >= skip_ref:
                current[j], step[j] = skip_key, 2
            else:
                current[j], step[j] = skip_ref, 3
        steps.append(bytes(step))
        previous = current
    out: dict[str, Reference] = {}
    i, j = len(keys), len(refs)
    while i and j:
        if steps[i - 1][j] == 1:
            out[keys[i - 1]] = refs[j - 1]
            i, j = i - 1, j - 1
        elif steps[i - 1][j] == 2:
            i -= 1
        else:
            j -= 1
    return out


_STOPWORDS = frozenset(
    "with from that this were have been after among than their which into over more less versus".split()
)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{3,}", text.lower())) - _STOPWORDS


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def citation_contexts(sections: list[Section], cites: list[list], width: int = 300) -> dict[str, str]:
    """The ``width`` characters of text before each citation key's first marker."""
    out: dict[str, str] = {}
    for section, markers in zip(sections, cites):
        for offset, key in markers:
            out.setdefault(key, section.text[max(0, offset - width) : offset])
    return out


def load_reference_rows(folder: Path, problems: list[IngestProblem]) -> dict[str, list[dict]]:
    """``pdq_references.jsonl`` beside the summaries: rows grouped by the citing summary URL."""
    path = folder / REFERENCES_FILE
    rows: dict[str, list[dict]] = {}
    if not path.exists():
        return rows
    for number, row in json_objects(path, problems):
        try:
            rows.setdefault(row["cited_in"], []).append(row)
        except (KeyError, TypeError) as e:
            problems.append(IngestProblem(str(path), number, f"bad reference line: {e}"))
    return rows


def read_nci(path: Path, problems: list[IngestProblem]) -> Iterator[Document]:
    """Read one NCI JSONL file; a bad line is reported in ``problems`` and skipped."""
    summaries = path.name == "pdq_summaries.jsonl"
    reference_rows = load_reference_rows(path.parent, problems) if summaries else {}
    for number, row in json_objects(path, problems):
        try:
            doc = _document(row, summaries, reference_rows)
        except KeyError as e:
            problems.append(IngestProblem(str(path), number, f"missing field {e}"))
            continue
        except (TypeError, AttributeError, ValueError) as e:
            problems.append(IngestProblem(str(path), number, f"malformed line: {e}"))
            continue
        except Exception as e:  # noqa: BLE001 - whatever else one line raises costs that line, not the run
            problems.append(IngestProblem(str(path), number, f"unreadable line: {type(e).__name__}: {e}"))
            continue
        if doc.sections:
            yield doc


NCI_SOURCE = "National Cancer Institute"


def _document(row: dict, summaries: bool, reference_rows: dict[str, list[dict]]) -> Document:
    url, text = row["url"], row["text"]
    if not isinstance(url, str) or not isinstance(text, str):
        raise TypeError("'url' and 'text' must be strings")
    sections, cites, levels, references, cited = parse_markdown(text)
    if not references and cited and reference_rows.get(url):
        references = align_references(cited, citation_contexts(sections, cites), reference_rows[url])
    professional = row.get("audience") == "health_professional"
    path = urlparse(url).path
    pdq = summaries or path.endswith("-pdq")
    titles = re.findall(r"^# (.+)$", text, re.M)
    title = clean_inline(titles[-1])[0] if titles else str(row.get("title", "")).removesuffix(" - NCI")
    reviewed = row.get("lastReviewed") or None
    year = _YEAR.search(reviewed or "")
    return Document(
        id="nci-" + slug(path),
        type="summary" if professional else "patient_education",
        title=title,
        source=f"{NCI_SOURCE} (PDQ®)" if pdq else NCI_SOURCE,
        year=int(year.group()) if year else None,
        url=url,
        audience="professional" if professional else "patient",
        sections=tuple(sections),
        date=reviewed,
        licence=LICENCE,
        meta={"file": row.get("file"), "citations": cites, "evidence_levels": levels},
        references=references,
    )
