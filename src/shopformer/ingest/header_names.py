"""Column names shops commonly export, in English and Chinese, read as our fields.

A shop's export says "user_id", "timestamp", "用户ID" or "下单时间", not `account` or `ts`;
without a mapping such a file stopped with "missing required column(s)". A column whose
name (compared without case, spaces, '_', '-' or '.') is a common name of a field the file
lacks is read as that field — only when exactly one column is, and never over a column
that already has our name or an explicit mapping. Every column read this way is reported
(`IngestSummary.read_as`), so nothing is guessed silently; `--map` overrides it.

Re-ingesting a file must add nothing, also after an upgrade. A record without a key of its
own (an event without `event_id`) is keyed by its content, `extra` included, so reading one
of its columns as a field now would key its rows anew. Columns are therefore read by their
common names only where a file could not be read before (a required field is missing) or
its records carry their own key; elsewhere they are only suggested (`IngestSummary.maybe`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from shopformer.schema.records import ORDER_LINE_FIELDS, record_spec

# field → common names, normalized (`normalized_name`); per record kind where they differ
# (a kind's list replaces the general one)
NAMES: dict[str, tuple[str, ...]] = {
    "account": ("userid", "user", "uid", "customerid", "customer", "memberid", "buyerid",
                "userpseudoid", "anonymousid",
                "buyer", "clientid", "visitorid", "用户id", "用户", "用户名", "会员id", "会员",
                "会员名", "客户id", "客户", "买家id", "买家", "买家会员名", "顾客id"),
    "ts": ("timestamp", "time", "datetime", "eventtime", "eventdate", "eventtimestamp",
           "date", "createdat", "createtime", "occurredat", "时间", "日期", "时间戳", "行为时间",
           "发生时间", "创建时间"),
    "type": ("event", "eventtype", "eventname", "action", "actiontype", "behavior",
             "behaviour", "behaviortype", "behaviourtype", "行为", "行为类型", "事件",
             "事件类型", "动作"),
    "item_id": ("productid", "product", "sku", "skuid", "goodsid", "itemcode", "productcode",
                "商品id", "商品编号", "商品编码", "商品", "货号"),
    "channel": ("platform", "source", "渠道", "平台", "来源", "终端"),
    "query": ("searchterm", "searchquery", "keyword", "keywords", "搜索词", "关键词",
              "搜索关键词"),
    "price": ("unitprice", "价格", "单价", "售价"),
    "quantity": ("qty", "数量", "件数", "购买数量"),
    "session_id": ("session", "visitid", "会话id", "会话"),
    "title": ("name", "productname", "itemname", "goodsname", "商品名称", "商品名", "标题",
              "名称", "品名"),
    "description": ("desc", "details", "商品描述", "描述", "详情"),
    "category": ("categoryname", "productcategory", "类目", "分类", "品类", "商品类目",
                 "类别"),
    "brand": ("brandname", "品牌"),
    "rating": ("stars", "star", "score", "评分", "星级", "打分"),
    "polarity": ("sentiment", "情感", "情感倾向"),
    "order_id": ("orderid", "orderno", "ordernumber", "订单号", "订单编号", "订单id"),
    "review_id": ("reviewid", "commentid", "评价id", "评论id", "评价编号"),
    "event_id": ("eventid", "logid", "事件id", "日志id"),
    "amount": ("total", "totalamount", "ordertotal", "paid", "金额", "实付金额", "订单金额",
               "支付金额", "总金额", "实付款", "买家实际支付金额", "实际支付金额", "amountpaid",
               "totalpaid"),
    "payment": ("paymentmethod", "paymenttype", "支付方式", "付款方式"),
    "role": ("speaker", "sender", "sendertype", "author", "authortype", "from", "who",
             "角色", "发送方", "发送人", "身份"),
}
KIND_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "review": {"text": ("review", "reviewtext", "content", "comment", "body", "评价",
                        "评论", "评价内容", "评论内容", "内容"),
               "ts": ("timestamp", "time", "datetime", "date", "reviewtime", "reviewdate",
                      "createdat", "时间", "日期", "评价时间", "评论时间", "创建时间")},
    "turn": {"text": ("message", "messagetext", "content", "utterance", "body", "消息",
                      "内容", "聊天内容", "消息内容", "对话内容", "聊天记录"),
             "conversation_id": ("sessionid", "session", "dialogid", "chatid",
                                 "conversation", "conversationid", "threadid", "thread",
                                 "ticketid", "ticket", "会话id", "对话id", "会话编号", "会话",
                                 "工单号"),
             "turn": ("turnid", "seq", "sequence", "序号", "轮次"),
             "ts": ("timestamp", "time", "datetime", "sentat", "createdat", "时间",
                    "发送时间", "消息时间", "创建时间")},
    # product exports: Shopify's Variant SKU, Body (HTML), Vendor, Variant Price;
    # WooCommerce's SKU, Name, Categories, Regular price (not "type": Shopify's is a
    # product type, WooCommerce's "simple" / "variable")
    "item": {"item_id": (*NAMES["item_id"], "variantsku"),
             "description": (*NAMES["description"], "body(html)", "bodyhtml",
                             "descriptionhtml"),
             "brand": (*NAMES["brand"], "vendor", "manufacturer", "厂商"),
             "category": (*NAMES["category"], "categories", "producttype"),
             "price": (*NAMES["price"], "variantprice", "regularprice")},
    "order": {"ts": ("timestamp", "time", "datetime", "date", "orderdate", "ordertime",
                     "createdat", "时间", "日期", "下单时间", "订单创建时间", "创建时间"),
              # a line item's (order_lines.py): Shopify's Lineitem sku, Taobao's 商家编码;
              # never "product" alone, which an orders export uses for the product's name
              "item_id": ("lineitemsku", "sku", "skuid", "variantsku", "productid", "itemid",
                          "goodsid", "itemcode", "productcode", "商品id", "商品编号", "商品编码",
                          "商家编码", "sku编码", "货号"),
              "quantity": ("lineitemquantity", "quantity", "qty", "数量", "件数", "购买数量",
                           "商品数量", "宝贝数量"),
              "price": ("lineitemprice", "price", "unitprice", "itemprice", "价格", "单价",
                        "售价", "商品单价", "商品价格")},
}
# Where a file has several columns a field's names fit, the one of these names is read: a
# Taobao order report has 总金额 (the total before discounts) and 买家实际支付金额 (what the
# buyer paid), and an order's amount is what was paid. Otherwise several fitting columns
# are read as none: which one is meant is the shop's to say (--map).
PREFERRED = {"amount": ("买家实际支付金额", "实际支付金额", "实付金额", "实付款", "amountpaid",
                        "totalpaid", "paid")}
_SEPARATORS = re.compile(r"[\s_.\-]+")


def normalized_name(column: str) -> str:
    return _SEPARATORS.sub("", column.strip().lower())


def common_columns(kind: str, fields: Iterable[str], columns: Iterable[str],
                   mapped: Mapping[str, str]) -> dict[str, str]:
    """our field → the file's column, for the `fields` the file lacks (neither a column of
    that name nor in `mapped`, our field → their column) and one column commonly names."""
    columns = list(columns)
    taken = set(mapped.values()) | set(fields) & set(columns)
    found: dict[str, str] = {}
    for field in fields:
        if field in columns or field in mapped:
            continue
        # our own name in another case or spacing ("Title", "Item ID") is a common name too
        names = (normalized_name(field),
                 *(KIND_NAMES.get(kind, {}).get(field) or NAMES.get(field, ())))
        fitting = [c for c in columns if c not in taken and normalized_name(c) in names]
        preferred = [c for c in fitting if normalized_name(c) in PREFERRED.get(field, ())]
        if len(fitting) > 1 and len(preferred) == 1:
            fitting = preferred
        if len(fitting) == 1:
            found[field] = fitting[0]
            taken.add(fitting[0])
    return found


def columns_to_read(kind: str, columns: list[str], mapped: Mapping[str, str],
                    constants: Iterable[str]) -> tuple[dict[str, str], bool]:
    """(our field → column named as shops commonly name it, whether such columns are read:
    False where the rows are keyed by their content and the file was readable before, so
    they are only suggested; module doc)."""
    spec = record_spec(kind)
    fields = [*spec.names, *(ORDER_LINE_FIELDS if kind == "order" else ())]
    found = common_columns(kind, fields, columns, mapped)
    if kind == "order" and not {"item_id"} & {*found, *mapped, *columns}:
        # a quantity or price without the line's item is the order's own, left as it is
        found = {ours: theirs for ours, theirs in found.items() if ours not in ORDER_LINE_FIELDS}
    given = set(columns) | set(mapped) | set(constants)
    # a key's parts were required until rows without them were keyed by content (a chat
    # export without turn numbers could not be read before)
    needed = [*spec.required, *(f for f in spec.key_from if f not in spec.required)]
    if kind == "event" and "query" not in given:
        needed.append("item_id")  # every event but a search needs its item
    unreadable_before = any(f not in given for f in needed)
    keyed = spec.key in given or (bool(spec.key_from)
                                  and all(f in given for f in spec.key_from))
    return found, unreadable_before or keyed
