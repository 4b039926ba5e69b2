"""Reviews with planted sentiment: item quality drives the rating, the rating drives each
aspect's polarity, a planted weakness keeps coming back negative, and the complaint burst
floods one item on one day with late-delivery complaints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopformer.demo.behaviour import BURST, ORGANIC
from shopformer.demo.burst import Burst
from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import ASPECTS, CATEGORIES
from shopformer.demo.config import CHANNELS, STORE, DemoConfig
from shopformer.demo.events import History
from shopformer.demo.persons import LANGUAGES
from shopformer.demo.pii import PiiLog, sentence
from shopformer.demo.texts import review_text
from shopformer.demo.timeline import DAY, Timeline
from shopformer.schema.records import REVIEW

# the demo's reviews have stars and items in the catalog: no polarity flag, no own category
REVIEW_COLUMNS = tuple(n for n in REVIEW.names if n not in ("polarity", "category"))
RATING_SHARES = np.array([[0.01, 0.02, 0.07, 0.30, 0.60],  # good
                          [0.05, 0.10, 0.30, 0.35, 0.20],  # average
                          [0.30, 0.30, 0.20, 0.12, 0.08]])  # bad
POSITIVE_GIVEN_RATING = (0.05, 0.2, 0.5, 0.8, 0.95)  # rating 1..5
WEAKNESS_MENTION = 0.6
PII_SHARE = 0.03  # of reviews, exactly (rounded), so the scrubber's work is known


@dataclass(frozen=True)
class ReviewSet:
    rows: list[dict[str, object]]
    aspects: dict[str, dict[str, str]]  # review_id -> aspect -> positive / negative


def build_reviews(rng: np.random.Generator, history: History, catalog: Catalog,
                  timeline: Timeline, config: DemoConfig, burst: Burst, pii: PiiLog
                  ) -> ReviewSet:
    bought = history.purchases
    kind = history.sessions.kind[bought.session]
    organic = np.flatnonzero((kind == ORGANIC) & (rng.random(len(kind)) < config.review_rate))
    organic_t = (bought.t[organic] + rng.integers(1, 11, len(organic)) * DAY
                 + rng.integers(-6 * 3600, 6 * 3600, len(organic)))
    late = np.flatnonzero(kind == BURST)
    late_t = burst.day * DAY + rng.integers(8 * 3600, 23 * 3600, len(late))
    purchase = np.concatenate([organic, late])
    t = np.concatenate([organic_t, late_t])
    keep = t < timeline.end_second  # a review written after the history ends is not in it
    purchase, t = purchase[keep], t[keep]
    order = np.argsort(t, kind="stable")
    purchase, t = purchase[order], t[order]
    stamps = timeline.iso(t).tolist()
    with_pii = set(rng.choice(len(t), round(PII_SHARE * len(t)), replace=False).tolist())
    rows: list[dict[str, object]] = []
    aspects: dict[str, dict[str, str]] = {}
    for n, b in enumerate(purchase.tolist()):
        session = bought.session[b]
        language = LANGUAGES[history.sessions.language[session]]
        item = int(bought.item[b])
        if history.sessions.kind[session] == BURST:
            rating, said = _late_delivery(rng)
        else:
            rating, said = _opinion(rng, catalog, item, history.sessions.channel[session])
        text = review_text(rng, language, said, rating)
        if n in with_pii:
            text += ("，" if language == "zh" else " ") + sentence(rng, language, pii)
        review_id = f"RV{n + 1:06d}"
        rows.append({"review_id": review_id, "item_id": str(catalog.ids[item]),
                     "account": str(history.sessions.account[session]),
                     "channel": CHANNELS[history.sessions.channel[session]],
                     "ts": stamps[n], "rating": rating, "text": text})
        aspects[review_id] = {a: "positive" if good else "negative" for a, good in said}
    return ReviewSet(rows, aspects)


def _late_delivery(rng: np.random.Generator) -> tuple[int, list[tuple[str, bool]]]:
    said = [("logistics", False)]
    if rng.random() < 0.4:
        said.append(("service", False))
    return int(rng.choice([1, 2], p=[0.6, 0.4])), said


def _opinion(rng: np.random.Generator, catalog: Catalog, item: int, channel: int
             ) -> tuple[int, list[tuple[str, bool]]]:
    """Nobody bought in a store talks about the courier."""
    rating = 1 + int(rng.choice(5, p=RATING_SHARES[catalog.quality[item]]))
    said: list[tuple[str, bool]] = []
    weak = ASPECTS[catalog.weakness[item]] if catalog.weakness[item] >= 0 else None
    shipped = channel != STORE
    if weak and (shipped or weak != "logistics") and rng.random() < WEAKNESS_MENTION:
        said.append((weak, False))
        rating = max(1, rating - 1)
    others = [a for a in CATEGORIES[catalog.category[item]].aspects
              if a != weak and (shipped or a != "logistics")]
    picked = rng.choice(len(others), 1 + int(rng.random() < 0.5), replace=False)
    positive_share = POSITIVE_GIVEN_RATING[rating - 1]
    said.extend((others[i], bool(rng.random() < positive_share)) for i in picked)
    return rating, [said[i] for i in rng.permutation(len(said))]
