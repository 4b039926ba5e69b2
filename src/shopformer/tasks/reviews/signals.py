"""Review signals for other tasks: per item, how positive its reviews are overall and per
aspect — features for the search ranker, a rule and a summary for recommendations.

Shares are shrunk toward the shop's own average (a Beta prior worth `prior_reviews`
reviews), so one glowing review does not make an item the best in the shop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.stats import binom

from shopformer.storage.base import Store
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.domains import review_domains
from shopformer.tasks.reviews.products import CatalogProducts, reviewed_keys

ITEM_BATCH = 2048
# An aspect is named an item's weak point only on evidence: so few of its mentions are
# positive that, at the shop's own positive share for that aspect, so few or fewer would
# happen less often than this (an exact one-sided binomial test). One complaint is not it.
WEAK_P_VALUE = 0.05


@dataclass
class ItemReviewSignals:
    aspects: tuple[str, ...]
    reviews: dict[str, int] = field(default_factory=dict)
    positive: dict[str, float] = field(default_factory=dict)  # shrunk positive share
    aspect_positive: dict[str, dict[str, float]] = field(default_factory=dict)
    aspect_mentions: dict[str, dict[str, int]] = field(default_factory=dict)
    aspect_negatives: dict[str, dict[str, int]] = field(default_factory=dict)

    def features(self, item_ids: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """(len(item_ids), F) and the F names: log reviews, positive share, and per aspect
        its shrunk positive share (the shop's average where an item has no mention)."""
        names = ["review_count", "review_positive",
                 *(f"aspect_{a}_positive" for a in self.aspects)]
        out = np.zeros((len(item_ids), len(names)), np.float32)
        base = self.positive.get("", 0.5)
        for row, item in enumerate(item_ids):
            out[row, 0] = np.log1p(self.reviews.get(item, 0))
            out[row, 1] = self.positive.get(item, base)
            shares = self.aspect_positive.get(item, {})
            for col, aspect in enumerate(self.aspects, start=2):
                out[row, col] = shares.get(aspect, self.aspect_positive[""].get(aspect, base))
        return out, names

    def summary(self, item_id: str) -> dict | None:
        """What an item's reviews say, for a person reading an answer (`summaries`)."""
        return self.summaries().get(item_id)

    def summaries(self) -> dict[str, dict]:
        """Per reviewed item: the number of reviews, the shrunk positive share, and the
        aspect read least positively among those its reviews show to be worse than the
        shop's average for that aspect (WEAK_P_VALUE). Made once, with one binomial test
        over every (item, aspect) pair, so an answer only looks them up."""
        return self._summary_table

    @cached_property
    def _summary_table(self) -> dict[str, dict]:
        average = self.aspect_positive.get("", {})
        pairs = [(item, aspect, seen, self.aspect_negatives.get(item, {}).get(aspect, 0))
                 for item, mentions in self.aspect_mentions.items()
                 for aspect, seen in mentions.items() if seen]
        seen = np.array([p[2] for p in pairs], dtype=np.int64)
        bad = np.array([p[3] for p in pairs], dtype=np.int64)
        shop = np.array([average.get(p[1], self.positive.get("", 0.5)) for p in pairs])
        weak = binom.cdf(seen - bad, seen, shop) < WEAK_P_VALUE if pairs else []
        below: dict[str, dict[str, float]] = {}
        for (item, aspect, *_), is_weak in zip(pairs, weak, strict=True):
            if is_weak:
                below.setdefault(item, {})[aspect] = self.aspect_positive[item][aspect]
        out = {}
        for item, count in self.reviews.items():
            if not item or not count:
                continue
            out[item] = {"reviews": count, "positive": round(self.positive[item], 3)}
            if item in below:
                weakest = min(below[item], key=below[item].get)
                out[item]["weakest_aspect"] = {
                    "aspect": weakest, "positive": round(below[item][weakest], 3),
                    "mentions": self.aspect_mentions[item][weakest]}
        return out

    def to_dict(self) -> dict:
        """Plain JSON-able fields, for a workspace's cache (`from_dict` reads them back)."""
        return {"aspects": list(self.aspects), "reviews": self.reviews,
                "positive": self.positive, "aspect_positive": self.aspect_positive,
                "aspect_mentions": self.aspect_mentions,
                "aspect_negatives": self.aspect_negatives}

    @classmethod
    def from_dict(cls, values: dict) -> ItemReviewSignals:
        return cls(tuple(values["aspects"]), values["reviews"], values["positive"],
                   values["aspect_positive"], values["aspect_mentions"],
                   values["aspect_negatives"])

    def for_ranking(self) -> dict[str, tuple[float, float, float]]:
        """item → (reviews, positive share, positive share of its worst aspect), the form
        `SearchRanker.index(reviews=…)` takes; "" holds the shop-wide defaults."""
        base = self.positive.get("", 0.5)
        out = {"": (0.0, base, base)}
        for item, count in self.reviews.items():
            shares = self.aspect_positive.get(item, {})
            out[item] = (float(count), self.positive[item],
                         min(shares.values()) if shares else self.positive[item])
        return out


def item_review_signals(store: Store, analyzer: ReviewAnalyzer, prior_reviews: float = 5.0
                        ) -> ItemReviewSignals:
    """Signals of every reviewed item in the store ("" holds the shop-wide averages)."""
    table = store.read_table("review", ["item_id", "text", "extra"])
    products = CatalogProducts.of(store)
    items = reviewed_keys(products, table["item_id"].to_pylist(), table["extra"].to_pylist())
    texts = table["text"].to_pylist()
    keep = [n for n, (i, t) in enumerate(zip(items, texts, strict=True)) if i and t]
    domains = review_domains(products, items)
    aspects = tuple(analyzer.lexicon.config.aspects)
    positive: dict[str, list[float]] = {}  # per item or product reviewed
    by_aspect: dict[str, dict[str, list[float]]] = {}
    for begin in range(0, len(keep), ITEM_BATCH):
        rows = keep[begin:begin + ITEM_BATCH]
        opinions = analyzer.analyze([texts[n] for n in rows], with_rating=False,
                                    domains=[domains[n] for n in rows])
        for n, opinion in zip(rows, opinions, strict=True):
            positive.setdefault(items[n], []).append(opinion.probability >= 0.5)
            for aspect, p in opinion.aspects().items():
                by_aspect.setdefault(items[n], {}).setdefault(aspect, []).append(p >= 0.5)
    signals = ItemReviewSignals(aspects)
    everything = [v for values in positive.values() for v in values]
    base = float(np.mean(everything)) if everything else 0.5
    signals.positive[""] = base
    aspect_base = {a: _mean([v for item in by_aspect.values() for v in item.get(a, [])], base)
                   for a in aspects}
    signals.aspect_positive[""] = aspect_base
    positive, by_aspect = _per_item(positive, by_aspect, products)
    for item, values in positive.items():
        signals.reviews[item] = len(values)
        signals.positive[item] = _shrunk(values, base, prior_reviews)
        mentions = by_aspect.get(item, {})
        signals.aspect_mentions[item] = {a: len(v) for a, v in mentions.items()}
        signals.aspect_negatives[item] = {a: len(v) - sum(v) for a, v in mentions.items()}
        signals.aspect_positive[item] = {a: _shrunk(v, aspect_base.get(a, base), prior_reviews)
                                         for a, v in mentions.items()}
    return signals


def _per_item(positive: dict[str, list[float]], by_aspect: dict[str, dict[str, list[float]]],
              products: CatalogProducts) -> tuple[dict, dict]:
    """Reviews per item or product → per item: a product's reviews are each variant's, on
    top of the variant's own."""
    items: dict[str, list[float]] = {}
    aspects: dict[str, dict[str, list[float]]] = {}
    for key, values in positive.items():
        for item in products.items_of(key):
            items.setdefault(item, []).extend(values)
            for aspect, said in by_aspect.get(key, {}).items():
                aspects.setdefault(item, {}).setdefault(aspect, []).extend(said)
    return items, aspects


def _shrunk(values: list[bool], prior: float, weight: float) -> float:
    return float((sum(values) + prior * weight) / (len(values) + weight))


def _mean(values: list[bool], default: float) -> float:
    return float(np.mean(values)) if values else default
