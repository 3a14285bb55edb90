"""Plain-text and Markdown renderings of the answer JSON (``cite.to_json``)."""

from __future__ import annotations

import textwrap


STATUS_LABELS = {"answered": "Answered", "partial": "Partly answered", "not_found": "Not found in the corpus"}


def _flat(text: str) -> str:
    """A statement on one line: a listed statement ("... include: 1. Surgery. 2. ...") keeps
    its line breaks in the JSON, where it is verbatim, but not inside a Markdown list item."""
    return " ".join(text.split())


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
            lines.append(f"- {_newer(s)}**{_flat(s['text'])}** {_cited(s)}{_evidence(s)}")
            lines += [f"  - {_original(s)}"] if _original(s) else []
        for section in answer["sections"]:
            lines += ["", f"## {section['title']}", ""]
            for s in section["statements"]:
                lines.append(f"- {_newer(s)}{_flat(s['text'])} {_cited(s)}{_evidence(s)}")
                lines += [f"  - {_original(s)}"] if _original(s) else []
        lines += ["", "## References", ""]
        lines += [f"{r['n']}. {_reference_line(r)}" for r in answer["references"]]
    lines += ["", *(f"- {line}" for line in _tail(answer))] if _tail(answer) else []
    lines += ["", f"*{answer['disclaimer']}*", "",
              f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(lines) + "\n"


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
            out.append(wrap(f"{_newer(s)}{s['text']} {_cited(s)}{_evidence(s)}", "  * "))
            out += [wrap(_original(s), "      ")] if _original(s) else []
        for section in answer["sections"]:
            out += ["", section["title"].upper()]
            for s in section["statements"]:
                out.append(wrap(f"{_newer(s)}{s['text']} {_cited(s)}{_evidence(s)}", "  - "))
                out += [wrap(_original(s), "      ")] if _original(s) else []
        out += ["", "REFERENCES"]
        out += [wrap(_reference_line(r), f"  [{r['n']}] ") for r in answer["references"]]
    out += ["", *(wrap(line, "") for line in _tail(answer))] if _tail(answer) else []
    out += ["", wrap(answer["disclaimer"], ""), f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(out)
