"""Where each demo order is: paid, shipped, delivered, collected in a store or cancelled,
with carrier, tracking number and times — the columns a shop's order export carries
beside the order record (they are ingested into the order's `extra`)."""

from __future__ import annotations

import numpy as np

from shopformer.demo.config import CHANNELS
from shopformer.demo.events import History
from shopformer.demo.timeline import Timeline

FULFILMENT_COLUMNS = ("status", "shipped_at", "delivered_at", "expected_delivery", "carrier",
                      "tracking")
CARRIERS = (("SF Express", "SF"), ("ZTO Express", "ZT"), ("YTO Express", "YT"),
            ("JD Logistics", "JD"))
HOUR, DAY = 3600, 86400


def fulfilment_columns(rng: np.random.Generator, history: History, timeline: Timeline
                       ) -> list[tuple[str, ...]]:
    """One row of FULFILMENT_COLUMNS per order, in the orders' order; "" where unknown."""
    orders, sessions = history.orders, history.sessions
    n = len(orders.ids)
    store = np.array(CHANNELS)[sessions.channel[orders.session]] == "store"
    shipped = orders.t + rng.integers(4 * HOUR, 30 * HOUR, n)
    delivered = shipped + rng.integers(1 * DAY, 4 * DAY, n)
    carrier = rng.integers(len(CARRIERS), size=n)
    tracking = rng.integers(10**11, 10**12, n)
    end = timeline.end_second
    stamps = {"order": timeline.iso(orders.t), "shipped": timeline.iso(shipped),
              "delivered": timeline.iso(delivered)}
    rows = []
    for i in range(n):
        name, prefix = CARRIERS[carrier[i]]
        parcel = (name, f"{prefix}{tracking[i]}")
        if orders.fraud[i]:
            rows.append(("cancelled", "", "", "", "", ""))
        elif store[i]:
            rows.append(("collected in store", "", str(stamps["order"][i]), "", "", ""))
        elif shipped[i] >= end:
            rows.append(("paid, awaiting shipment", "", "", "", "", ""))
        elif delivered[i] >= end:
            rows.append(("shipped", str(stamps["shipped"][i]), "",
                         str(stamps["delivered"][i])[:10], *parcel))
        else:
            rows.append(("delivered", str(stamps["shipped"][i]), str(stamps["delivered"][i]),
                         "", *parcel))
    return rows
