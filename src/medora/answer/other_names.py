"""Other names the evidence gives what a question asks about.

The vocabulary knows a drug's brand names and a disease's synonyms, not the words sources use for
the group a drug belongs to or for a kind of a disease. A statement saying "ACP recommends against
initiating long-term urate-lowering therapy ... after a first gout attack" answers "do I need to
start allopurinol?", and "after disease stabilization ... to reduce subsequent flares" in an atopic
dermatitis guideline answers a question about eczema. The retrieved passages say how these names
relate, in their own words:

- a class and its members: "xanthine oxidase inhibitors (allopurinol and febuxostat)", "... such as
  ...", a lead-in "Serum urate-lowering therapy:" over items beginning "Febuxostat: ..." and
  "Allopurinol: ...";
- a kind of a condition named after it ("atopic eczema") that the vocabulary files, beside the
  condition, under another name (atopic dermatitis).

Each such name becomes a synonym of the asked drug or condition for this answer, so a statement
naming it names what was asked. Only what the question's own evidence says is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ..index.vocabulary import easy_words
from ..query import STOP_WORDS, Entity, QueryAnalysis
from ..types import Hit
from .applicability import is_under

# Words that say only "a treatment": a class written "<what it does> drugs" is named by what it does
# ("urate-lowering therapy" and "urate-lowering drugs" are one class).
TREATMENT_HEADS = frozenset({"drug", "drugs", "therapy", "therapies", "treatment", "treatments", "agent", "agents",
                             "medication", "medications", "medicine", "medicines"})
# Words that end the name of a class by what its members act on ("xanthine oxidase inhibitors").
ACTION_HEADS = frozenset({"inhibitor", "inhibitors", "blocker", "blockers", "antagonist", "antagonists",
                          "agonist", "agonists"})
_TOKEN = r"[A-Za-z][\w/–-]*"
_CLASS = re.compile(rf"((?:{_TOKEN}\s+){{0,3}}{_TOKEN})\s*(?:\([A-Za-z0-9/-]{{2,12}}\))?$")
# What introduces a class's members: "such as", "including", "like", "e.g.", an opening bracket.
_MEMBERS_FOLLOW = re.compile(r"(?:,?\s+(?:such as|including|like|e\.g\.,?)\s+|\s*\((?:e\.g\.,?\s*|such as\s+|including\s+)?)$",
                             re.I)
# Members listed before the asked one: "(allopurinol, febuxostat and ...", "such as febuxostat or ".
_EARLIER_MEMBER = re.compile(r"(?:,|,?\s+and|,?\s+or)\s+$|^$")
_MEMBER = re.compile(rf"{_TOKEN}(?:\s+{_TOKEN}){{0,2}}$")
MAX_EARLIER_MEMBERS = 6
CLASS_REACH = 200  # letters before the asked drug in which its class and the members before it are read
# How the words just before a list's member end ("(", "such as", "febuxostat and", a bullet), read in
# the last LIST_MARK_REACH letters before it.
_IN_A_LIST = ("(", ",", " and", " or", " as", "including", " like", "e.g.", "e.g.,", "-", "*", "•")
LIST_MARK_REACH = 12
# Letters searched, at the end of what comes before, for: what introduces the members; a class's name;
# a joiner before a member; an earlier member (an end-anchored pattern is tried at every position).
_FOLLOW_REACH, _CLASS_NAME_REACH, _JOINER_REACH, _MEMBER_REACH = 24, 100, 8, 60
_MAY_LIST = re.compile(r"\(|:|\bsuch as\b|\bincluding\b|\blike\b|\be\.g\.", re.I)
# A lead-in over a list whose items begin with the members: "Serum urate-lowering therapy:\n  - Febuxostat: ..."
_LEAD_IN = re.compile(rf"((?:{_TOKEN}\s+){{0,3}}{_TOKEN}):[ \t]*\n(?:[ \t]*[-*•][^\n]*\n){{0,{MAX_EARLIER_MEMBERS}}}[ \t]*[-*•][ \t]*$")
_WORD = re.compile(r"[a-z0-9]+")
# A kind of a condition named by a word or two before the condition's name ("atopic eczema").
MAX_KIND_WORDS = 2
KIND_REACH = 40  # letters before the condition's name in which its kind's words are read
_KIND_WORDS = re.compile(rf"\b((?:[A-Za-z][\w-]*\s+){{1,{MAX_KIND_WORDS}}})$")
MAX_NAME_WORDS = 4  # longer vocabulary names are descriptions, not names written in text


def named_in_evidence(query: QueryAnalysis, hits: Sequence[Hit], vocabulary) -> QueryAnalysis:
    """``query`` with the class names and kind names its evidence gives its drugs and conditions
    added to their synonyms (see the module docstring)."""
    if not query.interventions and not query.conditions:
        return query
    texts = [(h.passage.text, h.passage.text.lower()) for h in hits]
    condition_words = {w for e in query.conditions for n in (e.matched, e.name, *e.synonyms) for w in _WORD.findall(n.lower())}
    interventions = tuple(_with(e, _classes(e, texts, condition_words)) for e in query.interventions)
    conditions = tuple(_with(e, _kinds(e, texts, vocabulary)) for e in query.conditions)
    if interventions == query.interventions and conditions == query.conditions:
        return query
    return replace(query, interventions=interventions, conditions=conditions)


def _with(entity: Entity, names: list[str]) -> Entity:
    new = [n for n in dict.fromkeys(names) if n not in entity.synonyms]
    return replace(entity, synonyms=(*entity.synonyms, *new)) if new else entity


def _own_names(entity: Entity) -> list[str]:
    return list(dict.fromkeys(n.lower() for n in (entity.matched, entity.name) if _WORD.search(n.lower())))


def _named_at(name: str, texts: list[tuple[str, str]]) -> Iterator[tuple[str, int]]:
    """Each (text, offset) where ``name`` (lower-case) is written as a word or words."""
    for text, lowered in texts:
        at = lowered.find(name)
        while at >= 0:
            end = at + len(name)
            if (at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] == "-")) \
                    and (end == len(lowered) or not (lowered[end].isalnum() or lowered[end] == "-")):
                yield text, at
            at = lowered.find(name, end)


def _classes(entity: Entity, texts: list[tuple[str, str]], condition_words: set[str]) -> list[str]:
    """The names the evidence gives a class ``entity`` (a drug) is listed in."""
    found: list[str] = []
    for name in _own_names(entity):
        for text, at in _named_at(name, texts):
            if not text[max(0, at - LIST_MARK_REACH) : at].rstrip().lower().endswith(_IN_A_LIST):
                continue  # "with allopurinol", "of allopurinol": not a member of a list
            before = text[max(0, at - CLASS_REACH) : at]
            if _MAY_LIST.search(before):
                for phrase in _class_phrases(before):
                    found += _class_names(phrase, entity, condition_words)
    return found


def _tail(pattern: re.Pattern[str], text: str, reach: int) -> tuple[int, re.Match[str]] | None:
    """``pattern`` (anchored at the end) in the last ``reach`` letters of ``text``, and where it starts."""
    start = max(0, len(text) - reach)
    found = pattern.search(text, start)
    return (found.start(), found) if found else None


def _class_phrases(before: str) -> list[str]:
    """The words before a member list that ends where the asked drug is named."""
    phrases = []
    if ":" in before:
        lead_in = _LEAD_IN.search(before)
        if lead_in:
            phrases.append(lead_in.group(1))
    rest = before
    for _ in range(MAX_EARLIER_MEMBERS + 1):
        follows = _tail(_MEMBERS_FOLLOW, rest, _FOLLOW_REACH)
        if follows:
            named = _tail(_CLASS, rest[: follows[0]], _CLASS_NAME_REACH)
            if named:
                phrases.append(named[1].group(1))
            break
        joined = _tail(_EARLIER_MEMBER, rest, _JOINER_REACH)
        if not joined or not joined[1].group():
            break
        member = _tail(_MEMBER, rest[: joined[0]], _MEMBER_REACH)
        if not member:
            break
        rest = rest[: member[0]]
    return phrases


def _class_names(phrase: str, entity: Entity, condition_words: set[str]) -> list[str]:
    """The class's name in ``phrase``, the words after any stop word: a name ending in what the class
    acts on ("xanthine oxidase inhibitors"), or what it does in one word before a treatment head
    ("urate-lowering" of "serum urate-lowering therapy"). Nothing when it names no class ("oral
    medication"), is the asked drug's own name, or has words of the asked condition ("gout drugs")."""
    words = phrase.lower().split()
    words = words[max((i + 1 for i, w in enumerate(words) if any(p in STOP_WORDS for p in _WORD.findall(w))), default=0):]
    own = {n.lower() for n in (entity.name, *entity.synonyms)}
    if not words or " ".join(words) in own:
        return []
    treatment = words[-1] in TREATMENT_HEADS
    if treatment:
        words = words[:-1]
    if len(words) > 1 and words[-1] in ACTION_HEADS:
        name = " ".join(words[-MAX_NAME_WORDS:])  # every word: "selective serotonin reuptake inhibitors" are no SNRIs
    elif words and treatment and re.search(r"\w[–-]\w", words[-1]):
        name = words[-1]  # "urate-lowering", "anti-inflammatory": what the class does, in one word
    else:
        return []
    parts = _WORD.findall(name)
    easy = easy_words()
    if not parts or all(p in easy or p in STOP_WORDS for p in parts) or set(parts) & condition_words:
        return []
    return [name.replace("–", "-")]


def _plain_names(entry) -> list[str]:
    """An entry's names that are written as names in text: no inverted forms ("inhibitors, hmg-coa"),
    chemical or foreign ones."""
    return [n for n in (entry.get("name", "").lower(), *entry.get("synonyms", ()))
            if n and "," not in n and n.isascii() and len(n.split()) <= MAX_NAME_WORDS]


def _kinds(entity: Entity, texts: list[tuple[str, str]], vocabulary) -> list[str]:
    """Other names of the kinds of condition ``entity`` the evidence names after it ("atopic eczema"),
    when the vocabulary files the kind beside it (under the same parent, not below it: a kind filed
    below it is named with its words already, "low back pain" under back pain)."""
    own_trees = tuple((vocabulary.entry("disease", entity.name.lower()) or {}).get("mesh_tree") or ())
    parents = {t.rsplit(".", 1)[0] for t in own_trees if "." in t}
    if not parents:
        return []
    found: list[str] = []
    for name in _own_names(entity):
        seen: set[str] = set()
        for text, at in _named_at(name, texts):
            before = _KIND_WORDS.search(text, max(0, at - KIND_REACH), at)
            words = before.group(1).lower().split() if before else []
            for i in range(len(words)):
                kind = " ".join([*words[i:], name])
                if kind in seen or words[i] in STOP_WORDS:
                    continue
                seen.add(kind)
                for canonical in vocabulary.canonicals("disease", kind):
                    trees = vocabulary.entry("disease", canonical).get("mesh_tree") or ()
                    beside = any(is_under(t, p) for t in trees for p in parents)
                    below = any(is_under(t, own) for t in trees for own in own_trees)
                    if canonical != entity.name.lower() and beside and not below:
                        found += [n for n in _plain_names(vocabulary.entry("disease", canonical)) if name not in n]
    return found
