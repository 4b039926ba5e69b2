"""The demo catalog: bilingual items with planted quality, weaknesses, promotions, cold starts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopformer.demo.categories import ASPECTS, CATEGORIES
from shopformer.demo.config import CHANNELS, DemoConfig
from shopformer.demo.timeline import Timeline

QUALITIES = ("good", "average", "bad")
_QUALITY_SHARES = (0.45, 0.40, 0.15)
_MODELS = ("", " Pro", " Lite", " Max", " Plus", " S", " 2026")
COLD_START_SHARE = 0.05  # new listings with no history: recommenders must still place them
WEAKNESS_SHARE = 0.08  # items whose reviews keep naming one aspect negatively
PROMOTED_SHARE = 0.35
DISCOUNTS = (0.10, 0.15, 0.20, 0.25, 0.30)
_PROTECTED_PER_CATEGORY = 2  # sold everywhere and never cold, so every channel can show each leaf


@dataclass(frozen=True)
class Catalog:
    ids: np.ndarray  # (I,) str, e.g. SKU00042
    category: np.ndarray  # (I,) index into CATEGORIES
    base_price: np.ndarray  # (I,)
    channels: np.ndarray  # (I, 4) bool, sold on that channel
    popularity: np.ndarray  # (I,) relative pull within its category, 0 for cold-start items
    cold: np.ndarray  # (I,) bool
    quality: np.ndarray  # (I,) index into QUALITIES
    weakness: np.ndarray  # (I,) index into ASPECTS, -1 for none
    price_factor: np.ndarray  # (I, D) share of the base price charged that day
    promotions: list[dict[str, object]]
    names: list[tuple[str, str]]  # (zh, en) short product names for review and chat texts
    records: list[dict[str, object]]  # rows of items.jsonl
    noun: np.ndarray  # (I,) which of its category's products it is (index into nouns)

    def price(self, item: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.round(self.base_price[item] * self.price_factor[item, day], 2)


def build_catalog(rng: np.random.Generator, config: DemoConfig, timeline: Timeline) -> Catalog:
    n = config.items
    counts = _category_counts(n)
    category = rng.permutation(np.repeat(np.arange(len(CATEGORIES)), counts))
    protected = _protected(category)
    channels = _channel_sets(rng, n, protected)
    cold = np.zeros(n, dtype=bool)
    n_cold = max(1, round(COLD_START_SHARE * n))
    cold[rng.choice(np.flatnonzero(~protected), n_cold, replace=False)] = True
    popularity = np.where(cold, 0.0, rng.lognormal(0.0, 0.8, n))
    quality = rng.choice(len(QUALITIES), n, p=_QUALITY_SHARES)
    weakness = _weaknesses(rng, category, cold)
    base_price = _base_prices(rng, category)
    ids = np.array([f"SKU{i + 1:05d}" for i in range(n)])
    price_factor, promotions = _promotions(rng, ids, cold, timeline)
    names, records, noun = _records(rng, ids, category, base_price, channels)
    return Catalog(ids, category, base_price, channels, popularity, cold, quality, weakness,
                   price_factor, promotions, names, records, noun)


def _category_counts(n: int) -> np.ndarray:
    weights = np.array([c.weight for c in CATEGORIES])
    target = weights / weights.sum() * n
    counts = np.maximum(3, np.floor(target).astype(int))
    while counts.sum() < n:
        counts[np.argmax(target - counts)] += 1
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    return counts


def _protected(category: np.ndarray) -> np.ndarray:
    protected = np.zeros(len(category), dtype=bool)
    for c in range(len(CATEGORIES)):
        protected[np.flatnonzero(category == c)[:_PROTECTED_PER_CATEGORY]] = True
    return protected


def _channel_sets(rng: np.random.Generator, n: int, protected: np.ndarray) -> np.ndarray:
    """Most items sell everywhere, ~12% online only, ~8% only in the physical stores."""
    draw = rng.random(n)
    channels = np.ones((n, len(CHANNELS)), dtype=bool)
    online_only = (draw >= 0.80) & (draw < 0.92) & ~protected
    store_only = (draw >= 0.92) & ~protected
    channels[online_only, 3] = False
    channels[store_only, :3] = False
    return channels


def _weaknesses(rng: np.random.Generator, category: np.ndarray, cold: np.ndarray) -> np.ndarray:
    weakness = np.full(len(category), -1)
    for i in np.flatnonzero((rng.random(len(category)) < WEAKNESS_SHARE) & ~cold):
        options = [a for a in CATEGORIES[category[i]].aspects if a not in ("quality", "price")]
        weakness[i] = ASPECTS.index(options[rng.integers(len(options))])
    return weakness


def _base_prices(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """Log-uniform inside the category's range, then shop-style endings (38.9, 1299)."""
    low = np.array([CATEGORIES[c].price_range[0] for c in category], dtype=float)
    high = np.array([CATEGORIES[c].price_range[1] for c in category], dtype=float)
    raw = np.exp(rng.uniform(np.log(low), np.log(high)))
    return np.where(raw < 100, np.round(raw) - 0.1, np.round(raw, -1) - 1)


def _promotions(rng: np.random.Generator, ids: np.ndarray, cold: np.ndarray,
                timeline: Timeline) -> tuple[np.ndarray, list[dict[str, object]]]:
    """10–30% discounts on random 3–10 day windows, at most one per half of the history, so
    windows never overlap and each day's price has one explanation."""
    days = timeline.days
    factor = np.ones((len(cold), days))
    promotions: list[dict[str, object]] = []
    half = days // 2
    for item in np.flatnonzero((rng.random(len(cold)) < PROMOTED_SHARE) & ~cold):
        halves = [(0, half)] + ([(half, days)] if rng.random() < 0.4 else [])
        for low, high in halves:
            length = int(rng.integers(3, 11))
            start = int(rng.integers(low, high - length))
            discount = float(DISCOUNTS[rng.integers(len(DISCOUNTS))])
            factor[item, start:start + length] = 1 - discount
            promotions.append({"item_id": str(ids[item]), "start": timeline.day_iso(start),
                               "end": timeline.day_iso(start + length - 1),
                               "discount": discount})
    return factor, promotions


def _records(rng: np.random.Generator, ids: np.ndarray, category: np.ndarray,
             base_price: np.ndarray, channels: np.ndarray
             ) -> tuple[list[tuple[str, str]], list[dict[str, object]], np.ndarray]:
    names: list[tuple[str, str]] = []
    records: list[dict[str, object]] = []
    nouns = np.empty(len(ids), dtype=np.int64)
    for i, item_id in enumerate(ids.tolist()):
        spec = CATEGORIES[category[i]]
        nouns[i] = rng.integers(len(spec.nouns))
        noun_zh, noun_en = spec.nouns[nouns[i]]
        brand_zh, brand_en = spec.brands[rng.integers(len(spec.brands))]
        model = _MODELS[rng.integers(len(_MODELS))]
        feature_zh, feature_en = spec.features[rng.integers(len(spec.features))]
        attributes = {name: values[rng.integers(len(values))]
                      for name, values in spec.attributes.items()}
        names.append((f"{noun_zh}{model}", f"{noun_en}{model}"))
        records.append({
            "item_id": item_id,
            "title": f"{brand_zh}{noun_zh}{model} {brand_en} {noun_en}{model}",
            "description": f"{brand_zh}{noun_zh}，{feature_zh}。"
                           f"{brand_en} {noun_en}: {feature_en}.",
            "category": spec.path,
            "brand": f"{brand_zh} {brand_en}",
            "price": float(base_price[i]),
            "attributes": attributes,
            "channels": [CHANNELS[c] for c in np.flatnonzero(channels[i])],
        })
    return names, records, nouns
