"""Spelling tolerance from the shop's own words: a misspelt query word becomes the most
frequent catalog or query-log word within one edit (two for words of seven letters or more),
found through a symmetric-delete index (SymSpell) instead of comparing with every word.
A word that is still unknown may be two known words run together ("frontload").
Only Latin words are corrected; Chinese typos are mostly homophones, another problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

LATIN_WORD = re.compile(r"[a-z]+")
MIN_LENGTH = 4  # shorter words are too often abbreviations or model codes


def _deletes(word: str, distance: int) -> set[str]:
    found, frontier = {word}, {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    neighbouring letters each cost one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1,
                         rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class Speller:
    def __init__(self, word_counts: Counter[str], min_count: int = 1) -> None:
        self.counts = Counter({w: c for w, c in word_counts.items() if c >= min_count})
        self._index: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_LENGTH - 1 and word.isalpha():
                for variant in _deletes(word, 2 if len(word) >= 5 else 1):
                    self._index.setdefault(variant, []).append(word)
        self._memo: dict[str, str] = {}

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_count: int = 1) -> Speller:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(LATIN_WORD.findall((text or "").lower()))
        return cls(counts, min_count)

    @staticmethod
    def _distance(word: str) -> int:
        return 1 if len(word) < 7 else 2

    def correct_word(self, word: str) -> str:
        """The word itself when known, else its correction ("a b" for a split), else itself."""
        if word in self.counts or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if word not in self._memo:
            self._memo[word] = self._correct(word)
        return self._memo[word]

    def _correct(self, word: str) -> str:
        limit = self._distance(word)
        candidates = {c for variant in _deletes(word, limit)
                      for c in self._index.get(variant, ())}
        best: tuple[tuple[int, int, str], str] | None = None
        for candidate in candidates:
            distance = edit_distance(word, candidate)
            if distance <= limit:
                key = (distance, -self.counts[candidate], candidate)
                if best is None or key < best[0]:
                    best = (key, candidate)
        if best is not None:
            return best[1]
        common = 5  # both halves of a split must be ordinary words, not rare codes
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if self.counts.get(left, 0) >= common and self.counts.get(right, 0) >= common:
                return f"{left} {right}"
        return word

    def correct(self, text: str) -> str:
        """`text` (already normalized) with every Latin word corrected."""
        return LATIN_WORD.sub(lambda m: self.correct_word(m.group()), text)
