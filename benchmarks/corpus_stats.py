"""Read and chunk the whole corpus; print documents, passages and timing per source.

Usage: python benchmarks/corpus_stats.py [PATH ...]   (default: ../shared/corpus and
../shared/eval/pubmedqa beside the checkout)

Also checks the passage invariants (text == section.text[start:end], unique ids) and
verifies the PDQ reference alignment (pdq_references.jsonl, aligned by
``align_references``) against the numbered reference lists in the summaries' Markdown.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from medora.corpus import chunk_document, read_corpus
from medora.corpus.pdq_markdown import align_references, citation_contexts, load_reference_rows, parse_markdown
from medora.settings import CorpusSettings, default_corpus_paths
from medora.types import IngestProblem


def source_of(doc_id: str) -> str:
    return doc_id.split("-", 1)[0]


def percentile(values: list[int], q: float) -> int:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0


def verify_pdq_alignment(folder: Path) -> tuple[int, int, int]:
    """(summaries checked, citation keys checked, keys where the alignment gives the listed PMID)."""
    rows = load_reference_rows(folder, [])
    checked = keys = agree = 0
    with (folder / "pdq_summaries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            sections, cites, _levels, truth, cited = parse_markdown(row["text"])
            if not truth or not rows.get(row["url"]):
                continue
            aligned = align_references(cited, citation_contexts(sections, cites), rows[row["url"]])
            checked += 1
            for key in cited:
                if key in truth:
                    keys += 1
                    agree += key in aligned and aligned[key].pmid == truth[key].pmid
    return checked, keys, agree


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or default_corpus_paths()
    settings = CorpusSettings()
    problems: list[IngestProblem] = []
    docs: Counter[str] = Counter()
    words: dict[str, list[int]] = defaultdict(list)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    read_time: Counter[str] = Counter()
    chunk_time: Counter[str] = Counter()
    rated_docs: set[str] = set()
    rated = Counter()
    ids: set[str] = set()
    bad = 0
    start = last = time.perf_counter()
    for doc in read_corpus(paths, problems):
        now = time.perf_counter()
        source = source_of(doc.id)
        read_time[source] += now - last
        passages = chunk_document(doc, settings)
        last = time.perf_counter()
        chunk_time[source] += last - now
        docs[source] += 1
        sections = defaultdict(list)  # a name can repeat (PDQ headings, MedQuAD questions)
        for s in doc.sections:
            sections[s.name].append(s.text)
        for p in passages:
            words[source].append(len(p.text.split()))
            kinds[source][p.kind] += 1
            bad += all(text[p.start : p.end] != p.text for text in sections[p.section]) or p.id in ids
            ids.add(p.id)
            if p.kind == "recommendation":
                rated_docs.add(doc.id)
                rated["quality"] += bool(p.evidence_quality)
                rated["strength"] += bool(p.strength)
            rated["cites"] += bool(p.cites)
            rated["levels"] += bool(p.evidence_level)
    total = time.perf_counter() - start

    print(f"{'source':8} {'docs':>6} {'passages':>9} {'words/passage: min p10 median p90 max':>38} "
          f"{'<40':>6} {'>250':>5} {'read s':>7} {'chunk s':>7}  kinds")
    for source in sorted(docs):
        w = words[source]
        print(
            f"{source:8} {docs[source]:6} {len(w):9} {min(w):12} {percentile(w, .1):4} {int(statistics.median(w)):6}"
            f" {percentile(w, .9):4} {max(w):4} {sum(x < settings.min_words for x in w) / len(w):6.1%}"
            f" {sum(x > settings.max_words for x in w):5} {read_time[source]:7.1f} {chunk_time[source]:7.1f}"
            f"  {dict(kinds[source])}"
        )
    n = sum(len(w) for w in words.values())
    print(f"total: {sum(docs.values())} documents, {n} passages in {total:.1f} s; invariant failures: {bad}")
    print(f"guidelines with recommendation passages: {len(rated_docs)}; recommendation passages with "
          f"evidence quality {rated['quality']}, with strength {rated['strength']}")
    print(f"passages citing PMIDs: {rated['cites']}; with a level of evidence: {rated['levels']}")
    print(f"problems: {len(problems)}")
    for p in problems[:20]:
        print(f"  {p.path}:{p.line}: {p.reason}")
    for path in paths:
        for folder in [path, *path.rglob("*")] if path.is_dir() else []:
            if (folder / "pdq_summaries.jsonl").exists():
                t = time.perf_counter()
                checked, keys, agree = verify_pdq_alignment(folder)
                print(
                    f"PDQ reference alignment vs in-text reference lists: {checked} summaries, {agree}/{keys} "
                    f"cited keys agree ({agree / max(keys, 1):.1%}) in {time.perf_counter() - t:.1f} s"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
