"""Visits and item views: who comes when, on which channel, looks at what and buys what.

A visit (session) happens on one of the person's channels on a day drawn with the weekly
cycle. Its views mostly stay in one category; each fresh category is a planted favourite
with probability TASTE_SHARE, else any category weighted by its season. Carting, and so
buying, scales with the season, the quality and (price / base price) ** (elasticity ×
the person's price sensitivity), which plants the pricing truth.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.config import STORE, DemoConfig
from shopformer.demo.persons import Persons
from shopformer.demo.timeline import DAY, Timeline

ORGANIC, BURST, FRAUD = 0, 1, 2  # how a session came to be
TASTE_SHARE = 0.68  # plus the favourites' share of the other draws: ~72% of views
STAY_SHARE = 0.6  # a further view stays in the visit's first category
SEARCH_SHARE = 0.35
CLICK_SHARE = 0.35  # a click on a listing before the detail view
FAV_SHARE = 0.04
BASE_CART = 0.10
BUY_GIVEN_CART = np.array([0.5, 0.5, 0.5, 0.85])  # per channel: in a store the basket is bought
QUALITY_PULL = np.array([1.15, 1.0, 0.75])  # good, average, bad
EVENTS_PER_SESSION = 6.3  # measured at the defaults; turns events_per_person into visits
# The shop is in China (UTC+8) and files carry UTC. Online traffic peaks at lunch and in the
# evening, local time; stores open 10:00–21:00 local.
UTC_OFFSET_HOURS = 8
_LOCAL_HOURS = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 2.4, 2.6, 2.8,
                         3.2, 2.8, 2.5, 2.5, 2.6, 2.8, 3, 3.6, 4.2, 4.4, 3.4, 1.6])
_UTC_HOURS = np.roll(_LOCAL_HOURS, -UTC_OFFSET_HOURS)
_UTC_HOURS[23] = 0.0  # no visit starts after 23:00 UTC, so none runs past the window's end
ONLINE_HOURS = _UTC_HOURS / _UTC_HOURS.sum()


@dataclass(frozen=True)
class Sessions:
    person: np.ndarray  # (S,) planted person, -1 for fraud ring accounts
    channel: np.ndarray  # (S,)
    account: np.ndarray  # (S,) str
    device: np.ndarray  # (S,) str
    ip: np.ndarray  # (S,) str
    start: np.ndarray  # (S,) window seconds
    search_category: np.ndarray  # (S,) category searched first, -1 for none
    language: np.ndarray  # (S,)
    kind: np.ndarray  # (S,) ORGANIC, BURST or FRAUD


@dataclass(frozen=True)
class Views:
    session: np.ndarray  # (V,) index into Sessions
    item: np.ndarray
    t: np.ndarray  # window seconds of the detail view
    click: np.ndarray  # bool
    fav: np.ndarray
    cart: np.ndarray
    buy: np.ndarray
    quantity: np.ndarray
    price: np.ndarray  # price shown that day


def concat(parts: list[tuple[Sessions, Views]]) -> tuple[Sessions, Views]:
    offsets = np.cumsum([0] + [len(s.person) for s, _ in parts[:-1]])
    sessions = Sessions(**{f.name: np.concatenate([getattr(s, f.name) for s, _ in parts])
                           for f in fields(Sessions)})
    shifted = [Views(**{**v.__dict__, "session": v.session + off})
               for (_, v), off in zip(parts, offsets, strict=True)]
    views = Views(**{f.name: np.concatenate([getattr(v, f.name) for v in shifted])
                     for f in fields(Views)})
    return sessions, views


def session_starts(rng: np.random.Generator, day: np.ndarray, channel: np.ndarray) -> np.ndarray:
    store_hour = rng.integers(10, 21, len(day)) - UTC_OFFSET_HOURS
    hour = np.where(channel == STORE, store_hour,
                    rng.choice(len(ONLINE_HOURS), len(day), p=ONLINE_HOURS))
    return day * DAY + hour * 3600 + rng.integers(0, 3600, len(day))


def organic(rng: np.random.Generator, persons: Persons, catalog: Catalog, season: np.ndarray,
            timeline: Timeline, config: DemoConfig, store_ips: np.ndarray
            ) -> tuple[Sessions, Views]:
    mean_visits = config.events_per_person / EVENTS_PER_SESSION
    person = np.repeat(np.arange(len(persons)), rng.poisson(mean_visits * persons.activity))
    n = len(person)
    channel = _pick_channel(rng, persons.has_channel[person])
    weekly = timeline.weekly()
    day = rng.choice(timeline.days, n, p=weekly / weekly.sum())
    start = session_starts(rng, day, channel)
    device, ip = _device_and_ip(rng, persons, person, channel, store_ips)
    n_views = 1 + rng.poisson(np.where(channel == STORE, 2.0, 3.0))
    searched = (channel != STORE) & (rng.random(n) < SEARCH_SHARE)
    view_session = np.repeat(np.arange(n), n_views)
    first = np.cumsum(n_views) - n_views
    category = _categories(rng, persons, person[view_session], day[view_session], season,
                           view_session, first)
    item = _items(rng, catalog, category, channel[view_session])
    sessions = Sessions(person, channel, persons.accounts[person, channel], device, ip,
                        start, np.where(searched, category[first], -1),
                        persons.language[person], np.full(n, ORGANIC))
    t = _view_times(rng, start, view_session, first, searched)
    views = _funnel(rng, catalog, season, persons.sensitivity[person[view_session]],
                    view_session, item, day[view_session], channel[view_session], t)
    return sessions, views


def _pick_channel(rng: np.random.Generator, has: np.ndarray) -> np.ndarray:
    """Uniform over the channels a person has an account on."""
    rank = np.floor(rng.random(len(has)) * has.sum(axis=1))
    return np.argmax(np.cumsum(has, axis=1) > rank[:, None], axis=1)


def _device_and_ip(rng: np.random.Generator, persons: Persons, person: np.ndarray,
                   channel: np.ndarray, store_ips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Own device and home or mobile IP online; in a store, one of its four tills and its IP."""
    device = persons.devices[person, channel].astype(object)
    home = persons.home_ip[person]
    on_mobile = (channel != 0) & (rng.random(len(person)) < 0.6)
    ip = np.where(on_mobile, persons.mobile_ip[person], home).astype(object)
    in_store = np.flatnonzero(channel == STORE)
    store = persons.home_store[person[in_store]]
    till = rng.integers(1, 5, len(in_store))
    device[in_store] = [f"pos-{s + 1:02d}-{t}" for s, t in zip(store, till, strict=True)]
    ip[in_store] = store_ips[store]
    return device.astype(str), ip.astype(str)


def _categories(rng: np.random.Generator, persons: Persons, person: np.ndarray, day: np.ndarray,
                season: np.ndarray, view_session: np.ndarray, first: np.ndarray) -> np.ndarray:
    n = len(person)
    slot = (rng.random(n) * persons.n_favourites[person]).astype(int)
    favourite = persons.favourites[person, slot]
    weights = season.T  # (D, C)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    other = (cumulative[day] < rng.random(n)[:, None]).sum(axis=1)
    other = np.minimum(other, len(CATEGORIES) - 1)
    fresh = np.where(rng.random(n) < TASTE_SHARE, favourite, other)
    stay = rng.random(n) < STAY_SHARE
    stay[first] = False
    return np.where(stay, fresh[first][view_session], fresh)


def _items(rng: np.random.Generator, catalog: Catalog, category: np.ndarray,
           channel: np.ndarray) -> np.ndarray:
    """Within a (category, channel) the items sold there, drawn by popularity."""
    item = np.empty(len(category), dtype=np.int64)
    for c in range(len(CATEGORIES)):
        for ch in range(catalog.channels.shape[1]):
            rows = np.flatnonzero((category == c) & (channel == ch))
            if len(rows) == 0:
                continue
            pool = np.flatnonzero((catalog.category == c) & catalog.channels[:, ch]
                                  & ~catalog.cold)
            weights = catalog.popularity[pool]
            item[rows] = rng.choice(pool, len(rows), p=weights / weights.sum())
    return item


def _view_times(rng: np.random.Generator, start: np.ndarray, view_session: np.ndarray,
                first: np.ndarray, searched: np.ndarray) -> np.ndarray:
    gaps = 15 + rng.exponential(45.0, len(view_session))
    total = np.cumsum(gaps)
    before = (total[first] - gaps[first])[view_session]  # time spent in earlier sessions
    lead = np.where(searched, 40, 0)[view_session]  # the search comes first
    return (start[view_session] + lead + total - before).astype(np.int64)


def _funnel(rng: np.random.Generator, catalog: Catalog, season: np.ndarray,
            sensitivity: np.ndarray, view_session: np.ndarray, item: np.ndarray,
            day: np.ndarray, channel: np.ndarray, t: np.ndarray) -> Views:
    n = len(item)
    category = catalog.category[item]
    elasticity = np.array([c.elasticity for c in CATEGORIES])[category] * sensitivity
    factor = catalog.price_factor[item, day]
    p_cart = (BASE_CART * season[category, day] * factor ** elasticity
              * QUALITY_PULL[catalog.quality[item]])
    online = channel != STORE
    click = online & (rng.random(n) < CLICK_SHARE)
    fav = online & (rng.random(n) < FAV_SHARE)
    cart = rng.random(n) < np.minimum(p_cart, 0.9)
    buy = cart & (rng.random(n) < BUY_GIVEN_CART[channel])
    return Views(view_session, item, t, click, fav, cart, buy,
                 quantity_for(rng, category), catalog.price(item, day))


def quantity_for(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """Mostly one; drinks and snacks by the few."""
    most = np.array([c.max_quantity for c in CATEGORIES])[category]
    return 1 + rng.binomial(most - 1, 0.3)
