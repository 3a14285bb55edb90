"""Cut a Document into Passages that follow its structure ("chunking that respects medicine").

Rules, in order of precedence:

- A passage never crosses a Section (PDQ sections are heading paths, so it never crosses a heading)
  and its text is exactly ``section.text[start:end]``.
- Guideline "Major Recommendations": a recommendation statement stays whole together with its
  ratings and becomes a passage of kind ``"recommendation"`` with ``evidence_quality`` and
  ``strength`` parsed (:func:`medora.corpus.guideline_xml.parse_ratings`). Short lead-in text
  (clinical question, heading, "Recommendation 1.2" label) joins the statement it introduces;
  adjacent statements with identical ratings are grouped up to ``target_words``. A rating-only
  paragraph ("(Level of Evidence = V)") belongs to the statement before it; a rating-only heading
  ("Class I") rates the statements under it. The rating definitions after "Definitions:" are
  passages of kind ``"definitions"``.
- Other text: paragraphs, lists and tables are grouped up to ``target_words``; a heading or a line
  ending in ":" stays with what follows (so a list stays with the line introducing it); a block
  longer than ``max_words`` is cut at line, then sentence boundaries (a longer sentence at word
  boundaries); a passage under ``min_words`` is merged with a neighbour when the result stays
  within ``max_words``. Recommendation passages may be shorter than ``min_words``.
- Documents whose recommendations may stand under any heading (PDF, Word and HTML guidelines:
  ``meta["recommendations_in_any_section"]``) have every section chunked by the recommendation
  rules above, whatever its name; there, a statement labelled "Recommendation 3.1: ..." is a
  recommendation even when it states no rating, and a section headed as a rating scheme's
  definitions (:data:`RATING_DEFINITIONS`) gives passages of kind ``"definitions"``.
- MedQuAD answers (``meta["sections_are_questions"]``) give passages of kind ``"qa"``.
- PDQ citations and levels of evidence, kept by the reader as ``meta["citations"]`` and
  ``meta["evidence_levels"]`` (one list per section of ``[offset, key]`` pairs, offsets into the
  clean ``Section.text``), are attached to the passage containing the offset: ``cites`` gets the
  PMIDs of ``Document.references[key]``; ``evidence_level`` the distinct levels joined by ", ".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..settings import CorpusSettings
from ..types import Document, Passage
from .guideline_xml import REVIEW_SCOPE_HEADINGS, definitions_start, parse_ratings, review_section

_BLOCK_SEP = re.compile(r"\n[ \t]*\n")
_LABEL = re.compile(r"(?:Recommendation|Key Action Statement|Action Statement|Statement)\s*[\dA-Z][\w.\-]*\s*:?", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {
    "e.g", "i.e", "al", "vs", "fig", "figs", "no", "dr", "approx", "cf", "st", "mr", "mrs", "ms", "jr",
    "inc", "ltd", "co", "ca", "resp", "ref", "vol", "pp", "ed", "eds", "min", "max", "sr", "dept", "univ",
}
_AFTER_RATING = re.compile(r"[\s)\].;,]*")
_CUT_MIN_WORDS = 8  # a rating ends a statement only if real statements stand on both sides


@dataclass
class _Unit:
    """A span of a section that is never cut further by packing."""

    start: int
    end: int
    words: int
    kind: str = "text"
    quality: str = ""
    strength: str = ""
    glue: bool = False  # a heading or an introducing line: keep it with what follows


@dataclass
class _Group:
    units: list[_Unit] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)

    @property
    def kind(self) -> str:
        kinds = [u.kind for u in self.units]
        return "recommendation" if "recommendation" in kinds else kinds[0]

    @property
    def ratings(self) -> tuple[str, str]:
        rated = [u for u in self.units if u.kind == "recommendation"]
        return (rated[0].quality, rated[0].strength) if rated else ("", "")


# Bump when chunking changes: `medora index` then re-chunks every document (vectors are
# keyed by text, so unchanged passages are not embedded again).
CHUNK_VERSION = 4

# Guideline fields that state the guideline's scope (who, what, why) rather than any
# recommendation: kind "scope", searchable, but never quoted as a statement and not
# allowed to crowd recommendations out of the top hits.
# Set by readers of formats with free headings (pdf, docx, html_doc): see the module docstring.
ANY_SECTION = "recommendations_in_any_section"

# A heading over the definitions of a rating scheme ("Guide for Rating Strength of Evidence",
# "Levels of Evidence", "Grading of recommendations"): its rows name ratings but rate nothing.
RATING_DEFINITIONS = re.compile(
    r"\b(?:definitions?|(?:grading|rating)(?: of| for| scheme| system)|levels? of evidence"
    r"|(?:quality|strength|certainty) of (?:the )?evidence"
    r"|(?:strength|class(?:es)?|grades?|types?) of recommendations?)\b", re.I)

# "Clinical Algorithm(s)" only says where the original document's flow charts are ("The original
# guideline document contains the following clinical algorithms: ...").
SCOPE_SECTIONS = frozenset({"Disease/Condition(s)", "Target Population", "Interventions and Practices Considered",
                            "Guideline Objective(s)", "Type of Evidence Supporting the Recommendations",
                            "Clinical Algorithm(s)", *map(review_section, REVIEW_SCOPE_HEADINGS)})


def chunk_document(doc: Document, settings: CorpusSettings) -> list[Passage]:
    """Cut ``doc`` into passages (see the module docstring for the rules).

    Args:
        doc: a Document from :func:`medora.corpus.read_corpus`.
        settings: ``min_words`` / ``target_words`` / ``max_words`` bound the passage length.

    Returns:
        The passages in document order; ``position`` counts from 0 and every ``text`` is
        ``section.text[start:end]`` of its section.
    """
    passages: list[Passage] = []
    slug_count: Counter[str] = Counter()
    citations = doc.meta.get("citations") or []
    levels = doc.meta.get("evidence_levels") or []
    default_kind = "qa" if doc.meta.get("sections_are_questions") else "text"
    anywhere = bool(doc.meta.get(ANY_SECTION))
    for index, section in enumerate(doc.sections):
        if anywhere and RATING_DEFINITIONS.search(section.name.rsplit(" › ", 1)[-1]):
            units = [_block_unit(section.text, s, e, "definitions") for s, e in _blocks(section.text)]
        elif anywhere:
            units = _recommendation_units(section.text, labelled=True)
        elif doc.type == "guideline" and section.name == "Major Recommendations":
            units = _recommendation_units(section.text)
        else:
            kind = "scope" if doc.type == "guideline" and section.name in SCOPE_SECTIONS else default_kind
            units = [_block_unit(section.text, s, e, kind) for s, e in _blocks(section.text)]
        groups = _pack(section.text, units, settings)
        spans = [(g.units[0].start, g.units[-1].end) for g in groups]
        cites = _assign(spans, citations[index] if index < len(citations) else [])
        found_levels = _assign(spans, levels[index] if index < len(levels) else [])
        slug = _slug(section.name.rsplit(" › ", 1)[-1])  # the innermost heading reads best
        for n, (group, (start, end)) in enumerate(zip(groups, spans)):
            slug_count[slug] += 1
            quality, strength = group.ratings
            pmids = [doc.references[k].pmid for k in cites[n] if k in doc.references]
            passages.append(
                Passage(
                    id=f"{doc.id}#{slug}-{slug_count[slug]}",
                    doc_id=doc.id,
                    section=section.name,
                    text=section.text[start:end],
                    start=start,
                    end=end,
                    position=len(passages),
                    kind=group.kind,
                    evidence_quality=quality,
                    strength=strength,
                    evidence_level=", ".join(dict.fromkeys(found_levels[n])),
                    cites=tuple(dict.fromkeys(p for p in pmids if p)),
                )
            )
    return passages


# -- units ------------------------------------------------------------------------


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph / list / table blocks (separated by blank lines), trimmed, as offsets."""
    out, pos = [], 0
    for m in [*_BLOCK_SEP.finditer(text), None]:
        end = m.start() if m else len(text)
        s, e = _trim(text, pos, end)
        if e > s:
            out.append((s, e))
        pos = m.end() if m else len(text)
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _is_glue(chunk: str) -> bool:
    """A heading, label or introducing line: it belongs with what follows it."""
    chunk = chunk.strip()
    if chunk.endswith(":") or (chunk.endswith("?") and len(chunk.split()) <= 40):  # a question introduces its answer
        return True
    return "\n" not in chunk and len(chunk.split()) <= 15 and not chunk.endswith((".", ";", "!"))


def _block_unit(text: str, s: int, e: int, kind: str) -> _Unit:
    return _Unit(s, e, len(text[s:e].split()), kind=kind, glue=_is_glue(text[s:e]))


def _recommendation_units(text: str, labelled: bool = False) -> list[_Unit]:
    """Units of a guideline's "Major Recommendations": statements with their ratings.

    ``labelled``: a statement opening with its label ("Recommendation 3.1: Offer ...") is a
    recommendation even without a rating.
    """
    blocks = _blocks(text)
    defs = definitions_start([text[s:e] for s, e in blocks])
    units: list[_Unit] = []
    inherited = ("", "")  # ratings of a rating-only heading ("Class I") above
    for i, (s, e) in enumerate(blocks):
        block = text[s:e]
        if defs is not None and i >= defs:
            units.append(_block_unit(text, s, e, "definitions"))
            continue
        quality, strength, spans = parse_ratings(block)
        if not (quality or strength):
            unit = _block_unit(text, s, e, "text")
            if unit.glue and not _LABEL.fullmatch(block.strip()):
                inherited = ("", "")  # a new heading: the rating above no longer applies
            elif not unit.glue and any(inherited):
                unit.kind, (unit.quality, unit.strength) = "recommendation", inherited
            elif labelled and not unit.glue and _labelled_statement(block):
                unit.kind = "recommendation"
            units.append(unit)
            continue
        if _rating_only(block, spans):
            prev = units[-1] if units else None
            follows_statement = prev and prev.kind == "text" and not prev.glue
            if follows_statement and (block.startswith("(") or _ends_statement(text, prev)):
                # "(Level of Evidence = V)" under its statement
                prev.end, prev.words = e, prev.words + len(block.split())
                prev.kind, prev.quality, prev.strength = "recommendation", quality, strength
            else:  # "Class I" above the statements it rates
                inherited = (quality, strength)
                units.append(_Unit(s, e, len(block.split()), glue=True))
            continue
        for unit in _statement_units(text, s, e):
            if unit.kind == "recommendation" or not unit.glue and any(inherited):
                unit.kind = "recommendation"
                unit.quality = unit.quality or inherited[0]
                unit.strength = unit.strength or inherited[1]
            units.append(unit)
    return units


def _labelled_statement(block: str) -> bool:
    """"Recommendation 3.1: Offer ..." (the label, then a statement of its own)."""
    statement = block.strip().removeprefix("- ")
    m = _LABEL.match(statement)
    return m is not None and len(statement[m.end():].split()) >= _CUT_MIN_WORDS


def _ends_statement(text: str, unit: _Unit) -> bool:
    return text[unit.end - 1] in ".)]"


def _rating_only(block: str, spans: tuple[tuple[int, int], ...]) -> bool:
    """True when the block says nothing but its ratings ("(Level of Evidence = V)", "Class I")."""
    rest, pos = [], 0
    for a, b in spans:
        rest.append(block[pos:a])
        pos = max(pos, b)
    rest.append(block[pos:])
    return len(re.findall(r"[A-Za-z]{3,}", " ".join(rest))) <= 2 and len(block.split()) <= 20


def _statement_units(text: str, s: int, e: int) -> list[_Unit]:
    """Cut a block that carries ratings after each rated statement.

    Lines (list items, table rows) are cut after a rated line unless the next line is a
    sub-item of it; within a line, after a rating that has a statement on both sides.
    """
    lines = _lines(text, s, e)
    groups: list[tuple[int, int]] = []
    start = lines[0][0]
    for k, (ls, le) in enumerate(lines):
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if nxt is None:
            groups.append((start, le))
        elif any(parse_ratings(text[ls:le])[:2]) and _indent(text, nxt[0]) <= _indent(text, ls):
            groups.append((start, le))
            start = nxt[0]
    units = []
    for gs, ge in groups:
        for cs, ce in _cut_after_ratings(text, gs, ge):
            quality, strength, _ = parse_ratings(text[cs:ce])
            kind = "recommendation" if quality or strength else "text"
            units.append(_Unit(cs, ce, len(text[cs:ce].split()), kind, quality, strength, _is_glue(text[cs:ce])))
    return units


def _cut_after_ratings(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cut after each rating that ends a sentence and is followed by another statement."""
    chunk = text[s:e]
    cuts, last, pos = [], 0, 0
    while spans := parse_ratings(chunk[pos:])[2]:
        cut = _AFTER_RATING.match(chunk, pos + spans[-1][1]).end()
        ends_sentence = chunk[:cut].rstrip()[-1:] in (".", ")", "]", ";")
        starts_sentence = re.match(r"\s*[A-Z0-9\-•]", chunk[cut:]) is not None
        if (
            ends_sentence
            and starts_sentence
            and len(chunk[last:cut].split()) >= _CUT_MIN_WORDS
            and len(chunk[cut:].split()) >= _CUT_MIN_WORDS
        ):
            cuts.append(cut)
            last = cut
        if cut <= pos:
            break
        pos = cut
    bounds = [0, *cuts, len(chunk)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        a2, b2 = _trim(text, s + a, s + b)
        if b2 > a2:
            out.append((a2, b2))
    return out


def _lines(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for line in text[s:e].split("\n"):
        a, b = _trim(text, pos, pos + len(line))
        if b > a:
            out.append((pos, pos + len(line.rstrip())))  # keep the indent: it marks sub-items
        pos += len(line) + 1
    return out


def _indent(text: str, pos: int) -> int:
    n = 0
    while pos + n < len(text) and text[pos + n] == " ":
        n += 1
    return n


# -- splitting long units ---------------------------------------------------------


def _sentences(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, start = [], s
    for m in _SENTENCE_END.finditer(text, s, e):
        before = text[start : m.start()].split()
        word = before[-1].lower().rstrip(".") if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "et al.", "e.g.", an initial: not a sentence end
        out.append(_trim(text, start, m.end()))
        start = m.end()
    out.append(_trim(text, start, e))
    return [(a, b) for a, b in out if b > a]


def _words_windows(text: str, s: int, e: int, size: int) -> list[tuple[int, int]]:
    words = list(re.finditer(r"\S+", text[s:e]))
    return [(s + words[i].start(), s + words[min(i + size, len(words)) - 1].end()) for i in range(0, len(words), size)]


def _split(text: str, unit: _Unit, settings: CorpusSettings) -> list[_Unit]:
    """Cut a unit longer than ``max_words`` at lines, then sentences, then words."""
    if unit.words <= settings.max_words:
        return _lead_in_apart(text, unit)
    for spans in (_lines(text, unit.start, unit.end), _sentences(text, unit.start, unit.end)):
        if len(spans) > 1:
            out = []
            for a, b in spans:
                a, b = _trim(text, a, b)
                words, glue = len(text[a:b].split()), text[a:b].endswith(":")
                part = _Unit(a, b, words, unit.kind, unit.quality, unit.strength, glue)
                out.extend(_split(text, part, settings))
            return out
    return [
        _Unit(a, b, len(text[a:b].split()), unit.kind, unit.quality, unit.strength)
        for a, b in _words_windows(text, unit.start, unit.end, settings.target_words)
    ]


def _lead_in_apart(text: str, unit: _Unit) -> list[_Unit]:
    """A paragraph whose last sentence introduces a list ("... Prompt treatment ... If the level is
    below 70 mg/dL, one of these foods should be consumed:"): that sentence apart, so that it can
    move on with its items when they do not fit beside the paragraph."""
    if not unit.glue or unit.kind == "recommendation" or "\n" in text[unit.start:unit.end] \
            or not text[unit.start:unit.end].endswith(":"):
        return [unit]  # (recommendations keep their own packing)
    sentences = _sentences(text, unit.start, unit.end)
    if len(sentences) < 2:
        return [unit]
    (a, _), (b, e) = sentences[0], sentences[-1]
    rest_end = _trim(text, a, b)[1]
    return [_Unit(a, rest_end, len(text[a:rest_end].split()), unit.kind, unit.quality, unit.strength),
            _Unit(b, e, len(text[b:e].split()), unit.kind, unit.quality, unit.strength, glue=True)]


# -- packing ----------------------------------------------------------------------


def _fits(group: _Group, unit: _Unit, settings: CorpusSettings) -> bool:
    words = group.words + unit.words
    kind = group.kind
    if "definitions" in (kind, unit.kind) and kind != unit.kind:
        return False
    if unit.kind == "recommendation":
        if kind == "recommendation":
            return group.ratings == (unit.quality, unit.strength) and words <= settings.target_words
        # a lead-in (clinical question, heading, label) joins the statement it introduces
        return all(u.glue for u in group.units) and words <= settings.max_words
    if kind == "recommendation":
        return False
    return words <= settings.target_words or (group.units[-1].glue and words <= settings.max_words)


def _pack(text: str, units: list[_Unit], settings: CorpusSettings) -> list[_Group]:
    pieces = [piece for unit in units for piece in _split(text, unit, settings)]
    groups: list[_Group] = []
    for unit in pieces:
        if groups and _fits(groups[-1], unit, settings):
            groups[-1].units.append(unit)
        elif groups and len(groups[-1].units) > 1 and groups[-1].units[-1].glue:
            # trailing headings / lead-in lines move on with the text they introduce
            prev, moved = groups[-1], []
            while (
                len(prev.units) > 1
                and prev.units[-1].glue
                and sum(u.words for u in moved) + prev.units[-1].words + unit.words <= settings.max_words
            ):
                moved.insert(0, prev.units.pop())
            groups.append(_Group([*moved, unit]))
        elif groups and (listed := _list_so_far(text, groups[-1], unit, settings)):
            # an item that does not fit takes its lead-in and the items before it along: a list
            # means nothing without the line introducing it
            moved = groups[-1].units[-listed:]
            del groups[-1].units[-listed:]
            groups.append(_Group([*moved, unit]))
        else:
            groups.append(_Group([unit]))
    return _merge_short(groups, settings)


_LIST_ITEM = re.compile(r"\s*(?:\d{1,2}[.)]|[-•*])\s")
# An item this short, or not ended as a sentence, is an option that means nothing without its lead-in
# ("- 3 or 4 glucose tablets"); a longer sentence stands alone wherever the passage is cut.
SHORT_ITEM_WORDS = 12


def _short_item(text: str, unit: _Unit) -> bool:
    item = _LIST_ITEM.match(text, unit.start, unit.end)
    return bool(item) and (len(text[item.end():unit.end].split()) < SHORT_ITEM_WORDS
                           or not text[unit.start:unit.end].endswith((".", "!", "?")))


def _list_so_far(text: str, group: _Group, unit: _Unit, settings: CorpusSettings) -> int:
    """How many units at the end of ``group`` are a lead-in and the short items under it, when ``unit``
    is the list's next short item and all of them fit in one passage; else 0."""
    if not _short_item(text, unit) or "recommendation" in (unit.kind, group.kind):
        return 0  # recommendations keep their own packing (by ratings)
    words = unit.words
    for n, prev in enumerate(reversed(group.units), start=1):
        words += prev.words
        if n == len(group.units) or words > settings.max_words:
            return 0  # the whole passage, or too long: cut the list as before
        if prev.glue:
            return n
        if not _short_item(text, prev):
            return 0
    return 0


def _merge_short(groups: list[_Group], settings: CorpusSettings) -> list[_Group]:
    """Merge a passage under ``min_words`` into a neighbour of the same kind when it fits."""
    out: list[_Group] = []
    for group in groups:
        prev = out[-1] if out else None
        if (
            prev
            and "recommendation" not in (prev.kind, group.kind)
            and prev.kind == group.kind
            and min(prev.words, group.words) < settings.min_words
            and prev.words + group.words <= settings.max_words
        ):
            prev.units.extend(group.units)
        else:
            out.append(group)
    return out


def _assign(spans: list[tuple[int, int]], markers: list) -> list[list[str]]:
    """Give each marker (offset, key) to the passage that contains it (a marker follows its sentence)."""
    found: list[list[str]] = [[] for _ in spans]
    for offset, key in markers:
        for n, (start, end) in enumerate(spans):
            if start < offset <= end or (offset <= start and n == 0):
                found[n].append(key)
                break
        else:
            # between two passages (whitespace): the earlier one ends the cited sentence
            before = [n for n, (_s, end) in enumerate(spans) if end < offset]
            if before:
                found[before[-1]].append(key)
    return found


def _slug(name: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "section"
