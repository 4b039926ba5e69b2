"""Shopify's products export (`products_export.csv`): an item per variant.

Shopify writes a row per variant and per extra image, the product's own fields (Title, Body
(HTML), Vendor, Product Category, Type, Tags, Status) on its first row only: the second
variant of a shirt had no title, and an image's row no SKU, so the ingest stopped at
"item_id: required field is empty". Here every variant row is an item with its product's
fields: `item_id` its Variant SKU (a variant without one: the product's handle, with its
option values when the product has several variants), `title` the product's title with the
variant's option values ("Linen Shirt - M / White", as Shopify names an order's line),
`description` the Body (HTML), `brand` the Vendor, `category` the Product Category (else
the Type), `price` the Variant Price, and the options as `attributes` ({"Size": "M",
"Color": "White"}). The stock (Variant Inventory Qty, as `stock`), the compare-at price,
barcode, tags, status, handle and the product's first image stay in `extra`. Rows of an
extra image alone are no item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.readers import BATCH_ROWS, read_chunks
from shopformer.ingest.source import RawBatch

_PRODUCT = ("Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Status",
            "Published", "Image Src", "Product ID")
_VARIANT_EXTRAS = {"Variant Inventory Qty": "stock", "Variant Compare At Price":
                   "compare_at_price", "Variant Barcode": "barcode", "Variant Grams": "grams",
                   "Variant Image": "variant_image"}
_PRODUCT_EXTRAS = {"Type": "type", "Tags": "tags", "Status": "status",
                   "Published": "published", "Image Src": "image", "Handle": "handle",
                   "Product ID": "product_id"}  # the webhook's id, as review apps name it
_OPTIONS = 3  # Option1 … Option3


def _is_shopify_products(path: Path) -> bool:
    """Shopify's own column names; a trimmed export (no Body (HTML), no SKUs) too."""
    return files.has_columns(path, "Handle", "Title", "Variant Price")


@ADAPTERS.register("shopify_products")
class ShopifyProducts(DatasetAdapter):
    name = "shopify_products"
    description = "Shopify's products export: an item per variant, with its product's fields"
    pii_columns: ClassVar[tuple[str, ...]] = ()
    layout_kind: ClassVar[str | None] = "item"

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_shopify_products)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_shopify_products):
            rows: list[dict] = []
            numbers: list[int] = []
            rejections = []
            for table, chunk_rows, chunk_rejections in read_chunks(
                    file, "csv", keep_going=keep_going, batch_rows=batch_rows):
                rows.extend(table.to_pylist())
                numbers.extend(int(n) for n in chunk_rows)
                rejections.extend(chunk_rejections)
            items, item_rows = variant_items(rows, numbers)
            table = pa.table({name: pa.array([item.get(name) for item in items], pa.string())
                              for name in _columns(items)})
            yield RawBatch("item", table, np.array(item_rows, np.int64), str(file),
                           rejections=rejections)


def _blank(value: object) -> bool:
    return value is None or not str(value).strip()


def variant_items(rows: list[dict], numbers: list[int]) -> tuple[list[dict], list[int]]:
    """An item per variant row, with its product's fields from the product's rows."""
    product: dict[str, dict[str, str]] = {}  # handle → its first value of each product field
    option_names: dict[str, list[str]] = {}
    variants_of: dict[str, int] = {}
    for row in rows:
        handle = str(row.get("Handle") or "").strip()
        fields = product.setdefault(handle, {})
        for name in _PRODUCT:
            if name not in fields and not _blank(row.get(name)):
                fields[name] = str(row[name]).strip()
        names = option_names.setdefault(handle, [""] * _OPTIONS)
        for n in range(_OPTIONS):
            if not names[n] and not _blank(row.get(f"Option{n + 1} Name")):
                names[n] = str(row[f"Option{n + 1} Name"]).strip()
        if _is_variant(row):
            variants_of[handle] = variants_of.get(handle, 0) + 1
    items, item_rows = [], []
    for row, number in zip(rows, numbers, strict=True):
        if not _is_variant(row):
            continue  # a row of an extra image
        handle = str(row.get("Handle") or "").strip()
        fields = product[handle]
        options = {name: str(row[f"Option{n + 1} Value"]).strip()
                   for n, name in enumerate(option_names[handle])
                   if name and not _blank(row.get(f"Option{n + 1} Value"))}
        options.pop("Title", None)  # Shopify's "Title: Default Title" of a single variant
        sku = str(row.get("Variant SKU") or "").strip()
        if not sku:
            several = variants_of[handle] > 1
            sku = "/".join([handle, *options.values()]) if several and options else handle
        title = fields.get("Title")
        item = {"item_id": sku or None,
                "title": f"{title} - {' / '.join(options.values())}" if title and options
                else title,
                "description": fields.get("Body (HTML)"), "brand": fields.get("Vendor"),
                "category": fields.get("Product Category") or fields.get("Type"),
                "price": None if _blank(row.get("Variant Price")) else str(row["Variant Price"]),
                "attributes": json.dumps(options, ensure_ascii=False) if options else None}
        for column, name in _VARIANT_EXTRAS.items():
            if not _blank(row.get(column)):
                item[name] = str(row[column]).strip()
        for column, name in _PRODUCT_EXTRAS.items():
            value = handle if column == "Handle" else fields.get(column)
            if value:
                item[name] = value
        items.append(item)
        item_rows.append(number)
    return items, item_rows


def _is_variant(row: dict) -> bool:
    """A variant's row names its SKU, price or first option; an extra image's row none."""
    return any(not _blank(row.get(c)) for c in ("Variant SKU", "Variant Price",
                                                 "Option1 Value"))


def _columns(items: list[dict]) -> list[str]:
    names = ["item_id", "title", "description", "brand", "category", "price", "attributes"]
    for item in items:
        names += [name for name in item if name not in names]
    return names
