"""Every project name an index lists, for completion and did-you-mean.

The production list holds ~700,000 names, so the structures are chosen for memory and speed: one sorted list of
canonical names (membership and prefix completion by bisection, no set), and buckets by (first character,
last character, length) holding references to the same strings, for did-you-mean.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[-_.]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def normalise(text: str) -> str:
    """Canonical form of a (possibly partial) name: PEP 503 without stripping a trailing separator."""
    return _SEPARATORS.sub("-", text.strip().lower())


def _bigrams(text: str) -> set[str]:
    padded = f"^{text}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


class NameList:
    """A :class:`~pinwise.core.index.types.NameMatcher` over a sorted list of canonical names."""

    __slots__ = ("_buckets", "_names")

    # How far the length of a did-you-mean suggestion may differ from the name asked about.
    LENGTH_WINDOW = 2
    # Candidates scored per query, at most; buckets are visited nearest length first.
    MAX_CANDIDATES = 6000
    # Far longer than real project names: longer queries get no suggestions (see similar()).
    MAX_SIMILAR_LENGTH = 200

    def __init__(self, names: Iterable[str], *, presorted: bool = False) -> None:
        self._names: list[str] = list(names) if presorted else sorted({normalise(n) for n in names if n})
        buckets: dict[tuple[str, str, int], list[str]] = {}
        for name in self._names:
            buckets.setdefault((name[0], name[-1], len(name)), []).append(name)
        self._buckets = buckets

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return self._has(normalise(name))

    def _has(self, canonical: str) -> bool:
        i = bisect.bisect_left(self._names, canonical)
        return i < len(self._names) and self._names[i] == canonical

    def complete(self, prefix: str, limit: int = 50) -> list[str]:
        """Names starting with ``prefix`` (after normalisation), in alphabetical order."""
        key = normalise(prefix)
        names = self._names
        start = bisect.bisect_left(names, key)
        out: list[str] = []
        for i in range(start, min(start + limit, len(names))):
            if not names[i].startswith(key):
                break
            out.append(names[i])
        return out

    def similar(self, name: str, limit: int = 5) -> list[str]:
        """Existing names close to ``name`` (which usually does not exist), best first.

        Two cheap sources of candidates, because a full scan with difflib over 700k names takes seconds:
        every single edit (delete, transpose, replace, insert) of the name checked by bisection, which
        catches most typos wherever they are; and names with the same first and last characters and a similar
        length, ranked by bigram overlap, which catches larger differences in the middle of a name (where
        typos mostly are). The buckets keep that second scan to a few hundred names in the common case.
        """
        query = normalise(name)
        # Every single edit of a name is ~75 strings per character, each as long as the name: memory grows
        # with the square of its length (a 50,000-character "name" asked for gigabytes). No project name on
        # an index is anywhere near this long, so there is nothing to suggest.
        if not query or len(query) > self.MAX_SIMILAR_LENGTH:
            return []
        scores: dict[str, float] = {}
        for variant in self._edits1(query):
            if variant != query and self._has(variant):
                scores[variant] = 2.0 + _dice(_bigrams(query), _bigrams(variant))
        qgrams = set(zip(f"^{query}", f"{query}$", strict=True))
        qchars = set(query)
        # A candidate may lack at most two of the query's distinct characters; counting them is one C-level
        # set operation per name, which keeps the bigram scoring below to the few names that pass.
        need = max(1, len(qchars) - 2)
        char_overlap = qchars.intersection
        bigram_overlap = qgrams.intersection
        qlen = len(query)
        seen = 0
        for delta in _deltas(self.LENGTH_WINDOW):
            bucket = self._buckets.get((query[0], query[-1], qlen + delta))
            if not bucket:
                continue
            for cand, shared in zip(bucket, map(len, map(char_overlap, bucket)), strict=True):
                if shared < need or cand in scores or cand == query:
                    continue
                common = len(bigram_overlap(zip(f"^{cand}", f"{cand}$", strict=True)))
                score = 2.0 * common / (len(qgrams) + len(cand) + 1)
                if score >= 0.5:
                    scores[cand] = score
            seen += len(bucket)
            if seen >= self.MAX_CANDIDATES:
                break
        ranked = sorted(scores.items(), key=lambda item: (-item[1], abs(len(item[0]) - qlen), item[0]))
        return [n for n, _ in ranked[:limit]]

    @staticmethod
    def _edits1(word: str) -> set[str]:
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        deletes = [a + b[1:] for a, b in splits if b]
        transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
        replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
        inserts = [a + c + b for a, b in splits for c in _LETTERS]
        return set(deletes + transposes + replaces + inserts)


def _deltas(window: int) -> list[int]:
    out = [0]
    for d in range(1, window + 1):
        out += [-d, d]
    return out


def _dice(a: set[str], b: set[str]) -> float:
    return 2.0 * len(a & b) / (len(a) + len(b)) if a or b else 0.0
