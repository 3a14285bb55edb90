"""Plain-text and Markdown renderings of the answer JSON (``cite.to_json``)."""

from __future__ import annotations

import textwrap


STATUS_LABELS = {"answered": "Answered", "partial": "Partly answered", "not_found": "Not found in the corpus"}


def _flat(text: str) -> str:
    """``text`` on one line, each run of whitespace one space."""
    return " ".join(text.split())


def _lines(text: str) -> list[str]:
    """A statement's lines: its first, then its listed items with their own indent ("1. Chemoradiation.",
    "  1. Dose escalation." under it), blank lines dropped. A lead-in quoted with its options is
    unreadable run into one line: "include: 1. Sequential ... 1. Radiation ... 2. Systemic ... 2. ..." """
    first, *rest = [line.rstrip() for line in text.strip().split("\n") if line.strip()] or [""]
    return [_flat(first), *(line[: len(line) - len(line.lstrip())] + _flat(line) for line in rest)]


def _markdown_item(s: dict, bold: bool = False) -> list[str]:
    """A statement as a Markdown list item: its items nested under it, its citations after its end."""
    first, *rest = _lines(s["text"])
    # An item's own items nest under its text, three columns in ("1. " is three wide).
    rest = [" " * (3 * ((len(line) - len(line.lstrip())) // 2)) + line.lstrip() for line in rest]
    mark = "**" if bold else ""
    after = f"{_cited(s)}{_evidence(s)}"
    if not rest:
        return [f"- {_newer(s)}{mark}{first}{mark} {after}"]
    return [f"- {_newer(s)}{mark}{first}{mark}", *(f"  {line}" for line in rest[:-1]), f"  {rest[-1]} {after}"]


def _cites(numbers: list[int], locator: str = "") -> str:
    """ "[1][2]"; with a page locator for the first (the statement's own document): "[1, p. 12][2]"."""
    return "".join(f"[{n}, {locator}]" if i == 0 and locator else f"[{n}]" for i, n in enumerate(numbers))


UNDATED = "undated"  # a source that gives no year


def _cited(s: dict) -> str:
    return _cites(s["citations"], s.get("locator", ""))


def _evidence(s: dict) -> str:
    """The statement's source type and year ("undated" when its source gives none: a reader should not
    take it for current), then the ratings the source gives it."""
    source = " ".join(str(x) for x in (s.get("label"), s.get("year")) if x)
    if s.get("label") and not s.get("year"):
        source += f", {UNDATED}"
    parts = [source] if source else []
    parts += [f"{k} {v}" for k, v in (s.get("evidence") or {}).items()]
    return f" ({'; '.join(parts)})" if parts else ""


def _newer(s: dict) -> str:
    """What goes before the statement: the "newer evidence" mark for a newer source shown
    above older guideline statements, the heading naming its treatment ("[Selpercatinib]"), and a
    guideline option's lead-in ("... either:")."""
    mark = f"Newer evidence ({s['year']}; the guideline statements below are from {s['newer_than']}): " \
        if s.get("newer_than") else ""
    lead = f"{s['lead_in']['text']} … " if s.get("lead_in") else ""
    heading = f"[{s['heading']}] " if s.get("heading") else ""
    return mark + heading + lead


def _reference_line(r: dict) -> str:
    bits = [f"{r['label']}.", r["title"].rstrip(".") + "."]
    if r.get("source"):
        bits.append(r["source"] + ("," if r.get("year") else "."))
    if r.get("year"):
        bits.append(f"{r['year']}.")
    else:
        bits.append(f"{UNDATED.capitalize()}.")
    if r.get("locator"):
        bits.append(f"{r['locator']}.")
    if r.get("via"):
        bits.append(f"(via {r['via']})")
    if r.get("pmid"):
        bits.append(f"PMID {r['pmid']}.")
    if r.get("evidence"):
        bits.append("[" + "; ".join(r["evidence"]) + "]")
    if r.get("url"):
        bits.append(r["url"])
    return " ".join(bits)


def _original(s: dict) -> str:
    o = s.get("original_statement")
    return f"In the clinical source: {o['text']} {_cites(o['citations'])}" if o else ""


def _lead(answer: dict) -> list[str]:
    """Notices shown above an answer: emergency, how the question was searched, the patient framing."""
    out = []
    if answer.get("emergency_notice"):
        out.append(answer["emergency_notice"])
    if answer.get("resolved_question") and answer["resolved_question"] != answer["question"]:
        out.append(f"Searched as: {answer['resolved_question']}")
    if answer.get("framing"):
        out.append(f"What this means for you: {answer['framing']}")
    status = answer.get("status")
    if status and status != "answered":
        out.append(STATUS_LABELS[status] + (": " + " ".join(answer.get("missing") or []) if answer.get("missing") else ""))
    if answer.get("currency"):
        out.append(answer["currency"])
    return out


def _tail(answer: dict) -> list[str]:
    """Glossary, follow-ups, reading grade and thread id, as plain lines."""
    out = [f"{g['term']}: {g['lay']} (synonym from {g['source']})" for g in answer.get("glossary") or []]
    out += [f"Follow-up: {q}" for q in answer.get("follow_ups") or []]
    if answer.get("reading_grade") is not None:
        out.append(f"Reading grade (Flesch-Kincaid): {answer['reading_grade']}")
    if answer.get("thread_id"):
        out.append(f"Thread: {answer['thread_id']} (ask a follow-up with --thread {answer['thread_id']})")
    return out


def to_markdown(answer: dict) -> str:
    lines = [f"# {answer['question']}", ""]
    lines += [line for lead in _lead(answer) for line in (f"> {lead}", "")]
    if answer["abstained"]:
        lines += [f"> {answer['notice']}", "", "## Nearest sources", ""]
        lines += [f"{r['n']}. {_reference_line(r)}" for r in answer["nearest"]]
    else:
        lines += ["## Bottom line", ""]
        for s in answer["bottom_line"]:
            lines += _markdown_item(s, bold=True)
            lines += [f"  - {_original(s)}"] if _original(s) else []
        for section in answer["sections"]:
            lines += ["", f"## {section['title']}", ""]
            for s in section["statements"]:
                lines += _markdown_item(s)
                lines += [f"  - {_original(s)}"] if _original(s) else []
        lines += ["", "## References", ""]
        lines += [f"{r['n']}. {_reference_line(r)}" for r in answer["references"]]
    lines += ["", *(f"- {line}" for line in _tail(answer))] if _tail(answer) else []
    lines += ["", f"*{answer['disclaimer']}*", "",
              f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(lines) + "\n"


def _text_item(s: dict, bullet: str, wrap) -> list[str]:
    """A statement as wrapped terminal lines: its items on lines of their own, indented under it as
    quoted, its citations after its end."""
    first, *rest = _lines(f"{_newer(s)}{s['text']}")
    after = f"{_cited(s)}{_evidence(s)}"
    if not rest:
        return [wrap(f"{first} {after}", bullet)]
    items = [*rest[:-1], f"{rest[-1]} {after}"]
    return [wrap(first, bullet),
            *(wrap(line.lstrip(), " " * (len(bullet) + 2 + len(line) - len(line.lstrip()))) for line in items)]


def to_text(answer: dict, width: int = 100) -> str:
    wrap = lambda text, indent: textwrap.fill(text, width, initial_indent=indent, subsequent_indent=" " * len(indent))  # noqa: E731
    out = [answer["question"], "=" * min(len(answer["question"]), width), ""]
    out += [line for lead in _lead(answer) for line in (wrap(lead, ""), "")]
    if answer["abstained"]:
        out += [wrap(answer["notice"], ""), "", "Nearest sources:"]
        out += [wrap(_reference_line(r), f"  [{r['n']}] ") for r in answer["nearest"]]
    else:
        out.append("BOTTOM LINE")
        for s in answer["bottom_line"]:
            out += _text_item(s, "  * ", wrap)
            out += [wrap(_original(s), "      ")] if _original(s) else []
        for section in answer["sections"]:
            out += ["", section["title"].upper()]
            for s in section["statements"]:
                out += _text_item(s, "  - ", wrap)
                out += [wrap(_original(s), "      ")] if _original(s) else []
        out += ["", "REFERENCES"]
        out += [wrap(_reference_line(r), f"  [{r['n']}] ") for r in answer["references"]]
    out += ["", *(wrap(line, "") for line in _tail(answer))] if _tail(answer) else []
    out += ["", wrap(answer["disclaimer"], ""), f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(out)
