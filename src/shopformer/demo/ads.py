"""The demo shop's ad impression log, drawn from a planted rule the ad ranker should find
(`shopformer ads train`): where the ad is placed and what it promotes move the click rate,
the device and the price move conversion after a click."""

from __future__ import annotations

import numpy as np

from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.timeline import DAY, Timeline

AD_COLUMNS = ("impression_id", "shown_at", "ad_id", "campaign_id", "bid", "placement",
              "device", "category", "price", "clicked", "converted")
PLACEMENT_CTR_LIFT = {"top": 0.9, "feed": 0.2, "side": -0.6}  # logit of P(click)
DEVICE_CVR_LIFT = {"app": 0.7, "mini": 0.3, "web": -0.2}  # logit of P(convert | click)
CTR_BASE, CVR_BASE, CVR_PRICE = -2.6, -0.6, -0.5  # CVR_PRICE per unit of log price
IMPRESSIONS_PER_PERSON = 20
LAST_DAYS = 30  # the log covers the last days of the history


def build_ads(rng: np.random.Generator, catalog: Catalog, timeline: Timeline, persons: int
              ) -> tuple[list[tuple[str, ...]], dict]:
    """(rows of AD_COLUMNS, the planted rule for truth.json)."""
    n = IMPRESSIONS_PER_PERSON * persons
    items = rng.integers(0, len(catalog.ids), n)
    groups = sorted({c.group[1] for c in CATEGORIES})
    group = np.array([CATEGORIES[c].group[1] for c in catalog.category])[items]
    group_lift = dict(zip(groups, np.linspace(0.5, -0.5, len(groups)).round(2).tolist(),
                          strict=True))
    placements, devices = list(PLACEMENT_CTR_LIFT), list(DEVICE_CVR_LIFT)
    placement = np.array(placements)[rng.integers(0, len(placements), n)]
    device = np.array(devices)[rng.integers(0, len(devices), n)]
    first = max(0, timeline.days - LAST_DAYS) * DAY
    seconds = np.sort(rng.integers(first, timeline.end_second, n))
    price = catalog.base_price[items]
    ctr_logit = (CTR_BASE + np.vectorize(PLACEMENT_CTR_LIFT.get)(placement)
                 + np.vectorize(group_lift.get)(group))
    cvr_logit = (CVR_BASE + np.vectorize(DEVICE_CVR_LIFT.get)(device)
                 + CVR_PRICE * (np.log(price) - np.log(price).mean()))
    clicked = rng.uniform(size=n) < 1 / (1 + np.exp(-ctr_logit))
    converted = clicked & (rng.uniform(size=n) < 1 / (1 + np.exp(-cvr_logit)))
    bids = np.round(rng.uniform(0.2, 2.0, n), 2)
    rows = [(f"AI{k + 1:07d}", stamp, f"AD-{catalog.ids[i]}", f"CP-{g.split()[0].lower()}",
             f"{b:.2f}", p, d, g, f"{x:.2f}", str(int(c)), str(int(v)))
            for k, (stamp, i, g, b, p, d, x, c, v) in enumerate(zip(
                timeline.iso(seconds).tolist(), items.tolist(), group.tolist(),
                bids.tolist(), placement.tolist(), device.tolist(), price.tolist(),
                clicked.tolist(), converted.tolist(), strict=True))]
    truth = {"file": "ads.csv", "impressions": n, "clicks": int(clicked.sum()),
             "conversions": int(converted.sum()),
             "ctr_logit_lift": {"placement": PLACEMENT_CTR_LIFT, "category": group_lift},
             "cvr_logit_lift": {"device": DEVICE_CVR_LIFT,
                                "per_log_price": CVR_PRICE}}
    return rows, truth
