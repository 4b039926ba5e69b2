"""Search latency over a synthetic 100,000-item catalog on one core: `SearchRanker.search`
end to end (query understanding, retrieval, features, ranker), after a short fit.

    python benchmarks/search_latency.py
"""

from __future__ import annotations

import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from shopformer.tasks.search.ranker import Judgment, SearchConfig, SearchRanker

BRANDS = [f"brand{i}" for i in range(400)]
TYPES = ["drill", "saw", "lamp", "faucet", "paint", "hose", "mower", "shelf", "rug", "fan",
         "heater", "sink", "door", "window", "tile", "light", "bulb", "vanity", "grill",
         "ladder", "toilet", "cabinet", "mirror", "blind", "curtain", "pump", "valve",
         "bracket", "hinge", "lock", "kettle", "pan", "chair", "table", "desk", "bed",
         "pillow", "towel", "basket", "charger"]
WORDS = ["cordless", "stainless", "steel", "white", "black", "bronze", "brushed", "nickel",
         "oak", "pine", "outdoor", "indoor", "led", "solar", "electric", "gas", "portable",
         "heavy", "duty", "compact", "mini", "large", "round", "square", "vintage", "modern",
         "classic", "waterproof", "adjustable", "folding", "wireless", "smart", "digital",
         "ceramic", "glass", "plastic", "wood", "metal", "copper", "chrome"]


def synthetic_catalog(items: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(items):
        words = rng.choice(WORDS, 3, replace=False)
        size = f"{rng.integers(1, 60)} in."
        title = (f"{rng.choice(BRANDS)} {' '.join(words)} {rng.choice(TYPES)} {size} "
                 f"model {rng.integers(100, 999)}")
        rows.append({"item_id": f"i{i}", "title": title, "price": float(rng.integers(5, 500)),
                     "category": f"home/{rng.choice(TYPES)}"})
    return rows


def queries_for(rows: list[dict], count: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for index in rng.integers(0, len(rows), count):
        words = rows[index]["title"].split()
        chosen = sorted(rng.choice(len(words) - 2, 3, replace=False))
        out.append((" ".join(words[i] for i in chosen), rows[index]["item_id"]))
    return out


def run(items: int = 100_000, calls: int = 500) -> dict:
    rows = synthetic_catalog(items)
    started = time.time()
    engine = SearchRanker(SearchConfig(epochs=3)).index(rows)
    engine.fit([Judgment(q, item, 3.0) for q, item in queries_for(rows, 1000, 1)])
    fitted = time.time() - started
    asked = [q for q, _ in queries_for(rows, calls, 2)]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            for query in asked[:20]:  # warm caches, as a running server would be
                engine.search(query)
            times = []
            for query in asked:
                start = time.perf_counter()
                engine.search(query, k=10)
                times.append((time.perf_counter() - start) * 1000)
    finally:
        torch.set_num_threads(before)
    return {"items": items, "calls": calls, "fit_seconds": round(fitted, 1),
            "search_ms_p50": round(float(np.percentile(times, 50)), 2),
            "search_ms_p99": round(float(np.percentile(times, 99)), 2)}


def describe(timing: dict) -> str:
    return (f"Latency: `SearchRanker.search` over a synthetic catalog of {timing['items']:,} "
            f"items, one core, {timing['calls']} queries of three title words: p50 "
            f"{timing['search_ms_p50']} ms, p99 {timing['search_ms_p99']} ms (target p99 ≤ "
            f"30 ms).")


if __name__ == "__main__":
    print(run())
