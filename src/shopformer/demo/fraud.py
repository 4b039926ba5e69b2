"""The fraud ring: fresh accounts that share a few devices and a small IP block and, within a
few days, buy expensive, easy-to-resell electronics in several orders each.

Ring accounts use the same id formats as real customers, so the ring shows only in behaviour
(no history, shared devices and IPs, the burst of high-value orders), not in the ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopformer.demo.behaviour import FRAUD, Sessions, Views
from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.config import CHANNELS, DemoConfig
from shopformer.demo.persons import HEX, Persons, account_width, device_ids, random_tokens
from shopformer.demo.timeline import DAY, Timeline

RING_WINDOW_DAYS = 3
TOP_PRICE_SHARE = 0.4  # the ring buys from the most expensive 40% of resellable items


@dataclass(frozen=True)
class Ring:
    channel: np.ndarray  # (R,)
    accounts: np.ndarray  # (R,) str
    devices: list[str]
    ips: list[str]
    ip_block: str
    first_day: int


def plant_ring(rng: np.random.Generator, persons: Persons, catalog: Catalog,
               timeline: Timeline, config: DemoConfig) -> tuple[Ring, Sessions, Views]:
    size = config.fraud_ring_size
    channel = rng.integers(0, 2, size)  # web or app: where stolen cards are easiest to use
    accounts = _fresh_accounts(rng, persons, channel)
    devices = device_ids(rng, int(rng.integers(2, 4)), "and")
    a, b = rng.integers(1, 255, 2)
    ips = [f"185.{a}.{b}.{x}" for x in sorted(rng.choice(np.arange(2, 250), 5, replace=False))]
    first_day = int(rng.integers(timeline.days - 20, timeline.days - RING_WINDOW_DAYS))
    ring = Ring(channel, accounts, devices, ips, f"185.{a}.{b}.0/24", first_day)

    member = np.repeat(np.arange(size), 1 + rng.binomial(2, 0.5, size))  # 1–3 orders each
    n = len(member)
    start = first_day * DAY + rng.integers(0, RING_WINDOW_DAYS * DAY, n)
    sessions = Sessions(
        np.full(n, -1), channel[member], accounts[member],
        np.array(devices)[rng.integers(0, len(devices), n)],
        np.array(ips)[rng.integers(0, len(ips), n)], start, np.full(n, -1),
        np.zeros(n, dtype=int), np.full(n, FRAUD))
    n_views = 1 + rng.binomial(1, 0.5, n)
    view_session = np.repeat(np.arange(n), n_views)
    position = np.arange(len(view_session)) - (np.cumsum(n_views) - n_views)[view_session]
    item = rng.choice(_targets(catalog), len(view_session))
    day = start[view_session] // DAY
    yes = np.ones(len(view_session), dtype=bool)
    views = Views(view_session, item, start[view_session] + 25 + 30 * position, ~yes, ~yes,
                  yes, yes, 1 + rng.binomial(2, 0.5, len(view_session)),
                  catalog.price(item, day))
    return ring, sessions, views


def _fresh_accounts(rng: np.random.Generator, persons: Persons, channel: np.ndarray
                    ) -> np.ndarray:
    """New web user numbers and app install ids, distinct from every existing account."""
    taken = set(persons.accounts.ravel().tolist())
    width = account_width(len(persons))
    apps = iter("app-" + t for t in random_tokens(rng, len(channel), HEX, 12,
                                                  {a[4:] for a in taken if a.startswith("app-")}))
    accounts = []
    for ch in channel:
        if ch == 1:
            accounts.append(next(apps))
            continue
        account = ""
        while not account or account in taken:
            account = f"u{rng.integers(0, 10 ** width):0{width}d}"
        taken.add(account)
        accounts.append(account)
    return np.array(accounts)


def _targets(catalog: Catalog) -> np.ndarray:
    resellable = np.array([c.resellable for c in CATEGORIES])[catalog.category]
    pool = np.flatnonzero(resellable & catalog.channels[:, :2].all(axis=1) & ~catalog.cold)
    cut = np.quantile(catalog.base_price[pool], 1 - TOP_PRICE_SHARE)
    return pool[catalog.base_price[pool] >= cut]


def ring_truth(ring: Ring, order_ids: list[str], timeline: Timeline) -> dict[str, object]:
    return {
        "accounts": [[CHANNELS[c], str(a)] for c, a in zip(ring.channel, ring.accounts,
                                                            strict=True)],
        "devices": ring.devices,
        "ips": ring.ips,
        "ip_block": ring.ip_block,
        "window": {"start": timeline.day_iso(ring.first_day),
                   "end": timeline.day_iso(ring.first_day + RING_WINDOW_DAYS - 1)},
        "order_ids": order_ids,
    }
