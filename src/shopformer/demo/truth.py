"""truth.json: every planted pattern, with raw ids exactly as the files carry them."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from shopformer.demo.burst import Burst, burst_truth
from shopformer.demo.catalog import QUALITIES, Catalog
from shopformer.demo.categories import ASPECTS, CATEGORIES
from shopformer.demo.config import DemoConfig
from shopformer.demo.events import History
from shopformer.demo.fraud import Ring, ring_truth
from shopformer.demo.persons import Persons
from shopformer.demo.pii import PiiLog
from shopformer.demo.reviews import ReviewSet
from shopformer.demo.search_gaps import gaps_truth
from shopformer.demo.timeline import WEEKDAYS, WEEKLY, Timeline, trend

SEASON_FORMULA = ("daily demand factor of a category = weekly[day of week] × "
                  "exp(amplitude × cos(2π (day_of_year − peak_day_of_year) / 365.25)), "
                  "the seasonal part normalised to mean 1 over the window; purchase probability "
                  "also scales as (price / base_price) ** (elasticity × person's sensitivity)")

TRUTH_DOCS = {
    "ads": "the ad log's planted rule: logit lifts of the click rate by placement and "
           "category group, of conversion after a click by device and log price",
    "config": "the DemoConfig the shop was built with",
    "window": "first and last day of the history (UTC, inclusive) and its length",
    "persons": "person id → language, favourite categories (the planted taste), price "
               "sensitivity, their (channel, account) pairs and whether links tie them",
    "unlinked_multi_channel": "persons with several accounts but no link on purpose: "
                              "person id → accounts",
    "categories": "category path → planted price elasticity, seasonal peak and amplitude, "
                  "trend in the window (up / down / flat)",
    "weekly_factors": "demand factor per weekday (mean 1)",
    "season_formula": "how the seasonal, weekly and price factors combine",
    "promotions": "discount windows: item_id, first and last day, discount share",
    "item_quality": "item_id → good / average / bad, drives ratings and aspect polarity",
    "aspect_weaknesses": "item_id → the aspect its reviews keep naming negatively",
    "cold_start_items": "items that never appear in any event",
    "complaint_burst": "item, day and aspect of the planted surge of negative reviews",
    "review_aspects": "review_id → aspect → positive / negative, as written",
    "fraud_ring": "ring accounts, shared devices and IPs, their window and fraud order ids",
    "pii_planted_count": "how many phones, e-mails and addresses were planted in free text",
    "pii_planted_samples": "some of those exact raw strings; none may reach the store",
    "search_gaps": "queries for products the shop does not sell (each a visit of one search "
                   "that finds nothing), and the one of them rising since the given day",
    "conversations": "support conversation id → its intent, the order it is about and the "
                     "item asked about (\"\" where none)",
}


def build_truth(config: DemoConfig, timeline: Timeline, persons: Persons, linked: np.ndarray,
                catalog: Catalog, season: np.ndarray, history: History, burst: Burst,
                ring: Ring, reviews: ReviewSet, pii: PiiLog,
                conversations: dict[str, dict[str, str]]) -> dict[str, object]:
    multi = persons.has_channel.sum(axis=1) >= 2
    person_truth = persons.truth(linked)
    ids = catalog.ids.tolist()
    fraud_orders = history.orders.ids[history.orders.fraud].tolist()
    truth: dict[str, object] = {
        "config": asdict(config),
        "window": {"start": timeline.day_iso(0), "end": timeline.day_iso(timeline.days - 1),
                   "days": timeline.days},
        "persons": person_truth,
        "unlinked_multi_channel": {
            pid: person_truth[pid]["accounts"] for pid in persons.ids[multi & ~linked].tolist()},
        "categories": {
            c.path: {"elasticity": c.elasticity, "season_peak_day_of_year": c.season[0],
                     "season_amplitude": c.season[1], "trend": trend(season[i])}
            for i, c in enumerate(CATEGORIES)},
        "weekly_factors": {d: round(float(f), 4) for d, f in zip(WEEKDAYS, WEEKLY, strict=True)},
        "season_formula": SEASON_FORMULA,
        "promotions": catalog.promotions,
        "item_quality": {ids[i]: QUALITIES[q] for i, q in enumerate(catalog.quality.tolist())},
        "aspect_weaknesses": {ids[i]: ASPECTS[catalog.weakness[i]]
                              for i in np.flatnonzero(catalog.weakness >= 0)},
        "cold_start_items": catalog.ids[catalog.cold].tolist(),
        "complaint_burst": burst_truth(burst, catalog, timeline),
        "review_aspects": reviews.aspects,
        "fraud_ring": ring_truth(ring, fraud_orders, timeline),
        "pii_planted_count": len(pii.values),
        "pii_planted_samples": pii.samples(),
        "search_gaps": gaps_truth(timeline),
        "conversations": conversations,
    }
    return truth
