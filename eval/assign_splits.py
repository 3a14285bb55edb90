"""Give every dev question without one a ``split``: ``tune`` or ``heldout``, about half each,
stratified by set and question type. Existing splits never change, so results stay comparable.

    python eval/assign_splits.py            # rewrites eval/clinical_dev.jsonl in place
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SEED = 13
DEV_SET = Path(__file__).resolve().parent / "clinical_dev.jsonl"


def assign(items: list[dict], seed: int = SEED) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for item in items:
        groups.setdefault((item["set"], item["type"]), []).append(item)
    rng = random.Random(seed)
    heldout = True  # one alternation across all groups: each group and the whole set split evenly (to within one)
    for key in sorted(groups):
        fresh = sorted((m for m in groups[key] if "split" not in m), key=lambda m: m["id"])
        rng.shuffle(fresh)
        for m in fresh:
            m["split"] = "heldout" if heldout else "tune"
            heldout = not heldout
    return items


def main(path: Path = DEV_SET) -> None:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assign(items)
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
    counts: dict[str, int] = {}
    for i in items:
        counts[i["split"]] = counts.get(i["split"], 0) + 1
    print(counts, file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_SET)
