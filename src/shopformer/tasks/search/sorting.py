"""Results sorted by price instead of relevance, as shoppers ask a shop's search to.

Sorting every candidate by price would put the weakest cheap matches first: "phone case"
sorted low to high began with iced tea and sports drinks, whose descriptions say "case of
24". So only the results that match the query are sorted: the candidates that have every
query word, when some do; otherwise the page relevance would have shown (the first `k`),
re-ordered. A query that is only a price ("100元以下") sorts everything it found. Items
without a price cannot be placed and are left out; ties keep their relevance order.
"""

from __future__ import annotations

import numpy as np

from shopformer.core.errors import ConfigError

SORTS = ("relevance", "price", "-price")  # "-price": high to low


def check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise ConfigError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")


def price_order(prices: np.ndarray, scores: np.ndarray, all_terms: np.ndarray,
                has_terms: bool, k: int, descending: bool) -> tuple[np.ndarray, str]:
    """Positions among the candidates, by price, and a note saying which were sorted.
    `prices` (NaN: unknown), `scores` (relevance) and `all_terms` (bool) per candidate."""
    if not has_terms:
        pool, which = np.arange(len(prices)), "the {} matches"
    elif all_terms.any():
        pool, which = np.flatnonzero(all_terms), "the {} matches with every query word"
    else:
        pool = np.argsort(-scores, kind="stable")[:k]
        which = "the {} most relevant matches (none has every query word)"
    priced = pool[~np.isnan(prices[pool])]
    key = -prices[priced] if descending else prices[priced]
    order = priced[np.lexsort((-scores[priced], key))]
    unpriced = len(pool) - len(priced)
    note = (f"sorted by price, {'high to low' if descending else 'low to high'}: "
            + which.format(len(order))
            + (f"; {unpriced} without a price left out" if unpriced else ""))
    return order, note
