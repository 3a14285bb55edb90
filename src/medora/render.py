"""Plain-text and Markdown renderings of the answer JSON (``cite.to_json``)."""

from __future__ import annotations

import textwrap


def _cites(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _evidence(s: dict) -> str:
    e = s.get("evidence") or {}
    parts = [f"{k} {v}" for k, v in e.items()]
    return f" ({'; '.join(parts)})" if parts else ""


def _reference_line(r: dict) -> str:
    bits = [f"{r['label']}.", r["title"].rstrip(".") + "."]
    if r.get("source"):
        bits.append(r["source"] + ("," if r.get("year") else "."))
    if r.get("year"):
        bits.append(f"{r['year']}.")
    if r.get("via"):
        bits.append(f"(via {r['via']})")
    if r.get("pmid"):
        bits.append(f"PMID {r['pmid']}.")
    if r.get("evidence"):
        bits.append("[" + "; ".join(r["evidence"]) + "]")
    if r.get("url"):
        bits.append(r["url"])
    return " ".join(bits)


def to_markdown(answer: dict) -> str:
    lines = [f"# {answer['question']}", ""]
    if answer["abstained"]:
        lines += [f"> {answer['notice']}", "", "## Nearest sources", ""]
        lines += [f"{r['n']}. {_reference_line(r)}" for r in answer["nearest"]]
    else:
        lines += ["## Bottom line", ""]
        lines += [f"- **{s['text']}** {_cites(s['citations'])}{_evidence(s)}" for s in answer["bottom_line"]]
        for section in answer["sections"]:
            lines += ["", f"## {section['title']}", ""]
            lines += [f"- {s['text']} {_cites(s['citations'])}{_evidence(s)}" for s in section["statements"]]
        lines += ["", "## References", ""]
        lines += [f"{r['n']}. {_reference_line(r)}" for r in answer["references"]]
    lines += ["", f"*{answer['disclaimer']}*", "",
              f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(lines) + "\n"


def to_text(answer: dict, width: int = 100) -> str:
    wrap = lambda text, indent: textwrap.fill(text, width, initial_indent=indent, subsequent_indent=" " * len(indent))  # noqa: E731
    out = [answer["question"], "=" * min(len(answer["question"]), width), ""]
    if answer["abstained"]:
        out += [wrap(answer["notice"], ""), "", "Nearest sources:"]
        out += [wrap(_reference_line(r), f"  [{r['n']}] ") for r in answer["nearest"]]
    else:
        out.append("BOTTOM LINE")
        out += [wrap(f"{s['text']} {_cites(s['citations'])}{_evidence(s)}", "  * ") for s in answer["bottom_line"]]
        for section in answer["sections"]:
            out += ["", section["title"].upper()]
            out += [wrap(f"{s['text']} {_cites(s['citations'])}{_evidence(s)}", "  - ") for s in section["statements"]]
        out += ["", "REFERENCES"]
        out += [wrap(_reference_line(r), f"  [{r['n']}] ") for r in answer["references"]]
    out += ["", wrap(answer["disclaimer"], ""), f"Corpus version {answer['corpus_version']} · generated {answer['generated_at']}"]
    return "\n".join(out)
