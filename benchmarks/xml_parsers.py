"""Issue #16: lxml vs the standard library's ElementTree for the PubMed, PMC/JATS and SPL readers.

Both candidates feed the *same* per-record functions (``pubmed_xml.article_document``,
``pmc_xml.article_document``, ``spl_xml.label_document``); only the parsing differs:

- ``lxml``: :mod:`medora.corpus.safe_xml` (``resolve_entities=False, no_network=True, load_dtd=False``);
- ``stdlib``: ``xml.etree.ElementTree`` (expat; no DTD loading, no external entities, expat's
  entity-amplification limit against entity bombs).

Measured per format: records per second, MB per second, peak memory (max RSS of a fresh process per
candidate and format), and correctness: the Documents each candidate produces must be equal, and two
hostile files (an entity bomb, an external entity naming a local file) must not be expanded.

Usage::

    python benchmarks/xml_parsers.py --pubmed DIR --pmc DIR --spl DIR [--repeat 20] [--rounds 3]

The files are not in the repository (see benchmarks/RESULTS.md for where the measured ones came from).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path

from medora.corpus import pmc_xml, pubmed_xml, spl_xml
from medora.corpus.safe_xml import iter_elements, local, parse_file
from medora.errors import ParseError

RECORD = {"pubmed": "PubmedArticle", "pmc": "article"}


def _stdlib_iter(path: Path, name: str):
    context = ET.iterparse(str(path), events=("start", "end"))
    _, root = next(context)
    for event, element in context:
        if event == "end" and local(element.tag) == name:
            yield element
            root.clear()  # what the lxml candidate's clear() does: keep memory flat


def _records(candidate: str, fmt: str, path: Path):
    if fmt == "spl":
        yield parse_file(path) if candidate == "lxml" else ET.parse(str(path)).getroot()
    elif candidate == "lxml":
        yield from iter_elements(path, RECORD[fmt])
    else:
        yield from _stdlib_iter(path, RECORD[fmt])


def _document(fmt: str, element, path: Path):
    if fmt == "pubmed":
        return pubmed_xml.article_document(element)
    if fmt == "pmc":
        return pmc_xml.article_document(element, path)
    return spl_xml.label_document(element)


def run(candidate: str, fmt: str, files: list[Path], repeat: int) -> dict:
    """Read ``files`` ``repeat`` times; counts, timing, peak RSS and a digest of the Documents."""
    digest, records, skipped, errors = hashlib.sha256(), 0, 0, []
    started = time.perf_counter()
    for n in range(repeat):
        for path in files:
            try:
                for element in _records(candidate, fmt, path):
                    try:
                        doc = _document(fmt, element, path)
                    except ValueError:
                        skipped += n == 0
                        continue
                    records += n == 0
                    if n == 0:
                        digest.update(json.dumps(asdict(doc), sort_keys=True, default=str).encode())
            except (ParseError, ET.ParseError) as e:
                if n == 0:
                    errors.append(f"{path.name}: {e}")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(repeat):  # the parser alone: records walked, no Document built
        for path in files:
            try:
                for _element in _records(candidate, fmt, path):
                    pass
            except (ParseError, ET.ParseError):
                pass
    parse_seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in files) * repeat
    return {"candidate": candidate, "format": fmt, "files": len(files), "records": records, "skipped": skipped,
            "errors": errors, "seconds": round(seconds, 3), "parse_only_seconds": round(parse_seconds, 3),
            "records_per_s": round(records * repeat / seconds),
            "mb_per_s": round(size / seconds / 1e6, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "digest": digest.hexdigest()[:16]}


HOSTILE = {
    "entity bomb": '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
                   + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
                   + ']>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>'
                     '<ArticleTitle>&i;</ArticleTitle><Abstract><AbstractText>x</AbstractText></Abstract>'
                     '</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>',
    "external entity": '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
                       '\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>'
                       '<ArticleTitle>t &x;</ArticleTitle><Abstract><AbstractText>x</AbstractText></Abstract>'
                       '</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>',
}


def hostile(candidate: str) -> dict[str, str]:
    """What each candidate makes of the hostile files: an error, or the title length it read."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in HOSTILE.items():
            path = Path(tmp) / "hostile.xml"
            path.write_text(text)
            try:
                titles = [pubmed_xml.article_document(e).title for e in _records(candidate, "pubmed", path)]
                out[name] = f"read, title {len(titles[0])} characters: {titles[0][:30]!r}"
            except (ParseError, ET.ParseError, ValueError) as e:
                out[name] = f"refused: {str(e)[:90]}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pubmed", type=Path)
    parser.add_argument("--pmc", type=Path)
    parser.add_argument("--spl", type=Path)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the small PMC/SPL files")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per candidate; the best is kept")
    parser.add_argument("--one", nargs=2, metavar=("CANDIDATE", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folders = {"pubmed": args.pubmed, "pmc": args.pmc, "spl": args.spl}
    if args.one:  # a fresh process per measurement: peak RSS is that run's own
        candidate, fmt = args.one
        files = sorted(p for p in folders[fmt].iterdir() if p.is_file())
        print(json.dumps(run(candidate, fmt, files, 1 if fmt == "pubmed" else args.repeat)))
        return
    for fmt, folder in folders.items():
        if folder is None:
            continue
        runs: dict[str, list[dict]] = {"lxml": [], "stdlib": []}
        for _ in range(args.rounds):  # alternate the candidates: a shared machine's load hits both alike
            for candidate in runs:
                out = subprocess.run([sys.executable, __file__, "--one", candidate, fmt, f"--{fmt}", str(folder),
                                      "--repeat", str(args.repeat)], capture_output=True, text=True, check=True)
                runs[candidate].append(json.loads(out.stdout))
        results = []
        for candidate, rounds in runs.items():  # the best round of each: the least disturbed one
            best = dict(min(rounds, key=lambda r: r["seconds"]))
            best["parse_only_seconds"] = min(r["parse_only_seconds"] for r in rounds)
            best["rounds"] = [r["seconds"] for r in rounds]
            results.append(best)
        for r in results:
            print(json.dumps(r))
        print(f"  {fmt}: same documents from both: {results[0]['digest'] == results[1]['digest']}")
    for candidate in ("lxml", "stdlib"):
        print(candidate, json.dumps(hostile(candidate)))


if __name__ == "__main__":
    main()
