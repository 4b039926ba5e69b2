"""Identity links between a person's channel accounts, with planted gaps.

A linked person's accounts are tied as a chain in random order (a–b, b–c, sometimes a
redundant c–a), so only a transitive closure (union-find) recovers the person. About 15% of
multi-channel persons get no link at all; the truth names them, because no resolver can
merge them from links alone.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from shopformer.demo.config import CHANNELS, STORE
from shopformer.demo.persons import Persons
from shopformer.demo.timeline import Timeline

LINKED_SHARE = 0.85
REDUNDANT_SHARE = 0.3
LINK_COLUMNS = ("link_id", "channel_a", "account_a", "channel_b", "account_b", "kind", "ts")


def build_links(rng: np.random.Generator, persons: Persons, timeline: Timeline
                ) -> tuple[list[dict[str, str]], np.ndarray]:
    """Link rows sorted by time, and per person whether their accounts are linked."""
    has = persons.has_channel
    multi = has.sum(axis=1) >= 2
    linked = multi & (rng.random(len(persons)) < LINKED_SHARE)
    pairs: list[tuple[int, int, int]] = []  # (person, channel a, channel b)
    for p in np.flatnonzero(linked):
        chain = rng.permutation(np.flatnonzero(has[p]))
        pairs.extend((p, a, b) for a, b in pairwise(chain))
        if len(chain) >= 3 and rng.random() < REDUNDANT_SHARE:
            pairs.append((p, chain[-1], chain[0]))
    seconds = rng.integers(0, timeline.end_second, len(pairs))
    order = np.argsort(seconds, kind="stable")
    stamps = timeline.iso(seconds[order])
    rows = []
    for n, index in enumerate(order.tolist()):
        person, a, b = pairs[index]
        rows.append({
            "link_id": f"L{n + 1:06d}",
            "channel_a": CHANNELS[a], "account_a": str(persons.accounts[person, a]),
            "channel_b": CHANNELS[b], "account_b": str(persons.accounts[person, b]),
            "kind": _kind(rng, a, b),
            "ts": str(stamps[n]),
        })
    return rows, linked


def _kind(rng: np.random.Generator, a: int, b: int) -> str:
    """How the shop learnt the two accounts are one: a store member card scanned online, the
    same login on web and app, or the same (hashed) phone number."""
    if STORE in (a, b):
        return "member_card" if rng.random() < 0.7 else "phone"
    if {a, b} == {0, 1}:
        return "login" if rng.random() < 0.8 else "phone"
    return "phone" if rng.random() < 0.7 else "login"
