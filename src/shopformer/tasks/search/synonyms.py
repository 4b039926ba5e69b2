"""Related terms learned from what shoppers did after searching: when people who type
"tv" keep clicking items whose titles say "television", "television" becomes an expansion
of "tv". The association is the lift of an item term among the items engaged after a
query term over its share in all engaged items, kept only with enough support.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SynonymConfig:
    min_support: int = 3  # (query term, item term) pairs seen at least this often
    min_lift: float = 4.0
    per_term: int = 3  # at most this many expansions per query term
    weight: float = 0.3  # an expansion counts this much of a typed term, at most


class RelatedTerms:
    def __init__(self, config: SynonymConfig | None = None) -> None:
        self.config = config or SynonymConfig()
        self.related: dict[str, list[tuple[str, float]]] = {}

    def fit(self, pairs: Iterable[tuple[Sequence[str], Sequence[str], float]]) -> RelatedTerms:
        """`pairs`: (query terms, engaged item's terms, weight of the engagement)."""
        query_terms: Counter[str] = Counter()
        item_terms: Counter[str] = Counter()
        both: Counter[tuple[str, str]] = Counter()
        total = 0.0
        for query, item, weight in pairs:
            if weight <= 0:
                continue
            q, t = set(query), set(item)
            total += weight
            for term in q:
                query_terms[term] += weight
            for term in t:
                item_terms[term] += weight
            for a in q:
                for b in t - q:
                    both[a, b] += weight
        candidates: dict[str, list[tuple[str, float]]] = {}
        for (a, b), count in both.items():
            if count < self.config.min_support:
                continue
            lift = (count / query_terms[a]) / (item_terms[b] / total)
            if lift >= self.config.min_lift:
                share = count / query_terms[a]  # how often the expansion was there
                candidates.setdefault(a, []).append((b, share))
        self.related = {a: sorted(found, key=lambda x: (-x[1], x[0]))[:self.config.per_term]
                        for a, found in candidates.items()}
        return self

    def expand(self, terms: Sequence[str]) -> dict[str, float]:
        """Expansion term → weight for a query's terms (never one of the typed terms)."""
        typed = set(terms)
        out: dict[str, float] = {}
        for term in typed:
            for other, share in self.related.get(term, ()):
                if other not in typed:
                    out[other] = max(out.get(other, 0.0), self.config.weight * share)
        return out

    def to_dict(self) -> dict[str, list[list[object]]]:
        return {a: [[b, s] for b, s in found] for a, found in self.related.items()}

    @classmethod
    def from_dict(cls, data: dict, config: SynonymConfig | None = None) -> RelatedTerms:
        out = cls(config)
        out.related = {a: [(str(b), float(s)) for b, s in found] for a, found in data.items()}
        return out
