"""What shoppers chose after each past query: the strongest signal a shop has for the
queries it sees every day. Lexical and text features rank a new query; for a repeated one,
"after 'green tea' people take tea, not iced drinks" settles what the words leave open."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# Evidence a query needs before its own history outweighs the catalog's words: shares are
# gain / (total gain + PRIOR), so one click after a query moves little, ten move a lot.
PRIOR = 3.0


class QueryHistory:
    """Engagement gains per (query, item), summed over the search log's lists. Queries are
    keyed by their spelling-corrected terms, so "龙井查" shares the history of "龙井茶"."""

    def __init__(self, categories: list[str]) -> None:
        names = sorted(set(categories) - {""})
        code = {name: i for i, name in enumerate(names)}
        self.category = np.array([code.get(c, -1) for c in categories], np.int64)
        self.gains: dict[str, dict[int, float]] = {}

    @staticmethod
    def key(terms: tuple[str, ...]) -> str:
        return " ".join(terms)

    def add(self, key: str, gains: Mapping[int, float]) -> None:
        chosen = self.gains.setdefault(key, {})
        for position, gain in gains.items():
            if gain > 0:
                chosen[position] = chosen.get(position, 0.0) + float(gain)

    def features(self, key: str, candidates: np.ndarray,
                 leave_out: Mapping[int, float] | None = None) -> np.ndarray:
        """(K, 2): each candidate's shrunk share of the query's past gains, and its
        category's. `leave_out` (a training list's own gains) is taken off first, so the
        ranker learns from these what they are worth for a query it has not yet seen
        answered this time."""
        out = np.zeros((len(candidates), 2), np.float32)
        chosen = dict(self.gains.get(key, {}))
        for position, gain in (leave_out or {}).items():
            if gain > 0 and position in chosen:
                chosen[position] -= float(gain)
        chosen = {p: g for p, g in chosen.items() if g > 1e-9}
        if not chosen:
            return out
        total = sum(chosen.values()) + PRIOR
        positions = np.fromiter(chosen, np.int64, len(chosen))
        gains = np.fromiter(chosen.values(), np.float64, len(chosen))
        by_category = np.bincount(self.category[positions][self.category[positions] >= 0],
                                  gains[self.category[positions] >= 0],
                                  minlength=int(self.category.max(initial=-1)) + 1)
        out[:, 0] = [chosen.get(int(c), 0.0) / total for c in candidates]
        codes = self.category[candidates]
        known = codes >= 0
        out[known, 1] = by_category[codes[known]] / total
        return out

    def to_dict(self, ids: list[str]) -> dict[str, dict[str, float]]:
        """By item id, not catalog position: the catalog is saved beside it, but an id
        still means the same item if the catalog is rebuilt."""
        return {key: {ids[p]: round(g, 6) for p, g in chosen.items()}
                for key, chosen in self.gains.items()}

    def load(self, data: Mapping[str, Mapping[str, float]], position: Mapping[str, int]
             ) -> QueryHistory:
        self.gains = {key: {position[i]: float(g) for i, g in chosen.items() if i in position}
                      for key, chosen in data.items()}
        return self
