"""The searchable catalog: item fields as columns, filters as boolean masks, facets as
counts over the matching items."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.schema.records import top_category
from shopformer.tasks.search.analyze import without_tags

FIELDS = ("title", "brand", "category", "description", "attributes")


@dataclass(frozen=True)
class SearchFilters:
    category_prefix: str | None = None
    brands: frozenset[str] = frozenset()  # empty: any brand
    min_price: float | None = None
    max_price: float | None = None
    channel: str | None = None  # only items sold on this channel

    def __post_init__(self) -> None:
        if (self.min_price is not None and self.max_price is not None
                and self.min_price > self.max_price):
            raise ConfigError(f"min_price {self.min_price} is above max_price {self.max_price}")

    def priced(self, low: float | None, high: float | None) -> SearchFilters | None:
        """These filters inside a price range as well (the tighter limit of each side);
        None when the two leave no price."""
        if low is not None and self.min_price is not None:
            low = max(low, self.min_price)
        if high is not None and self.max_price is not None:
            high = min(high, self.max_price)
        low = self.min_price if low is None else low
        high = self.max_price if high is None else high
        if low is not None and high is not None and low > high:
            return None
        return replace(self, min_price=low, max_price=high)


class SearchCatalog:
    def __init__(self, items: Iterable[Mapping[str, object]]) -> None:
        rows = list(items)
        if not rows:
            raise ConfigError("the catalog is empty: there is nothing to search (ingest the "
                              "items first: a file of item_id, title, … with --kind item; "
                              "events name items, but only the catalog says what they are)")
        self.ids: list[str] = []
        self.texts: dict[str, list[str]] = {name: [] for name in FIELDS}
        prices, channels = [], []
        seen: set[str] = set()
        for number, row in enumerate(rows, start=1):
            item_id = row.get("item_id")
            if item_id is None or str(item_id) == "":
                raise InputError("item_id is missing", Location(row=number, field="item_id"))
            item_id = str(item_id)
            if item_id in seen:
                continue  # the first row of an item wins, as in the store
            seen.add(item_id)
            self.ids.append(item_id)
            for name in FIELDS:
                self.texts[name].append(without_tags(_text(row.get(name))))
            prices.append(_price(row.get("price"), number))
            sold = row.get("channels")
            channels.append(frozenset(sold) if sold else None)
        self.position = {item_id: i for i, item_id in enumerate(self.ids)}
        self.prices = np.array(prices, np.float64)
        self.channels = channels
        self.categories = np.array(self.texts["category"], dtype=object)
        self.brands = np.array([b.lower() for b in self.texts["brand"]], dtype=object)
        self._channel_masks: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def update(self, position: int, price: object, channels: object) -> None:
        """An item's new price and channels (the server's `POST /v1/items`); its price
        array is shared with the ranker's item table, so both see it."""
        self.prices[position] = _price(price, position + 1)
        self.channels[position] = frozenset(channels) if channels else None
        self._channel_masks = {}

    def allowed(self, filters: SearchFilters | None) -> np.ndarray | None:
        """Mask of items the filters let through; None when nothing is filtered."""
        if filters is None or filters == SearchFilters():
            return None
        mask = np.ones(len(self), bool)
        if filters.category_prefix:
            mask &= np.array([c.startswith(filters.category_prefix) for c in self.categories])
        if filters.brands:
            mask &= np.isin(self.brands, [b.lower() for b in filters.brands])
        with np.errstate(invalid="ignore"):  # an unknown price fails a price filter
            if filters.min_price is not None:
                mask &= self.prices >= filters.min_price
            if filters.max_price is not None:
                mask &= self.prices <= filters.max_price
        if filters.channel:
            mask &= self.sold_on(filters.channel)
        return mask

    def sold_on(self, channel: str) -> np.ndarray:
        if channel not in self._channel_masks:
            self._channel_masks[channel] = np.array(
                [sold is None or channel in sold for sold in self.channels], bool)
        return self._channel_masks[channel]

    def facets(self, items: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """Counts by top-level category, brand and price band among `items`."""
        top = Counter(top_category(str(c)) for c in self.categories[items] if c)
        brands = Counter(self.texts["brand"][i] for i in items if self.texts["brand"][i])
        bands = Counter(_band(p) for p in self.prices[items] if not math.isnan(p))
        return {"category": top.most_common(10), "brand": brands.most_common(10),
                "price": sorted(bands.items(), key=lambda kv: _band_start(kv[0]))}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return " ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, str) and value.startswith("{"):
        try:
            return _text(json.loads(value))
        except ValueError:
            return value
    return str(value)


def _price(value: object, row: int) -> float:
    if value is None or value == "":
        return math.nan
    try:
        price = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise InputError(f"price {value!r} is not a number",
                         Location(row=row, field="price")) from error
    if price < 0:
        raise InputError(f"price {price} is negative", Location(row=row, field="price"))
    return price


def _band(price: float) -> str:
    """Price bands by order of magnitude with 1-2-5 steps: 0-10, 10-20, 20-50, 50-100, …"""
    if price < 10:
        return "0-10"
    scale = 10 ** math.floor(math.log10(price))
    for low, high in ((1, 2), (2, 5), (5, 10)):
        if price < high * scale:
            return f"{low * scale:g}-{high * scale:g}"
    return f"{scale:g}-{10 * scale:g}"


def _band_start(band: str) -> float:
    return float(band.split("-")[0])
