"""An items export's own columns (颜色, 材质: kept in `extra`) are searched with the item's
attributes; its numbers (库存, 销量) are not."""

from __future__ import annotations

import json

from tests.conftest import write

from shopformer.ingest.mapping import ColumnMapping
from shopformer.tasks.search.from_store import catalog_rows

ITEMS = ("商品ID,商品名称,价格,库存,颜色,材质\n"
         "A1001,男士纯棉T恤,59.00,120,白色,纯棉\n"
         "A1002,女士防晒衣,129.00,0,浅蓝,冰丝\n")


def test_an_exports_own_text_columns_are_searched(workspace, tmp_path):
    workspace.ingest(write(tmp_path / "items.csv", ITEMS), mapping=ColumnMapping(kind="item"))
    rows = {r["item_id"]: r for r in catalog_rows(workspace.store)}
    assert json.loads(rows["A1002"]["attributes"]) == {"颜色": "浅蓝", "材质": "冰丝"}
    workspace.train_search()
    hits = workspace.search_engine().search("冰丝", k=5).hits
    assert [h.item_id for h in hits] == ["A1002"]


SHOPIFY = ('Handle,Title,Body (HTML),Vendor,Type,Tags,Variant SKU,Variant Price\n'
           'linen-shirt,Linen Shirt,"<p>Breathable <strong>linen</strong> shirt.</p>",Acme,'
           'Shirts,"summer, linen",LS-001,49.00\n'
           'wool-coat,Wool Coat,<p>Warm wool coat</p>,Acme,Coats,winter,WC-002,199.00\n')


def test_a_shopify_style_product_export_reads_searches_and_answers(workspace, tmp_path):
    """"Variant SKU, Title, Body (HTML), Vendor, Type" stopped with a missing item_id, the
    description kept its tags, and in a two-item shop a word in a title, its description
    and its tags was "in" three of two items: its idf went negative and the scores read
    -77,075,336."""
    from shopformer.tasks.search.lexical import TermIndex
    from shopformer.tasks.support.tools import ProductTool

    path = write(tmp_path / "products_export.csv", SHOPIFY)
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="item"))
    assert summary.adapter == "shopify_products"  # Shopify's own layout: its adapter
    assert ProductTool(workspace.store).get("LS-001").description == "Breathable linen shirt."
    # the same columns without Shopify's Handle are read by their common names
    lines = SHOPIFY.splitlines()
    trimmed = write(tmp_path / "other_export.csv", "\n".join(
        line.split(",", 1)[1] for line in lines) + "\n")
    other = workspace.ingest(trimmed, mapping=ColumnMapping(kind="item"))
    assert other.read_as[str(trimmed)] == {
        "item_id": "Variant SKU", "title": "Title", "description": "Body (HTML)",
        "brand": "Vendor", "price": "Variant Price"}  # Type stays an attribute
    workspace.train_search()
    hit = workspace.search_engine().search("linen", k=5).hits[0]
    assert hit.item_id == "LS-001" and 0 < hit.score < 10
    index = TermIndex([[["linen", "shirt"], ["linen"], ["linen"]], [["wool"], [], []]],
                      (1.0, 0.3, 0.3))
    assert (index.idf > 0).all()  # "linen": one item of two, whatever its fields


def test_a_woocommerce_product_export_reads_with_no_mapping(workspace, tmp_path):
    """Its "Type" is simple / variable, no category: Categories is read, Type is not."""
    path = write(tmp_path / "wc-product-export.csv",
                 "ID,Type,SKU,Name,Description,Regular price,Sale price,Categories\n"
                 "12,simple,WOO-1,Cotton Tee,<p>A soft cotton tee</p>,19.99,,Clothing > Tops\n")
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="item"))
    assert summary.read_as[str(path)] == {
        "item_id": "SKU", "title": "Name", "description": "Description",
        "category": "Categories", "price": "Regular price"}
