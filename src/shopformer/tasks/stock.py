"""Whether an item is in stock, from what the catalog says: one reading for every task.

A shop says it in its items' `attributes` ({"stock": 0}, {"in_stock": false}) or, more
often, in a column of its export kept in `extra` (stock, inventory, 库存, 现货 …; Shopify's
Variant Inventory Qty). The recommender read the attributes alone, so a sold-out item whose
stock came as a column was recommended while the support assistant said "out of stock".
"""

from __future__ import annotations

import re

from shopformer.schema.records import json_object, text_number

STOCK_NAME = re.compile(r"stock|inventory|in[ _]stock|qty[ _]available|available[ _]qty|"
                        r"库存|库存数量|剩余库存|现货|可售数量", re.IGNORECASE)
NO = frozenset({"false", "no", "n", "0", "否", "无", "无货", "缺货", "售罄", "out of stock",
                "sold out", "soldout"})
# a product the shop does not sell now, as its export's status says (Shopify: draft,
# archived; 下架): it was recommended though no one could buy it
STATUS_NAME = re.compile(r"status|product[ _]status|商品状态|上架状态|状态", re.IGNORECASE)
NOT_FOR_SALE = frozenset({"draft", "archived", "inactive", "disabled", "discontinued",
                          "unpublished", "下架", "已下架", "仓库中", "停售", "草稿"})


def in_stock(attributes: object, extra: object = None) -> bool:
    """Out of stock only when the catalog says so: a stock column (`STOCK_NAME`) at or below
    zero, or saying no (缺货, sold out, false), or a status the shop does not sell under
    (draft, archived, 下架); items that say nothing count as available."""
    said = {**json_object(extra), **json_object(attributes)}  # attributes win a shared name
    for name, value in said.items():
        if STATUS_NAME.fullmatch(str(name).strip()):
            if str(value).strip().lower() in NOT_FOR_SALE:
                return False
            continue
        if not STOCK_NAME.fullmatch(str(name).strip()):
            continue
        if isinstance(value, bool):
            if not value:
                return False
            continue
        if isinstance(value, int | float):
            if value <= 0:
                return False
            continue
        text = str(value).strip().lower()
        number = text_number(text) if text else None
        if (number is not None and number <= 0) or text in NO:
            return False
    return True
