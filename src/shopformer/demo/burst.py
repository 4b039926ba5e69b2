"""The complaint burst: one popular item whose parcels all came late in one week.

Buyers order the item 2–5 days before the burst day and all review it on that day, with
negative logistics clauses, several times the item's normal daily review volume. The
purchases are real (events and orders exist), only their delivery went wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shopformer.demo.behaviour import BURST, Sessions, Views, quantity_for, session_starts
from shopformer.demo.catalog import Catalog
from shopformer.demo.config import ONLINE, DemoConfig
from shopformer.demo.persons import Persons
from shopformer.demo.timeline import Timeline

MIN_BURST_REVIEWS = 8
BURST_FACTOR = 6  # times the item's normal daily review volume


@dataclass(frozen=True)
class Burst:
    item: int
    day: int
    size: int


def plant_burst(rng: np.random.Generator, persons: Persons, catalog: Catalog,
                timeline: Timeline, config: DemoConfig, organic: Views
                ) -> tuple[Burst, Sessions, Views]:
    sold_online = catalog.channels[:, list(ONLINE)].all(axis=1) & ~catalog.cold
    item = int(np.flatnonzero(sold_online)[np.argmax(catalog.popularity[sold_online])])
    day = int(rng.integers(timeline.days - 27, timeline.days - 1))  # inside the last 30 days
    bought = int((organic.buy & (organic.item == item)).sum())
    daily_reviews = bought * config.review_rate / timeline.days
    size = max(MIN_BURST_REVIEWS, math.ceil(BURST_FACTOR * daily_reviews) + 4)
    online = np.flatnonzero(persons.has_channel[:, list(ONLINE)].any(axis=1))
    person = rng.choice(online, size, replace=size > len(online))
    has = persons.has_channel[person][:, list(ONLINE)]
    rank = np.floor(rng.random(size) * has.sum(axis=1))
    channel = np.argmax(np.cumsum(has, axis=1) > rank[:, None], axis=1)
    order_day = day - rng.integers(2, 6, size)
    start = session_starts(rng, order_day, channel)
    mobile = channel != 0
    sessions = Sessions(
        person, channel, persons.accounts[person, channel], persons.devices[person, channel],
        np.where(mobile, persons.mobile_ip[person], persons.home_ip[person]), start,
        np.full(size, -1), persons.language[person], np.full(size, BURST))
    items = np.full(size, item)
    yes = np.ones(size, dtype=bool)
    views = Views(np.arange(size), items, start + 40, ~yes, ~yes, yes, yes,
                  quantity_for(rng, catalog.category[items]), catalog.price(items, order_day))
    return Burst(item, day, size), sessions, views


def burst_truth(burst: Burst, catalog: Catalog, timeline: Timeline) -> dict[str, object]:
    return {"item_id": str(catalog.ids[burst.item]), "day": timeline.day_iso(burst.day),
            "aspect": "logistics", "reviews": burst.size}
