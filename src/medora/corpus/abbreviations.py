"""Abbreviations defined in the corpus text, mined with the Schwartz–Hearst algorithm.

A definition is a long form next to its short form in parentheses or square brackets,
either way round::

    >>> find_abbreviations("patients with human epidermal growth factor receptor 2 (HER2)-positive disease")
    [('HER2', 'human epidermal growth factor receptor 2')]
    >>> find_abbreviations("HER2 (human epidermal growth factor receptor 2) positive")
    [('HER2', 'human epidermal growth factor receptor 2')]

Every letter and digit of the short form must appear, in order, in the long form, and
its first character must start a word of the long form (Schwartz & Hearst, "A simple
algorithm for identifying abbreviation definitions in biomedical text", PSB 2003).
A definition whose short form has no letter-for-letter match ("trastuzumab emtansine
[T-DM1]": there is no "d") is therefore not found; drug codes come from the drug
vocabulary instead (``medora.query``).

Departures from the published algorithm, for precision on guideline text:

- the short form must contain a capital letter (drops list markers "(i)", "(see)");
- the long-form candidate also stops at ``;``, ``:``, quotes, brackets and line breaks,
  not only at ``". "`` and ``", "``; a slash also starts a word ("AACE/American ...");
- a long form holding a quote, or the short form as a whole word (any case), is rejected.

``AbbreviationCounter`` pools the pairs of many passages; an abbreviation is kept only
for long forms seen at least ``min_count`` times, which removes one-off mismatches.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

# A bracketed group preceded by white space, without nested brackets.
_GROUP = re.compile(r"(?<=\s)(?:\(([^()\[\]\n]{2,200})\)|\[([^()\[\]\n]{2,200})\])")
# Where a long-form candidate stops (looking left from the bracket).
_BOUNDARY = re.compile(r"[.,;:!?](?:\s|$)|[()\[\]{}\n\r|•\"“”]")
# How far left of the bracket a long form may reach (the longest allowed is 15 words).
_WINDOW = 250
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"[^\s\-]+")
_LEADING_JUNK = "\"'“‘*-–—/,.;:"
_TRAILING_JUNK = "\"'”’*"
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})


def _valid_short(short: str) -> bool:
    """Short form: 2+ characters, begins with a letter or digit, holds a capital letter."""
    return (
        len(short) >= 2
        and short[0].isalnum()
        and any(c.isupper() for c in short)
        and any(c.isalpha() for c in short)
    )


def _best_long_form(short: str, long: str) -> str | None:
    """The shortest tail of ``long`` that matches ``short`` character by character, right to left."""
    s = len(short) - 1
    i = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        # The first character of the short form must begin a word of the long form.
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    # The long form starts at that word (a slash also separates words: "AACE/American ...").
    start = max(long.rfind(" ", 0, i + 1), long.rfind("/", 0, i + 1)) + 1
    return long[start:].lstrip(_LEADING_JUNK)


def _contains_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` as a whole word, ignoring case (then it is no long form of it)."""
    at = text.lower().find(word.lower())
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        at = text.lower().find(word.lower(), at + 1)
    return False


def _pair(short: str, long: str) -> tuple[str, str] | None:
    short, long = short.strip(), _SPACE.sub(" ", long).strip().rstrip(_TRAILING_JUNK)
    if not _valid_short(short):
        return None
    best = _best_long_form(short, long)
    if best is None:
        return None
    short_chars = sum(c.isalnum() for c in short)
    long_words = len(_WORDS.findall(best))
    if (
        len(best) <= len(short)
        or _contains_word(best, short)
        or any(q in best for q in '"“”')  # "SHTAC (see the "Availability of ..." field)"
        or short_chars > 10
        or long_words > 2 * short_chars
        or long_words > short_chars + 5
    ):
        return None
    return short, best


def find_abbreviations(text: str) -> list[tuple[str, str]]:
    """Abbreviation definitions in ``text``, in order of appearance.

    Args:
        text: plain text (a passage, a question); HTML tags should already be removed.

    Returns:
        ``(short form, long form)`` pairs as written, e.g.
        ``[("HER2", "human epidermal growth factor receptor 2")]``.
    """
    if "(" not in text and "[" not in text:
        return []
    pairs: list[tuple[str, str]] = []
    previous_end = 0
    for match in _GROUP.finditer(text):
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        start = match.start()
        left = text[max(previous_end, start - _WINDOW) : start]
        previous_end = match.end()
        boundaries = list(_BOUNDARY.finditer(left))
        context = left[boundaries[-1].end() :] if boundaries else left
        context = context.strip()
        if not context:
            continue
        for separator in (", ", "; "):
            inner = inner.split(separator, 1)[0]
        inner = inner.strip()
        if len(inner.split()) > 2 or len(inner) > len(context):
            # "SF (long form)": the short form is the word before the bracket.
            words = context.split()
            found = _pair(words[-1], inner) if words else None
        else:
            found = _pair(inner, context)
        # A one-word long form only spells a short abbreviation ("Hb" -> "hemoglobin");
        # "TTNT (treatment ...)" must not make "treatment" a long form of TTNT.
        if found and (len(found[1].split()) > 1 or sum(c.isalpha() for c in found[0]) <= 2):
            pairs.append(found)
    return pairs


class AbbreviationCounter:
    """Counts abbreviation definitions over many texts and keeps the frequent ones.

    Example::

        counter = AbbreviationCounter()
        for passage in passages:
            counter.add(passage.text)
        counter.best(min_count=2)  # {"her2": ["human epidermal growth factor receptor 2"], ...}
    """

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, text: str) -> int:
        """Count the definitions in one text; returns how many were found."""
        pairs = find_abbreviations(text)
        for short, long in pairs:
            self.counts[(short.translate(_DASHES).lower(), long.translate(_DASHES).lower())] += 1
        return len(pairs)

    def best(self, min_count: int = 2, max_long_forms: int = 3, min_share: float = 0.1) -> dict[str, list[str]]:
        """Short form -> its most frequent long forms.

        Spellings that differ only in hyphens, spaces, a possessive or a plural -s count as
        one long form, shown in its most frequent spelling. A long form that merely extends a
        more frequent one ("post-myocardial infarction" beside "myocardial infarction") is dropped.

        Args:
            min_count: a long form must have been seen this many times.
            max_long_forms: keep at most this many long forms per short form.
            min_share: ... and at least this share of the most frequent long form's count.

        Returns:
            Lower-cased short forms (sorted) mapped to lower-cased long forms, most frequent
            first (ties alphabetical).
        """
        variants: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for (short, long), n in self.counts.items():
            variants[(short, _variant_key(long))][long] += n
        by_short: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for (short, _), spellings in variants.items():
            total = sum(spellings.values())
            if total >= min_count:
                spelling = min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]
                by_short[short].append((-total, spelling))
        best: dict[str, list[str]] = {}
        for short, forms in sorted(by_short.items()):
            forms.sort()
            top = -forms[0][0]
            kept: list[str] = []
            for negative_count, long in forms:
                if len(kept) == max_long_forms or -negative_count < min_share * top:
                    break
                if not any(_contains_phrase(long, shorter) for shorter in kept):
                    kept.append(long)
            best[short] = kept
        return best


def _variant_key(long: str) -> str:
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]s\b", "", long))
    return "".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def _contains_phrase(text: str, phrase: str) -> bool:
    words, inner = re.findall(r"[a-z0-9]+", text), re.findall(r"[a-z0-9]+", phrase)
    return any(words[i : i + len(inner)] == inner for i in range(len(words) - len(inner) + 1))


# -- words that are also acronyms ---------------------------------------------------------------

# Words of 2-8 letters, written all in capitals or all in lower case.
_CAPITALS = re.compile(r"\b[A-Z]{2,8}\b")
_LOWER = re.compile(r"\b[a-z]{2,8}\b")
# Capitals seen fewer times are a one-off shout ("Do NOT stop"), not an acronym in use.
MIN_ACRONYM_USES = 5


class AcronymHomographs:
    """Words the corpus writes mostly as ordinary lower-case words, and sometimes in capitals.

    In capitals such a word is an acronym of something else ("ICE" is a chemotherapy regimen,
    "FISH" a laboratory test, "MET" a gene, "CHEST" a journal): a reader who types "ice" or
    "fish oil" means the word. The corpus decides which words these are, by counting::

        homographs = AcronymHomographs()
        for passage in passages:
            homographs.add(passage.text)
        homographs.words()  # ["chest", "fish", "ice", "met", ...]
    """

    def __init__(self) -> None:
        self.capitals: Counter[str] = Counter()
        self.lower: Counter[str] = Counter()

    def add(self, text: str) -> None:
        self.capitals.update(_CAPITALS.findall(text))
        self.lower.update(_LOWER.findall(text))

    def words(self, min_capitals: int = MIN_ACRONYM_USES) -> list[str]:
        """Lower-case words written in capitals at least ``min_capitals`` times and in lower case at
        least as often (the word's own sense is the common one), sorted."""
        return sorted(word.lower() for word, n in self.capitals.items()
                      if n >= min_capitals and self.lower[word.lower()] >= n)
