"""Shopify's products export: a row per variant and per extra image, the product's fields on
its first row only. It stopped the ingest at the first image row ("item_id: required field
is empty"), and a second variant would have had no title."""

from __future__ import annotations

import json

from tests.conftest import csv_text, write

from shopformer.ingest.adapters import find_adapter
from shopformer.ingest.mapping import ColumnMapping

COLUMNS = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
           "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
           "Variant SKU", "Variant Inventory Qty", "Variant Price", "Image Src", "Status"]
ROWS = [
    {"Handle": "linen-shirt", "Title": "Linen Shirt", "Vendor": "Nordic Linen",
     "Body (HTML)": "<p>Breathable <strong>linen</strong> shirt.</p>",
     "Product Category": "Apparel > Shirts", "Type": "Shirts", "Tags": "linen, summer",
     "Published": "true", "Option1 Name": "Size", "Option1 Value": "M",
     "Option2 Name": "Color", "Option2 Value": "White", "Variant SKU": "LS-M-WH",
     "Variant Inventory Qty": "12", "Variant Price": "19.00",
     "Image Src": "https://cdn.example.com/ls1.jpg", "Status": "active"},
    {"Handle": "linen-shirt", "Option1 Value": "L", "Option2 Value": "White",
     "Variant SKU": "LS-L-WH", "Variant Inventory Qty": "0", "Variant Price": "21.00"},
    {"Handle": "linen-shirt", "Image Src": "https://cdn.example.com/ls2.jpg"},
    {"Handle": "canvas-tote", "Title": "Canvas Tote", "Body (HTML)": "Sturdy canvas tote.",
     "Vendor": "Nordic Linen", "Type": "Bags", "Option1 Name": "Title",
     "Option1 Value": "Default Title", "Variant Price": "16.00", "Status": "active"},
]


def test_an_item_per_variant_with_its_products_fields(workspace, tmp_path):
    path = write(tmp_path / "products_export.csv", csv_text(COLUMNS, ROWS))
    assert find_adapter(path).name == "shopify_products"
    summary = workspace.ingest(path)
    assert summary.kinds["item"].accepted == 3 and summary.total.rejected == 0
    items = {i["item_id"]: i for i in workspace.store.read_table("item").to_pylist()}
    assert set(items) == {"LS-M-WH", "LS-L-WH", "canvas-tote"}  # no SKU: its handle
    large = items["LS-L-WH"]
    assert large["title"] == "Linen Shirt - L / White"  # as Shopify names an order's line
    assert (large["brand"], large["category"], large["price"]) == (
        "Nordic Linen", "Apparel > Shirts", 21.0)
    assert json.loads(large["attributes"]) == {"Size": "L", "Color": "White"}
    assert "linen" in large["description"]
    extra = json.loads(large["extra"])
    assert extra["stock"] == "0" and extra["image"] == "https://cdn.example.com/ls1.jpg"
    assert extra["handle"] == "linen-shirt" and extra["tags"] == "linen, summer"
    tote = items["canvas-tote"]
    assert (tote["title"], tote["category"], tote["attributes"]) == ("Canvas Tote", "Bags",
                                                                     None)
    # --kind item without a mapping reads the layout too; a re-ingest adds nothing
    again = workspace.ingest(path, mapping=ColumnMapping(kind="item"))
    assert again.adapter == "shopify_products" and again.kinds["item"].duplicates == 3
