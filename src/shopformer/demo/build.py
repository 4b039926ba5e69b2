"""build_demo_shop: plant the shop, simulate its history, write the files and the truth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopformer.demo.ads import AD_COLUMNS, build_ads
from shopformer.demo.behaviour import concat, organic
from shopformer.demo.burst import Burst, plant_burst
from shopformer.demo.catalog import Catalog, build_catalog
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.config import CHANNELS, DemoConfig
from shopformer.demo.events import EVENT_COLUMNS, History, emit
from shopformer.demo.fraud import Ring, plant_ring
from shopformer.demo.fulfilment import FULFILMENT_COLUMNS, fulfilment_columns
from shopformer.demo.links import LINK_COLUMNS, build_links
from shopformer.demo.persons import STORES, Persons, build_persons, ips
from shopformer.demo.pii import PiiLog
from shopformer.demo.reviews import REVIEW_COLUMNS, ReviewSet, build_reviews
from shopformer.demo.support import TURN_COLUMNS, build_turns
from shopformer.demo.timeline import Timeline, season_matrix
from shopformer.demo.truth import TRUTH_DOCS, build_truth
from shopformer.demo.writer import (
    write_csv,
    write_csv_columns,
    write_json,
    write_jsonl,
    write_readme,
)
from shopformer.schema.records import ITEM, ORDER

log = logging.getLogger(__name__)
DEFAULT_CONFIG = DemoConfig()  # frozen, so one shared default is safe

ADS_FILE = "ads.csv"
FILE_NAMES = {"item": "items.jsonl", "event": "events.csv", "review": "reviews.jsonl",
              "turn": "turns.jsonl", "order": "orders.csv", "link": "links.csv"}
COLUMNS = {"item": ITEM.names, "event": EVENT_COLUMNS, "review": REVIEW_COLUMNS,
           "turn": TURN_COLUMNS, "order": (*ORDER.names, *FULFILMENT_COLUMNS),
           "link": LINK_COLUMNS}
# One independent random stream per step: changing how reviews are drawn does not move a
# single event.
_STREAMS = ("catalog", "persons", "links", "visits", "burst", "ring", "events", "reviews",
            "support", "fulfilment", "ads")  # new streams go last: the others keep their seeds


@dataclass(frozen=True)
class DemoManifest:
    out_dir: Path
    files: dict[str, Path]  # record kind -> file
    counts: dict[str, int]  # record kind -> rows
    truth_path: Path
    ads: Path | None = None  # the ad impression log (`shopformer ads train`), no record kind


@dataclass(frozen=True)
class _Shop:
    """Everything simulated, before anything is written."""

    timeline: Timeline
    season: np.ndarray
    catalog: Catalog
    persons: Persons
    links: list[dict[str, str]]
    linked: np.ndarray
    history: History
    burst: Burst
    ring: Ring
    reviews: ReviewSet
    turns: list[dict[str, object]]
    conversations: dict[str, dict[str, str]]  # id → intent, order id, item id
    pii: PiiLog
    fulfilment: list[tuple[str, ...]]  # per order, FULFILMENT_COLUMNS
    ads: list[tuple[str, ...]]  # impressions, AD_COLUMNS
    ads_truth: dict


def build_demo_shop(out_dir: str | Path, config: DemoConfig = DEFAULT_CONFIG) -> DemoManifest:
    """Write the demo shop's files, truth.json and README.md into out_dir (created if needed)
    and return where they are. The same config gives byte-identical files."""
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = _write(out, _simulate(config), config)
    log.info("demo shop written to %s in %.1f s: %s", out, time.perf_counter() - started,
             ", ".join(f"{n} {kind}s" for kind, n in manifest.counts.items()))
    return manifest


def _simulate(config: DemoConfig) -> _Shop:
    seeds = np.random.SeedSequence(config.seed).spawn(len(_STREAMS))
    rng = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
    timeline = Timeline.ending(config.last_day, config.days)
    season = season_matrix([c.season for c in CATEGORIES], timeline)
    catalog = build_catalog(rng["catalog"], config, timeline)
    persons = build_persons(rng["persons"], config)
    links, linked = build_links(rng["links"], persons, timeline)
    store_ips = ips(rng["visits"], np.zeros(STORES, dtype=int))
    visits = organic(rng["visits"], persons, catalog, season, timeline, config, store_ips)
    burst, late_sessions, late_views = plant_burst(rng["burst"], persons, catalog, timeline,
                                                   config, visits[1])
    ring, ring_sessions, ring_views = plant_ring(rng["ring"], persons, catalog, timeline, config)
    sessions, views = concat([visits, (late_sessions, late_views), (ring_sessions, ring_views)])
    history = emit(rng["events"], sessions, views, catalog, timeline)
    log.info("demo shop: %d persons, %d visits, %d events, %d orders", len(persons),
             len(sessions.start), len(history.events["event_id"]), len(history.orders.ids))
    pii = PiiLog()
    reviews = build_reviews(rng["reviews"], history, catalog, timeline, config, burst, pii)
    turns, conversations = build_turns(rng["support"], history, catalog, timeline, config,
                                       pii)
    fulfilment = fulfilment_columns(rng["fulfilment"], history, timeline)
    ads, ads_truth = build_ads(rng["ads"], catalog, timeline, config.persons)
    return _Shop(timeline, season, catalog, persons, links, linked, history, burst, ring,
                 reviews, turns, conversations, pii, fulfilment, ads, ads_truth)


def _write(out: Path, shop: _Shop, config: DemoConfig) -> DemoManifest:
    files = {kind: out / name for kind, name in FILE_NAMES.items()}
    counts = {
        "item": write_jsonl(files["item"], shop.catalog.records),
        "event": write_csv_columns(files["event"], shop.history.events),
        "review": write_jsonl(files["review"], shop.reviews.rows),
        "turn": write_jsonl(files["turn"], shop.turns),
        "order": write_csv(files["order"], COLUMNS["order"],
                           _order_rows(shop.history, shop.timeline, shop.fulfilment)),
        "link": write_csv(files["link"], LINK_COLUMNS,
                          [[row[c] for c in LINK_COLUMNS] for row in shop.links]),
    }
    ads = out / ADS_FILE
    write_csv(ads, AD_COLUMNS, shop.ads)
    truth_path = out / "truth.json"
    truth = build_truth(config, shop.timeline, shop.persons, shop.linked, shop.catalog,
                        shop.season, shop.history, shop.burst, shop.ring, shop.reviews,
                        shop.pii, shop.conversations)
    write_json(truth_path, {**truth, "ads": shop.ads_truth})
    write_readme(out / "README.md",
                 {**{kind: (files[kind], COLUMNS[kind], counts[kind]) for kind in files},
                  "ad impressions (`shopformer ads train`)": (ads, AD_COLUMNS, len(shop.ads))},
                 TRUTH_DOCS, config.seed)
    return DemoManifest(out, files, counts, truth_path, ads)


def _order_rows(history: History, timeline: Timeline,
                fulfilment: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    orders, sessions = history.orders, history.sessions
    session = orders.session
    stamps = timeline.iso(orders.t).tolist()
    base = zip(orders.ids.tolist(), sessions.account[session].tolist(),
               np.array(CHANNELS)[sessions.channel[session]].tolist(), stamps,
               [f"{a:.2f}" for a in orders.amount.tolist()], orders.payment.tolist(),
               sessions.device[session].tolist(), sessions.ip[session].tolist(),
               np.where(orders.fraud, "fraud", "legit").tolist(), strict=True)
    return [(*row, *extra) for row, extra in zip(base, fulfilment, strict=True)]
