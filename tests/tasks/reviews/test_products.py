"""Reviews of a product are reviews of each of its variants: a Shopify shop's catalog is
its variants (one SKU per size), while Judge.me's review export names the product
(product_id, product_handle). The shirt's reviews named no item."""

from __future__ import annotations

from tests.conftest import csv_text, write

from shopformer.ingest.mapping import ColumnMapping
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.domains import review_domains
from shopformer.tasks.reviews.opinions import item_groups, scored_reviews
from shopformer.tasks.reviews.products import CatalogProducts, reviewed_keys
from shopformer.tasks.reviews.signals import item_review_signals

PRODUCTS = csv_text(
    ["Handle", "Title", "Vendor", "Product Category", "Option1 Name", "Option1 Value",
     "Variant SKU", "Variant Price"],
    [{"Handle": "linen-shirt", "Title": "Linen Shirt", "Vendor": "Nordic Linen",
      "Product Category": "Apparel > Shirts", "Option1 Name": "Size", "Option1 Value": "M",
      "Variant SKU": "LS-M", "Variant Price": "19.00"},
     {"Handle": "linen-shirt", "Option1 Value": "L", "Variant SKU": "LS-L",
      "Variant Price": "21.00"},
     {"Handle": "canvas-tote", "Title": "Canvas Tote", "Vendor": "Nordic Linen",
      "Product Category": "Bags", "Option1 Name": "Title", "Option1 Value": "Default Title",
      "Variant Price": "16.00"}])
SHIRT = ["The quality is not great and it broke", "Very disappointed, do not buy",
         "Way too expensive, not worth it", "Delivery was fast and the packaging was solid"]
TOTE = ["Not bad at all, I would recommend it", "Delivery was fast and the packaging was solid"]


def judge_me_export() -> str:
    """As Judge.me exports reviews: the product's Shopify id and handle, no SKU."""
    rows = [{"title": "", "body": text, "rating": "2" if n < 3 else "5",
             "review_date": f"2026-11-{n + 1:02d} 10:00:00 UTC", "reviewer_name": "Ann Lee",
             "product_id": "7982345", "product_handle": "linen-shirt"}
            for n, text in enumerate(SHIRT)]
    rows += [{"title": "", "body": text, "rating": "5", "review_date": "2026-11-20 10:00:00 UTC",
              "reviewer_name": "Bo", "product_id": "7982399", "product_handle": "canvas-tote"}
             for text in TOTE]
    return csv_text(["title", "body", "rating", "review_date", "reviewer_name", "product_id",
                     "product_handle"], rows)


def test_a_products_reviews_are_each_variants(workspace, tmp_path, bilingual):
    workspace.ingest(write(tmp_path / "products_export.csv", PRODUCTS))
    workspace.ingest(write(tmp_path / "reviews.csv", judge_me_export()),
                     mapping=ColumnMapping(kind="review"))
    store = workspace.store
    products = CatalogProducts.of(store)
    assert products.variants == {"linen-shirt": ("LS-M", "LS-L")}
    reviews = store.read_table("review", ["item_id", "extra"])
    keys = reviewed_keys(products, reviews["item_id"].to_pylist(),
                         reviews["extra"].to_pylist())
    assert sorted(keys) == ["canvas-tote"] * 2 + ["linen-shirt"] * 4
    assert set(review_domains(products, keys)) == {"Apparel", "Bags"}  # read in its category

    signals = item_review_signals(store, ReviewAnalyzer(bilingual))
    assert signals.reviews == {"LS-M": 4, "LS-L": 4, "canvas-tote": 2}
    assert signals.positive["LS-M"] == signals.positive["LS-L"] < signals.positive["canvas-tote"]
    assert signals.summary("LS-L")["reviews"] == 4  # what support and recommendations show
    # the shop-wide average counts each review once, not once per variant
    assert signals.positive[""] == 3 / 6

    scored, _ = scored_reviews(store, ReviewAnalyzer(bilingual))
    assert sorted({r.item_id for r in scored}) == ["canvas-tote", "linen-shirt"]
    groups = item_groups(products)
    assert groups["linen-shirt"] == {"category": "Apparel > Shirts", "brand": "Nordic Linen"}
    assert products.field("linen-shirt", "title") == "Linen Shirt"  # the report's name for it
