"""What a search led to: the items a shopper engaged with after it, in the same session,
credited to its query. The first item is what the search found; later ones are more and
more often the shopper browsing on (to a drink after searching "winter coat"), so each
further item counts `TRAIL_DECAY` of the one before. Without it, items popular in every
session are "chosen" after every query and the ranker learns popularity instead of the
query. One rule for the search log the ranker learns from and the live events it sees."""

from __future__ import annotations

from collections.abc import Mapping

# Gain of each engagement after a search.
ENGAGEMENT_GAINS = {"click": 1.0, "view": 1.0, "fav": 1.5, "cart": 2.0, "purchase": 3.0}
# Credit of the n-th distinct item engaged after a search (from 0): TRAIL_DECAY ** n.
TRAIL_DECAY = 0.5


class SearchTrail:
    """One search in one session, and the items engaged after it so far, in order."""

    def __init__(self, query: str, gains: Mapping[str, float] = ENGAGEMENT_GAINS) -> None:
        self.query, self.gains = query, gains
        self._order: dict[str, int] = {}

    def credit(self, kind: str, item: str) -> float | None:
        """The gain an engagement of `kind` with `item` earns the query (None: not an
        engagement). An item keeps the place it had when first engaged: buying what was
        clicked first is still the search's first find."""
        gain = self.gains.get(kind)
        if gain is None:
            return None
        place = self._order.setdefault(item, len(self._order))
        return gain * TRAIL_DECAY ** place
