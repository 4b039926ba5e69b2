"""Which catalog items a review is about: a review of a product is a review of each of its
variants.

A shop's catalog holds variants (a shirt in M and in L, each with its own SKU: Shopify's
products export, a Taobao SKU list), while review apps name the product: Judge.me's export
says `product_handle` and `product_id`, not the SKU. Such reviews named no item, so the
shirt's reviews said nothing beside its recommendations, its search results or support's
answers, and the category-aware sentiment read them without their category.

Each item's `extra` may name its product (Shopify's `handle`, a webhook's `product_id`,
Google's `item_group_id`, a Chinese export's `款号` / SPU). A review is then about the first
of these that the catalog knows: its `item_id` as an item, its `item_id` as a product, or
a product named in the review's own `extra` (Judge.me's `product_handle` beside its
`product_id`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shopformer.ingest.header_names import normalized_name
from shopformer.schema.records import json_object
from shopformer.storage.base import Store

# Column names (as `normalized_name` writes them) that name an item's product.
PRODUCT_NAMES = ("handle", "producthandle", "productid", "parentid", "parentsku", "itemgroupid",
                 "groupid", "spu", "spuid", "spu编码", "款号", "产品id")


@dataclass(frozen=True)
class CatalogProducts:
    items: Mapping[str, Mapping[str, str | None]]  # item → {"category", "brand", "title"}
    variants: Mapping[str, tuple[str, ...]]  # product → its items

    @classmethod
    def of(cls, store: Store) -> CatalogProducts:
        table = store.read_table("item", ["item_id", "category", "brand", "title", "extra"])
        items: dict[str, dict[str, str | None]] = {}
        variants: dict[str, list[str]] = {}
        for item, category, brand, title, extra in zip(
                *(table[c].to_pylist() for c in table.column_names), strict=True):
            items[item] = {"category": category, "brand": brand, "title": title}
            for product in _products_named(json_object(extra)):
                if product != item:
                    variants.setdefault(product, []).append(item)
        # an id that is an item's own is that item, not a product
        return cls(items, {p: tuple(v) for p, v in variants.items() if p not in items})

    def reviewed(self, item_id: str | None, extra: object = None) -> str | None:
        """The item or product a review is about (its `item_id` when the catalog knows
        neither)."""
        if item_id in self.items or item_id in self.variants:
            return item_id
        for product in _products_named(json_object(extra)):
            if product in self.items or product in self.variants:
                return product
        return item_id

    def items_of(self, key: str) -> tuple[str, ...]:
        """The catalog items a reviewed key stands for: a product's variants, else itself."""
        return self.variants.get(key, (key,))

    def field(self, key: str | None, name: str) -> str | None:
        """An item's category, brand or title; a product's from its variants (its title
        what their titles share: "Linen Shirt - M / White" and "… - L / White" are the
        "Linen Shirt")."""
        if key is None:
            return None
        if key in self.items:
            return self.items[key][name]
        values = [self.items[i][name] for i in self.variants.get(key, ()) if self.items[i][name]]
        if name == "title" and len(values) > 1:
            return _shared_title(values) or values[0]
        return values[0] if values else None


def reviewed_keys(products: CatalogProducts, items: Sequence[str | None],
                  extras: Sequence[object]) -> list[str | None]:
    """Each review's item or product (`CatalogProducts.reviewed`)."""
    return [products.reviewed(item, extra) for item, extra in zip(items, extras, strict=True)]


def _products_named(extra: Mapping[str, object]) -> list[str]:
    out = []
    for name, value in extra.items():
        if normalized_name(name) in PRODUCT_NAMES and value not in (None, ""):
            out.append(str(value).strip())
    return out


def _shared_title(titles: Sequence[str]) -> str:
    """The titles' common beginning, cut back to a whole word and stripped of separators."""
    prefix = os.path.commonprefix(list(titles))  # noqa: RUF071 (characters, not paths)
    cut_in_a_word = prefix[-1:].isalnum() and any(
        title[len(prefix):len(prefix) + 1].isalnum() for title in titles)
    if cut_in_a_word and prefix.isascii():  # Chinese has no spaces to cut back to
        prefix = prefix.rsplit(" ", 1)[0] if " " in prefix else ""
    return prefix.rstrip(" -–—/|,:(（")
