"""Next-item recommendation for a person, from their cross-channel history, with the
business rules a shop needs and reasons a shopper can read.

The person's recent events are re-encoded on every call, so an event observed a moment ago
changes the next answer without retraining. A person with no history gets what is popular
on the requesting channel lately; an item with text but no events is recommendable through
its text vector (see train/cold_start.py). Given what each item's reviews say
(`ItemReviewSignals`), every answer carries it and a request may leave out items reviewers
are unhappy with (`Filters.min_review_positive`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from shopformer.core.errors import ConfigError, NotFittedError
from shopformer.data.sequences import build_sequences, gap_buckets
from shopformer.model.config import FIRST_ID, ObjectiveWeights
from shopformer.model.encoders.sequence import EventBatch
from shopformer.storage.base import Store
from shopformer.tasks.stock import in_stock
from shopformer.train.bundle import ShopModelBundle
from shopformer.train.config import PretrainConfig
from shopformer.train.pretrain import PretrainData, Pretrainer

if TYPE_CHECKING:
    from shopformer.tasks.reviews.signals import ItemReviewSignals

POPULAR_DAYS = 30
RETURNED = ("return", "refund")  # the person did not want the item
TIMELINE_COLUMNS = ["event_id", "ts", "item_id", "type", "channel"]


def next_item_training(**overrides: object) -> PretrainConfig:
    """Training settings for next-item recommendation: the next-event objective alone,
    a large sampled softmax (8,192 items + the batch's targets, log-Q corrected by each
    item's share of all training targets) and strong dropout, which sparse shop histories
    need. Chosen on Amazon Beauty's validation events (docs/benchmarks.md); every field can
    be overridden."""
    settings: dict[str, object] = {
        "objectives": ObjectiveWeights(masked_event=0.0, next_event=1.0, masked_language=0.0,
                                       text_item_alignment=0.0),
        "negatives": 8192, "logq_frequency": True, "dropout": 0.5, "learning_rate": 1e-3,
        "epochs": 1000, "patience": 5, "max_minutes": 30.0}
    settings.update(overrides)
    return PretrainConfig(**settings)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RecommendConfig:
    exclude_bought: bool = True
    rebuy_categories: tuple[str, ...] = ()  # bought items of these categories may come back
    # an item the person returned or was refunded for never comes back, whatever the
    # category: coffee beans are bought again, the bag sent back is not wanted
    exclude_returned: bool = True
    max_per_category: int | None = None  # diversity: at most this many items per category
    history_events: int = 50
    # Read every person's recent stored events in one pass at fit, so no request waits for
    # the store; persons who appear later are read on their first request and cached.
    preload_timelines: bool = True
    # Timelines read on request kept in memory (least recently asked dropped first); events
    # arriving later come in through `observe`.
    cached_persons: int = 100_000
    # A person without history gets what is popular lately on the asking channel (True), or
    # on every channel (False: one person asking from two channels gets the same order).
    popular_by_channel: bool = True

    def __post_init__(self) -> None:
        if self.cached_persons < 0:
            raise ConfigError("cached_persons must be >= 0 (0: read the store every time)")
        if self.max_per_category is not None and self.max_per_category < 1:
            raise ConfigError("max_per_category must be at least 1 (or None for no limit)")


@dataclass(frozen=True)
class Filters:
    category_prefix: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    exclude: frozenset[str] = frozenset()  # e.g. out of stock
    boosts: dict[str, float] = field(default_factory=dict)  # item_id → added score
    # Leave out items whose reviews read positive less often than this (the share shrunk
    # toward the shop's average, ItemReviewSignals); items without reviews stay in.
    min_review_positive: float | None = None

    def __post_init__(self) -> None:
        if self.min_review_positive is not None and not 0 <= self.min_review_positive <= 1:
            raise ConfigError("min_review_positive must be a share in [0, 1], got "
                              f"{self.min_review_positive}")


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    reasons: list[str]
    reviews: dict | None = None  # ItemReviewSignals.summary, when the recommender has them
    title: str | None = None  # the catalog's, so a list reads without a lookup


class Recommender:
    def __init__(self, config: RecommendConfig | None = None) -> None:
        self.config = config or RecommendConfig()

    def fit(self, store: Store, bundle: ShopModelBundle,
            training: PretrainConfig | None = None, show_progress: bool = False,
            reviews: ItemReviewSignals | None = None) -> Recommender:
        """Read the catalog and cache every item's vector from the shop model; with
        `training` (e.g. `next_item_training()`), first fine-tune the shop model on the
        store's histories for next-item prediction — the fine-tuned bundle is `bundle_`.
        With `reviews`, answers say what each item's reviews say and may be filtered by it."""
        if training is not None:
            bundle = self._fine_tune(store, bundle, training, show_progress)
        self.store_, self.bundle_, self.reviews_ = store, bundle, reviews
        bundle.model.eval()
        # numpy, contiguous: one matrix-vector product per request, no torch dispatch.
        self.item_vectors_ = np.ascontiguousarray(bundle.item_vectors().numpy())
        vocab = bundle.vocab
        catalog = store.read_table("item", ["item_id", "title", "category", "price", "channels",
                                            "attributes", "extra"])
        size = len(vocab.items)
        self.titles_ = [None] * size
        self.categories_ = [None] * size
        self.prices_ = np.full(size, np.nan)
        self.channels_: list[set[str] | None] = [None] * size
        self.in_stock_ = np.ones(size, bool)
        self.category_codes_ = np.full(size, "", dtype=object)
        self._take_items(catalog.to_pylist())
        self.review_positive_ = np.full(size, np.nan)  # NaN: no reviews
        self.review_summaries_ = {} if reviews is None else reviews.summaries()
        if self.review_summaries_:
            reviewed = list(self.review_summaries_)
            indices = vocab.items.lookup(reviewed)
            known = indices >= FIRST_ID
            self.review_positive_[indices[known]] = [
                reviews.positive[i] for i, ok in zip(reviewed, known, strict=True) if ok]
        norms = np.linalg.norm(self.item_vectors_, axis=1, keepdims=True)
        self.unit_vectors_ = self.item_vectors_ / np.maximum(norms, 1e-12)
        self._sold_on_cache: dict[str, np.ndarray] = {}
        self._category_cache: dict[str, np.ndarray] = {}
        self._popular_cache: dict[str | None, np.ndarray] = {}
        self._stored: OrderedDict[str, list[dict]] = OrderedDict()
        self.live_: dict[str, list[dict]] = {}
        self._timelines, self._timeline_rows = self._preload() if (
            self.config.preload_timelines) else (None, {})
        return self

    @staticmethod
    def _fine_tune(store: Store, bundle: ShopModelBundle, training: PretrainConfig,
                   show_progress: bool) -> ShopModelBundle:
        sequences = build_sequences(store, bundle.vocab)  # items new since pretraining: unknown
        if sequences.events == 0:
            raise ConfigError("the store holds no item events to fine-tune on")
        data = PretrainData(bundle.vocab, sequences, [], [])
        return Pretrainer(training).fit(data, show_progress=show_progress, initial=bundle)

    def _preload(self) -> tuple[pa.Table, dict[str, tuple[int, int]]]:
        """The last `history_events` item events of every person, columnar, with each
        person's row range: one ordered read instead of one query per first request."""
        columns = ["person_id", *TIMELINE_COLUMNS]
        batches = list(self.store_.read_batches("event", columns=columns,
                                                order_by=["person_id", "ts", "event_id"]))
        if not batches:
            return pa.table({c: [] for c in columns[1:]}), {}
        table = pa.Table.from_batches(batches)
        table = table.filter(pc.is_valid(table["item_id"]))
        persons = table["person_id"].to_numpy(zero_copy_only=False)
        change = np.flatnonzero(np.concatenate([[True], persons[1:] != persons[:-1]]))
        ends = np.append(change[1:], len(persons))
        counts = ends - change
        from_end = np.repeat(ends, counts) - np.arange(len(persons))  # 1 = the last event
        table = table.filter(pa.array(from_end <= self.config.history_events))
        kept = np.minimum(counts, self.config.history_events)
        starts = np.cumsum(kept) - kept
        rows = {str(person): (int(start), int(size)) for person, start, size
                in zip(persons[change], starts, kept, strict=True)}
        return table.drop_columns(["person_id"]), rows

    # --- live state ---------------------------------------------------------------------
    def set_stock(self, item_id: str, in_stock: bool) -> None:
        """Stock changed: an item out of stock is left out of every answer until it is back."""
        self._check()
        self.in_stock_[self._known_item(item_id)] = in_stock

    def update_items(self, items: list[dict]) -> int:
        """Catalog rows as now stored (title, category, price, channels, attributes, extra):
        the items the model knows take them at once — a price filter, a channel, a sold-out
        item left out. Returns how many it does not know yet (learned at the next training).
        """
        self._check()
        return self._take_items(items)

    def _take_items(self, items: list[dict]) -> int:
        """Each known item's catalog facts; returns how many items the model does not know."""
        indices = self.bundle_.vocab.items.lookup([str(row["item_id"]) for row in items])
        unknown = 0
        for index, row in zip(indices.tolist(), items, strict=True):
            if index < FIRST_ID:
                unknown += 1
                continue
            self.titles_[index] = row.get("title")
            self.categories_[index] = row.get("category")
            self.category_codes_[index] = row.get("category") or ""
            price = row.get("price")
            self.prices_[index] = np.nan if price is None else float(price)
            self.channels_[index] = set(row["channels"]) if row.get("channels") else None
            self.in_stock_[index] = in_stock(row.get("attributes"), row.get("extra"))
        return unknown

    def observe(self, person_id: str, event: dict) -> None:
        """An event that just happened (item_id, type, channel, ts): the next answer sees it."""
        self._check()
        if not event.get("item_id"):
            return
        moment = event.get("ts") or datetime.now(UTC)
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is not None:  # the store keeps naive UTC times
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        live = self.live_.setdefault(person_id, [])
        if event.get("event_id") and any(e.get("event_id") == event["event_id"] for e in live):
            return  # a retry of an event already seen
        live.append({**event, "ts": moment})
        del live[:-self.config.history_events]  # older ones can no longer be among the recent
        index = int(self.bundle_.vocab.items.lookup([event["item_id"]])[0])
        for channel, counts in self._popular_cache.items():  # the trend moves at once too
            if index >= FIRST_ID and channel in (None, event.get("channel")):
                counts[index] += 1

    def forget(self, person_id: str) -> None:
        """Drop everything held in memory about a person (after erasing them from the store)."""
        self._check()
        self.live_.pop(person_id, None)
        self._stored.pop(person_id, None)
        self._timeline_rows.pop(person_id, None)

    def history(self, person_id: str) -> list[dict]:
        """The person's recent events, stored and observed, oldest first."""
        self._check()
        preloaded = self._timeline_rows.get(person_id)
        stored = self._stored.get(person_id)
        if preloaded is not None:
            stored = self._timelines.slice(*preloaded).to_pylist()
        elif stored is None:
            stored = self.store_.person_timeline(person_id).select(TIMELINE_COLUMNS).to_pylist()
            if self.config.cached_persons:
                self._stored[person_id] = stored
                while len(self._stored) > self.config.cached_persons:
                    self._stored.popitem(last=False)
        else:
            self._stored.move_to_end(person_id)
        seen = {e["event_id"] for e in stored}
        live = [e for e in self.live_.get(person_id, []) if e.get("event_id") not in seen]
        events = [e for e in stored + live if e.get("item_id")]
        events.sort(key=lambda e: e["ts"])
        return events[-self.config.history_events:]

    # --- answers ------------------------------------------------------------------------
    def recommend(self, person_id: str, k: int = 10, channel: str | None = None,
                  filters: Filters | None = None) -> list[Recommendation]:
        self._check()
        if k < 1:
            raise ConfigError("k must be at least 1")
        filters = filters or Filters()
        history = self.history(person_id)
        scores = self._personal(history) if history else self._popular(
            channel if self.config.popular_by_channel else None)
        allowed = self._allowed(history, channel, filters)
        for item_id, boost in filters.boosts.items():
            index = int(self.bundle_.vocab.items.lookup([item_id])[0])
            if index >= FIRST_ID:
                scores[index] += boost
        scores = np.where(allowed, scores, -np.inf)
        chosen = self._diverse_top(scores, k)
        reasons = self._reasons(history, chosen, channel)
        ids = [self.bundle_.vocab.items.value(i) for i in chosen]
        said = [self.review_summaries_.get(item_id) for item_id in ids]
        return [Recommendation(item_id, float(scores[i]), why, summary, self.titles_[i])
                for item_id, i, why, summary in zip(ids, chosen, reasons, said, strict=True)]

    def person_scores(self, person_id: str) -> np.ndarray | None:
        """The shop model's score of every item (vocabulary order) for the person's recent
        history, stored and observed; None for a person without history. Search and ads
        read a person's live state through this."""
        self._check()
        history = self.history(person_id)
        return self._personal(history) if history else None

    def explain(self, person_id: str, item_id: str) -> list[str]:
        self._check()
        return self._reasons(self.history(person_id), [self._known_item(item_id)])[0]

    # --- inside -------------------------------------------------------------------------
    def _known_item(self, item_id: str) -> int:
        index = int(self.bundle_.vocab.items.lookup([item_id])[0])
        if index < FIRST_ID:
            raise ConfigError(f"unknown item {item_id!r}")
        return index

    def _personal(self, history: list[dict]) -> np.ndarray:
        vocab = self.bundle_.vocab
        items = vocab.items.lookup([e["item_id"] for e in history])
        types = vocab.types.lookup([e["type"] for e in history])
        channels = vocab.channels.lookup([e["channel"] for e in history])
        stamps = np.array([_seconds(e["ts"]) for e in history])
        gaps = gap_buckets(np.diff(stamps, prepend=stamps[:1]),
                           np.arange(len(stamps)) == 0)
        batch = EventBatch(*(torch.from_numpy(np.asarray(a, np.int64))[None]
                             for a in (items, types, channels, gaps)))
        model = self.bundle_.model  # in eval mode since fit
        # The history's item vectors come from the cache made at fit: the item encoder
        # would compute the same ones again.
        vectors = torch.from_numpy(self.item_vectors_[items])[None]
        with torch.inference_mode():
            state = model.last_state(batch, vectors)[0]
        return self.item_vectors_ @ state.numpy()

    def _popular(self, channel: str | None) -> np.ndarray:
        """Context-aware popularity: interactions on this channel in the last 30 days, read
        once per channel; events observed since then count too."""
        if channel not in self._popular_cache:
            self._popular_cache[channel] = self._count_recent(channel)
        return self._popular_cache[channel].copy()

    def _count_recent(self, channel: str | None) -> np.ndarray:
        events = self.store_.read_table("event", ["ts", "item_id", "channel"])
        size = len(self.bundle_.vocab.items)
        latest = pc.max(events["ts"]).as_py()
        if latest is None:
            return np.zeros(size)
        recent = pc.greater_equal(events["ts"], pa.scalar(latest - timedelta(days=POPULAR_DAYS),
                                                          events["ts"].type))
        if channel:
            recent = pc.and_(recent, pc.equal(events["channel"], channel))
        items = self.bundle_.vocab.items.index(events["item_id"].filter(recent.fill_null(False)))
        return np.bincount(items, minlength=size).astype(np.float64)

    def _allowed(self, history: list[dict], channel: str | None, filters: Filters
                 ) -> np.ndarray:
        allowed = np.ones(len(self.bundle_.vocab.items), bool)
        allowed[:FIRST_ID] = False
        if channel:
            allowed &= self._sold_on(channel)
        if filters.category_prefix:
            allowed &= self._in_category(filters.category_prefix)
        with np.errstate(invalid="ignore"):  # an unknown price (NaN) fails a price filter
            if filters.min_price is not None:
                allowed &= self.prices_ >= filters.min_price
            if filters.max_price is not None:
                allowed &= self.prices_ <= filters.max_price
        allowed &= self.in_stock_
        if filters.min_review_positive is not None:
            if self.reviews_ is None:
                raise ConfigError("min_review_positive needs what the items' reviews say: "
                                  "train a sentiment model (shopformer opinions) first")
            with np.errstate(invalid="ignore"):  # NaN (no reviews) is not below the floor
                allowed &= ~(self.review_positive_ < filters.min_review_positive)
        for item_id in filters.exclude:
            allowed[self.bundle_.vocab.items.lookup([item_id])] = False
        returned = RETURNED if self.config.exclude_returned else ()
        for event in history:
            if event["type"] in returned and event["item_id"]:
                allowed[self.bundle_.vocab.items.lookup([event["item_id"]])] = False
        if self.config.exclude_bought:
            for event in history:
                if event["type"] == "purchase":
                    index = int(self.bundle_.vocab.items.lookup([event["item_id"]])[0])
                    category = self.categories_[index] or ""
                    if not any(category.startswith(c) for c in self.config.rebuy_categories):
                        allowed[index] = False
        return allowed

    def _sold_on(self, channel: str) -> np.ndarray:
        """Items sold on `channel` (an item without a channel list is sold everywhere)."""
        if channel not in self._sold_on_cache:
            self._sold_on_cache[channel] = np.array(
                [sold is None or channel in sold for sold in self.channels_], bool)
        return self._sold_on_cache[channel]

    def _in_category(self, prefix: str) -> np.ndarray:
        if prefix not in self._category_cache:
            self._category_cache[prefix] = np.array(
                [code.startswith(prefix) for code in self.category_codes_], bool)
        return self._category_cache[prefix]

    def _diverse_top(self, scores: np.ndarray, k: int) -> list[int]:
        """The k best finite scores, at most `max_per_category` per category; equal scores
        in catalog order, so a rule that removes items never reorders the rest. Only a pool
        of the best scores is sorted; the whole catalog only if the pool runs short."""
        cap = self.config.max_per_category
        available = int(np.isfinite(scores).sum())
        pool = min(available, k if cap is None else 8 * k + 64)
        while True:
            if pool < len(scores):  # torch's top-k: about 6 × faster than argpartition
                best = torch.from_numpy(np.ascontiguousarray(scores)).topk(pool).indices.numpy()
                if best.size:  # items tied at the pool's edge: the first ones
                    lowest = scores[best].min()
                    tied = np.flatnonzero(scores == lowest)[:pool]
                    best = np.concatenate([best[scores[best] > lowest], tied])
                order = best[np.lexsort((best, -scores[best]))]
            else:
                order = np.argsort(-scores, kind="stable")
            chosen, per_category = [], {}
            for index in order:
                if not np.isfinite(scores[index]) or len(chosen) == k:
                    break
                category = self.categories_[index]
                if cap is not None and per_category.get(category, 0) >= cap:
                    continue
                per_category[category] = per_category.get(category, 0) + 1
                chosen.append(int(index))
            if len(chosen) == k or pool >= available:
                return chosen
            pool = available

    def _reasons(self, history: list[dict], indices: list[int], channel: str | None = None,
                 most: int = 2) -> list[list[str]]:
        """For each item, the past events whose items sit closest to it, in words."""
        if not history:  # popularity on the asking channel, or in the whole shop
            where = WHERE.get(channel, f"on {channel}") \
                if channel and self.config.popular_by_channel else "in the shop"
            return [[f"popular {where} lately"] for _ in indices]
        # one reason per past item: its latest event (a twice-viewed item is named once)
        latest_of = {e["item_id"]: e for e in history}
        history = sorted(latest_of.values(), key=lambda e: e["ts"])
        past = self.bundle_.vocab.items.lookup([e["item_id"] for e in history])
        similarity = self.unit_vectors_[past] @ self.unit_vectors_[indices].T  # (events, k)
        closest = np.argsort(-similarity, axis=0, kind="stable")[:most].T  # (k, most)
        latest = history[-1]["ts"]
        # the item itself, when its own past event is among them, is "it" (its title
        # stands beside the reason)
        return [[f"{_did(history[i]['type'], 'it' if past[i] == index else self._name(past[i]))}"
                 f" {_where(history[i]['channel'])} ({_when(history[i]['ts'], latest)})"
                 for i in row]
                for index, row in zip(indices, closest.tolist(), strict=True)]

    def _name(self, index: int) -> str:
        title = self.titles_[index]
        item_id = self.bundle_.vocab.items.value(index)
        return f"“{title}” ({item_id})" if title else str(item_id)

    def _check(self) -> None:
        if not hasattr(self, "bundle_"):
            raise NotFittedError("call Recommender.fit(store, bundle) first")


def _seconds(moment: datetime) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


DID = {"view": "you viewed {}", "click": "you clicked {}", "cart": "you added {} to your cart",
       "remove_cart": "you took {} out of your cart", "fav": "you saved {}",
       "purchase": "you bought {}", "checkout": "you checked out {}", "rate": "you rated {}",
       "review": "you reviewed {}", "return": "you returned {}", "refund": "you were refunded {}",
       "share": "you shared {}", "impression": "you were shown {}"}
WHERE = {"web": "on the web", "app": "in the app", "mini": "in the mini-program",
         "store": "in a store", "phone": "by phone", "catalog": "from the catalog"}


def _did(event_type: str, thing: str) -> str:
    """"you added it to your cart": it read "you added to cart it"."""
    return DID.get(event_type, f"you {event_type} {{}}").format(thing)


def _where(channel: str) -> str:
    return WHERE.get(channel, f"on {channel}")


def _when(moment: datetime, latest: datetime) -> str:
    """When, against the person's latest event: reasons are listed by closeness, not time,
    so "2 days before that" (it read so) had nothing to be before."""
    days = math.floor((_seconds(latest) - _seconds(moment)) / 86_400)
    return ("most recently" if days <= 0
            else f"{days} day{'s' * (days != 1)} before your latest visit")
