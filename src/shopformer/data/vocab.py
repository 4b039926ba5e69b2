"""Id vocabularies: the shop's item ids, categories, event types and channels as indices.

Index 0 is padding and 1 is "masked or unknown" in every vocabulary, so an id the model has
never seen still has a place to go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.schema.records import EVENT_TYPES
from shopformer.storage.base import Store

PAD, UNKNOWN, FIRST_ID = 0, 1, 2
PRICE_BUCKETS = 16  # 0 pad, 1 unknown price, 2..15 price quantiles


@dataclass
class IdVocabulary:
    values: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = {value: i + FIRST_ID for i, value in enumerate(self.values)}

    def __len__(self) -> int:
        """Size including the two reserved indices."""
        return len(self.values) + FIRST_ID

    def index(self, values: pa.Array | list[str | None]) -> np.ndarray:
        """Indices for ids; unknown ids map to UNKNOWN, missing ones to PAD."""
        array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        encoded = pc.dictionary_encode(array)
        lookup = np.array([self._index.get(v, UNKNOWN) for v in
                           encoded.dictionary.to_pylist()] or [UNKNOWN], dtype=np.int64)
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        valid = pc.is_valid(array).to_numpy(zero_copy_only=False)
        return np.where(valid, lookup[np.nan_to_num(indices, nan=0).astype(np.int64)], PAD)

    def lookup(self, values: list[str | None]) -> np.ndarray:
        """`index` for a handful of ids (a person's history, one request): a dict lookup,
        without the columnar round trip that pays off only for long arrays."""
        return np.array([PAD if v is None else self._index.get(v, UNKNOWN) for v in values],
                        dtype=np.int64)

    def value(self, index: int) -> str | None:
        return self.values[index - FIRST_ID] if index >= FIRST_ID else None


@dataclass
class ShopVocabulary:
    items: IdVocabulary
    categories: IdVocabulary
    types: IdVocabulary
    channels: IdVocabulary
    price_edges: list[float]  # quantile edges for price buckets
    item_category: list[int]  # per item index
    item_price: list[int]  # per item index: price bucket

    @classmethod
    def build(cls, store: Store) -> ShopVocabulary:
        """Items from the catalog and from events (an item may be known by behaviour only)."""
        catalog = store.read_table("item", ["item_id", "category", "price"])
        events = store.read_table("event", ["item_id", "channel"])
        item_ids = sorted(set(catalog["item_id"].to_pylist())
                          | set(v for v in events["item_id"].to_pylist() if v is not None))
        categories = sorted({c for c in catalog["category"].to_pylist() if c})
        channels = sorted({c for c in events["channel"].to_pylist() if c})
        prices = np.array([p for p in catalog["price"].to_pylist() if p is not None], float)
        edges = (np.quantile(prices, np.linspace(0, 1, PRICE_BUCKETS - 1)[1:-1]).tolist()
                 if len(prices) else [])
        vocab = cls(IdVocabulary(item_ids), IdVocabulary(categories),
                    IdVocabulary(sorted(EVENT_TYPES)), IdVocabulary(channels), edges, [], [])
        vocab._fill_item_side(catalog)
        return vocab

    def _fill_item_side(self, catalog: pa.Table) -> None:
        category = np.zeros(len(self.items), np.int64)
        price = np.zeros(len(self.items), np.int64)
        if catalog.num_rows:
            rows = self.items.index(catalog["item_id"])
            category[rows] = self.categories.index(catalog["category"])
            price[rows] = self.price_bucket(catalog["price"].to_numpy(zero_copy_only=False))
        self.item_category, self.item_price = category.tolist(), price.tolist()

    def price_bucket(self, prices: np.ndarray) -> np.ndarray:
        prices = np.asarray(prices, dtype=float)
        buckets = np.searchsorted(np.array(self.price_edges), prices) + FIRST_ID
        return np.where(np.isnan(prices), UNKNOWN, buckets)

    def save(self, path: Path) -> None:
        data = {"items": self.items.values, "categories": self.categories.values,
                "types": self.types.values, "channels": self.channels.values,
                "price_edges": self.price_edges, "item_category": self.item_category,
                "item_price": self.item_price}
        path.write_text(json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> ShopVocabulary:
        data = json.loads(path.read_text())
        return cls(IdVocabulary(data["items"]), IdVocabulary(data["categories"]),
                   IdVocabulary(data["types"]), IdVocabulary(data["channels"]),
                   data["price_edges"], data["item_category"], data["item_price"])

