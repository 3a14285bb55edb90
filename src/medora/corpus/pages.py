"""Page numbers of a paged document's passages, so a citation can say "p. 12".

A reader of a paged format (PDF) stores in ``Document.meta["pages"]`` where each page begins
inside each section: ``[[section name, offset into Section.text, page label], ...]`` in reading
order; a section's first entry has offset 0. The page label is the one printed on the page
when the file defines labels (``"iv"``, ``"12"``), else the page's number counting from 1.

    >>> meta = {"pages": [["Methods", 0, "3"], ["Methods", 1200, "4"]]}
    >>> pages_of(meta, "Methods", 1100, 1300)
    ('3', '4')
    >>> page_text(('3', '4'))
    'pp. 3–4'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PAGES = "pages"


def pages_of(meta: Mapping, section: str, start: int, end: int | None = None) -> tuple[str, ...]:
    """The pages ``section.text[start:end]`` lies on, in order; () for a document without a page map."""
    entries = [(offset, label) for name, offset, label in meta.get(PAGES) or () if name == section]
    if not entries:
        return ()
    stop = start + 1 if end is None or end <= start else end
    first = max((i for i, (offset, _) in enumerate(entries) if offset <= start), default=0)
    found = [entries[first][1], *(label for offset, label in entries[first + 1 :] if offset < stop)]
    return tuple(dict.fromkeys(str(label) for label in found))


def page_text(pages: Iterable[str]) -> str:
    """ "p. 12", "pp. 12–13" (a run), "pp. 3, 12" (apart); "" for no pages."""
    pages = list(dict.fromkeys(pages))
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    if all(p.isdigit() for p in pages):
        numbers = sorted(int(p) for p in pages)
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"pp. {numbers[0]}–{numbers[-1]}"
        pages = [str(n) for n in numbers]
    return "pp. " + ", ".join(pages)
