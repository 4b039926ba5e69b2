"""Searches for what the shop does not sell: the shopper finds nothing and leaves, a visit
of one search. One such product is asked for more and more over the last week, the kind of
gap `shopformer search-report` exists to show (zero-result, high-exit and rising queries).
"""

from __future__ import annotations

import numpy as np

from shopformer.demo.behaviour import ORGANIC, Sessions
from shopformer.demo.timeline import DAY, Timeline

# (Chinese, English) queries for products in none of the demo's categories
NOT_SOLD = (("猫粮", "dog leash"), ("割草机", "lawn mower"), ("儿童自行车", "kids bike"))
RISING = ("露营帐篷", "camping tent")
LOST_SHARE = 0.03  # of the visits that search, one lost search some time before
RISING_SHARE = 0.15  # of those in the last RISING_DAYS, one more for RISING
RISING_DAYS = 7


def lost_searches(rng: np.random.Generator, sessions: Sessions, timeline: Timeline
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(the visit each lost search comes before, its time, its query), in no order."""
    searched = np.flatnonzero((sessions.search_category >= 0) & (sessions.kind == ORGANIC))
    lost = searched[rng.random(len(searched)) < LOST_SHARE]
    recent = searched[sessions.start[searched] >= timeline.end_second - RISING_DAYS * DAY]
    rising = recent[rng.random(len(recent)) < RISING_SHARE]
    which = rng.integers(len(NOT_SOLD), size=len(lost))
    queries = [NOT_SOLD[w][int(sessions.language[s])] for w, s in
               zip(which.tolist(), lost.tolist(), strict=True)]
    queries += [RISING[int(sessions.language[s])] for s in rising.tolist()]
    session = np.concatenate([lost, rising])
    before = rng.integers(10 * 60, 2 * 3600, len(session))
    return session, np.maximum(sessions.start[session] - before, 0), queries


def gaps_truth(timeline: Timeline) -> dict[str, object]:
    return {"not_sold": [q for pair in NOT_SOLD for q in pair], "rising": list(RISING),
            "rising_from": timeline.day_iso(timeline.days - RISING_DAYS)}
