"""Which rule patterns can match a text at all, found without running them.

Triage has about a thousand patterns and most messages match none of them; running each, or
one alternation of all of them, costs a millisecond a message in Python's `re`. Every match
of a pattern must contain some literal text: "kill myself" needs "kill" (and "myself"),
"su[ia]?[cs]+id\\w*" needs "su". Reading each pattern once, we keep for it a small set of
such strings, one of which is in every match (the "required factors" a prefilter in RE2 or
Hyperscan computes). A text in which none of a pattern's strings occurs cannot match it,
so only the few patterns whose strings occur are run. Patterns with no such string are
always run. Exact: it never hides a match, only skips patterns that cannot match.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found, unused-ignore]
import re._parser as sre_parse  # type: ignore[import-not-found, unused-ignore]
from collections.abc import Iterable, Sequence
from typing import Any

Atoms = frozenset[str]  # one of these strings is in every match
Clauses = tuple[Atoms, ...]  # every one of these holds for every match


class Prefilter:
    """An index from literal strings to the patterns that need one of them."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        self._always: list[re.Pattern[str]] = []
        by_atom: dict[str, list[int]] = {}
        # A pattern is indexed under its most selective clause; its other clauses are
        # checked against the atoms a text holds before the pattern is let through.
        self._rest: dict[int, Clauses] = {}
        every_atom: set[str] = set()
        for pattern in patterns:
            clauses = requirements(pattern.pattern)
            if not clauses:
                self._always.append(pattern)
                continue
            best = max(clauses, key=_selectivity)
            for atom in best:
                by_atom.setdefault(atom, []).append(id(pattern))
            every_atom.update(best)
            rest = tuple(clause for clause in clauses if clause is not best)
            if rest:
                self._rest[id(pattern)] = rest
                every_atom.update(*rest)
        # One pass finds every atom in a text: a regex shaped as a trie of the atoms (so each
        # position tries one branch per first letter, not a thousand), inside a lookahead so
        # that overlapping atoms are all seen. The longest atom found at a position stands
        # for the shorter ones that are its prefixes. An atom within one word is looked for
        # word by word, and what a word holds is remembered: words recur from message to
        # message. Only atoms that span words are looked for in the whole text.
        inner = sorted(a for a in every_atom if not _SEPARATORS.intersection(a))
        outer = sorted(every_atom.difference(inner))
        self._inner = re.compile(f"(?=({_trie(inner)}))")
        self._outer = re.compile(f"(?=({_trie(outer)}))") if outer else None
        self._held: dict[str, frozenset[str]] = {}
        self._found: dict[str, frozenset[int]] = {}
        for atom in every_atom:
            prefixes = [atom[:end] for end in range(1, len(atom) + 1)]
            self._held[atom] = frozenset(p for p in prefixes if p in every_atom)
            self._found[atom] = frozenset(i for p in prefixes for i in by_atom.get(p, ()))
        self._words: dict[str, tuple[frozenset[int], frozenset[str]]] = {}
        self._always_ids = frozenset(map(id, self._always))
        self._checked = frozenset(self._rest)

    @property
    def always(self) -> Sequence[re.Pattern[str]]:
        """The patterns no literal string could be found for: run on every text."""
        return self._always

    def candidates(self, texts: Iterable[str]) -> set[int]:
        """The ids of the patterns that may match in at least one of `texts` (`id(pattern)`:
        a compiled pattern hashes its whole source each time it is put in a set)."""
        words: set[str] = set()
        spanning: set[str] = set()
        for text in texts:
            words.update(text.split(" "))
            if self._outer is not None:
                spanning.update(self._outer.findall(text))
        seen = [self._word(word) for word in words]
        found = self._always_ids.union(
            *(ids for ids, _ in seen), *map(self._found.__getitem__, spanning)
        )
        held = frozenset().union(
            *(atoms for _, atoms in seen), *map(self._held.__getitem__, spanning)
        )
        rest = self._rest
        passed = set(found.difference(self._checked))
        for i in found.intersection(self._checked):
            for clause in rest[i]:
                if clause.isdisjoint(held):
                    break
            else:
                passed.add(i)
        return passed

    def _word(self, word: str) -> tuple[frozenset[int], frozenset[str]]:
        """The patterns a word lets through, and the atoms it holds; remembered."""
        known = self._words.get(word)
        if known is None:
            atoms = set(self._inner.findall(word))
            known = (
                frozenset().union(*map(self._found.__getitem__, atoms)),
                frozenset().union(*map(self._held.__getitem__, atoms)),
            )
            if len(self._words) >= _WORDS_KEPT:
                self._words.clear()
            self._words[word] = known
        return known


_SEPARATORS = frozenset(" |?")  # what stands between words in a prepared text
_WORDS_KEPT = 50_000  # about 10 MB of remembered words, then start again


def _trie(words: Sequence[str]) -> str:
    """A regex matching any of `words`, longest first, built as a trie of their letters."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: dict[str, Any]) -> str:
    ends = "" in node
    parts = [re.escape(char) + _branches(child) for char, child in node.items() if char]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
    return f"(?:{body})?" if ends else body


def required(pattern: str) -> Atoms | None:
    """Strings of at least two characters one of which every match of `pattern` contains
    (the most selective such set), or None when no such set was found."""
    clauses = requirements(pattern)
    return max(clauses, key=_selectivity) if clauses else None


def requirements(pattern: str) -> Clauses:
    """Every set of strings (two characters or more) one of which each match of `pattern`
    contains: all of them hold at once. Empty when none was found."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError):  # pragma: no cover - compiled patterns parse
        return ()
    return _sequence(list(parsed))


_MIN_ATOM = 2  # a single letter is in every text; a single digit is an atom too
_WEAK = 3  # an atom this short, or as common, is in most texts
# Words in most messages, English and Spanish: as weak as a single letter.
_COMMON = frozenset(
    "the and to of in it is my me no not on at be so do for was are but you this that have"
    " ing la el de que en es mi se lo los las un una con por como para del al ya yo".split()
)


def _weight(atom: str) -> int:
    """How rarely an atom occurs, roughly: its length, with common words at 1 and a digit
    (rarer than its length says) at 3."""
    if atom in _COMMON:
        return 1
    return _WEAK if atom.isdigit() and len(atom) < _WEAK else len(atom)


def _selectivity(atoms: Atoms) -> tuple[int, int]:
    """The rarest clause first: the weightiest weakest atom, then the fewest atoms."""
    return min(map(_weight, atoms)), -len(atoms)


def _sequence(items: list[tuple[Any, Any]]) -> Clauses:
    clauses: list[Atoms] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= _MIN_ATOM or (len(run) == 1 and run[0].isdigit()):
            clauses.append(frozenset({"".join(run)}))
        run.clear()

    for op, value in items:
        if op is sre.LITERAL:
            run.append(chr(value))
            continue
        close()
        clauses.extend(_item(op, value))
    close()
    return tuple(dict.fromkeys(clauses))


def _item(op: Any, value: Any) -> Clauses:
    if op is sre.SUBPATTERN:
        return _sequence(list(value[-1]))
    if op is sre.BRANCH:
        # One of the alternatives matches: one clause, the union of each one's best.
        union: set[str] = set()
        for alternative in value[1]:
            clauses = _sequence(list(alternative))
            if not clauses:
                return ()
            best: Atoms = max(clauses, key=_selectivity)
            union |= best
        return (frozenset(union),)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _, body = value
        return _sequence(list(body)) if low >= 1 else ()
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(value))
    return ()  # assertions, classes, any character: no literal required
