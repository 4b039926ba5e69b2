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
