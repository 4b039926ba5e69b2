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
        self._sums: dict[str, tuple[dict[int, float], float, dict[int, float]]] = {}

    @staticmethod
    def key(terms: tuple[str, ...]) -> str:
        return " ".join(terms)

    def add(self, key: str, gains: Mapping[int, float]) -> None:
        self.add_lists({key: [gains]})

    def add_lists(self, lists: Mapping[str, list[Mapping[int, float]]]) -> None:
        """Add lists' gains, any number per query. Copy-on-write per query, so a search
        reading a query's history while a live event adds to it sees the old history or
        the new, never half of one."""
        for key, many in lists.items():
            chosen = dict(self.gains.get(key, {}))
            for gains in many:
                for position, gain in gains.items():
                    if gain > 0:
                        chosen[position] = chosen.get(position, 0.0) + float(gain)
            self.gains[key] = chosen

    def features(self, key: str, candidates: np.ndarray,
                 leave_out: Mapping[int, float] | None = None) -> np.ndarray:
        """(K, 2): each candidate's shrunk share of the query's past gains, and its
        category's. `leave_out` (a training list's own gains, as added) is taken off
        first, so the ranker learns what these are worth for a search not yet answered.
        Costs the candidates and the left-out list, not the query's whole history: a
        head query has thousands of lists, each with its own leave-out."""
        out = np.zeros((len(candidates), 2), np.float32)
        chosen = self.gains.get(key)
        if not chosen:
            return out
        total, by_category = self._summed(key, chosen)
        own = {p: float(g) for p, g in (leave_out or {}).items() if g > 0 and p in chosen}
        total -= sum(own.values())
        if total <= 1e-9:
            return out
        own_category = self._by_category(own)
        denominator = total + PRIOR
        for row, position in enumerate(candidates.tolist()):
            out[row, 0] = (chosen.get(position, 0.0) - own.get(position, 0.0)) / denominator
            code = int(self.category[position])
            if code >= 0:
                out[row, 1] = (by_category.get(code, 0.0)
                               - own_category.get(code, 0.0)) / denominator
        return np.maximum(out, 0.0)

    def chosen(self, key: str, k: int, leave_out: Mapping[int, float] | None = None
               ) -> np.ndarray:
        """Catalog positions of the (at most k) items shoppers chose after the query, most
        gain first: a retriever of its own, since what people took after "winter coat"
        may share no word with it. `leave_out` as in `features`."""
        chosen = self.gains.get(key)
        if not chosen:
            return np.zeros(0, np.int64)
        own = leave_out or {}
        left = {p: g - own.get(p, 0.0) for p, g in chosen.items()}
        ranked = sorted((p for p, g in left.items() if g > 1e-9), key=lambda p: (-left[p], p))
        return np.array(ranked[:k], np.int64)

    def _summed(self, key: str, chosen: dict[int, float]) -> tuple[float, dict[int, float]]:
        """The query's total gain and its gain per category, computed once per version of
        its history (`chosen` is the version being read)."""
        cached = self._sums.get(key)
        if cached is not None and cached[0] is chosen:
            return cached[1], cached[2]
        by_category = self._by_category(chosen)
        total = sum(chosen.values())
        self._sums[key] = (chosen, total, by_category)
        return total, by_category

    def _by_category(self, gains: Mapping[int, float]) -> dict[int, float]:
        out: dict[int, float] = {}
        for position, gain in gains.items():
            code = int(self.category[position])
            out[code] = out.get(code, 0.0) + gain
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
        self._sums = {}
        return self
