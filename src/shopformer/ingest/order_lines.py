"""An orders export with a row per order line: the orders, and a purchase event per line.

Shop systems export orders one line item per row (Shopify's `orders_export.csv`, WooCommerce,
Taobao and Youzan order reports): the order's number on every row, its total, time and
customer often on the first row only, and the line's SKU, quantity and unit price on each.
Read as orders alone, the second line of an order stopped the ingest ("channel: required
field is empty") and the lines — what each customer bought, all a shop without event
tracking has to recommend from — were lost.

Here an order takes, for each column, the first value any of its lines gives; its `amount`,
when no line gives one, is the sum of price × quantity over its lines. Each line with an item
becomes a `purchase` event at the order's time, by the order's customer and channel, its
`session_id` the order; its id, `order-line:<order>:<n>` with n the line's place in its
order, makes re-ingesting the same export add nothing. Columns whose value differs between
the lines of some order (a line's name, its fulfilment status) are the lines' own: they stay
on the events (in `extra`), not on the order. Lines are read whole before any is stored, as
an order's lines may be far apart in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.ingest.adapters.tables import constant, is_blank, numbers
from shopformer.ingest.header_names import normalized_name
from shopformer.ingest.source import Chunk, RawBatch
from shopformer.schema.records import ORDER_LINE_FIELDS
from shopformer.schema.validate import ParseOptions, Rejection
from shopformer.storage.base import Store

EVENT_ID_PREFIX = "order-line"  # event ids read order-line:<order>:<n>
REFUND_ID_PREFIX = "order-refund"  # a refunded line's refund: order-refund:<order>:<n>
# a line's or its order's refund status (Shopify's Financial Status, Taobao's 退款状态), the
# values that say it was refunded in full, and when (compared as `normalized_name`)
REFUND_STATUS_NAMES = ("financialstatus", "paymentstatus", "refundstatus", "退款状态",
                       "售后状态", "支付状态")
REFUNDED = r"^\s*(?:refunded|fully[ _]refunded|退款成功|已退款|退款完成|全额退款)\s*$"
REFUND_TIME_NAMES = ("refundedat", "refunddate", "refundtime", "退款时间", "退款完成时间")
# a line's own name, as exports call it (compared as `normalized_name`)
LINE_TITLE_NAMES = ("lineitemname", "lineitemtitle", "productname", "producttitle", "itemname",
                    "itemtitle", "goodsname", "宝贝标题", "宝贝名称", "商品名称", "商品标题",
                    "商品名", "标题")


def order_line_event(order: Mapping, n: int, kind: str = "purchase") -> dict:
    """The purchase (or, with `kind` "refund", the refund) record of an order's `n`th line
    (1-based), without the line's own fields (item, quantity, price …): as the server makes
    it from a posted order or a webhook's refund."""
    prefix = REFUND_ID_PREFIX if kind == "refund" else EVENT_ID_PREFIX
    return {"event_id": f"{prefix}:{order['order_id']}:{n}", "ts": order.get("ts"),
            "account": order["account"], "channel": order["channel"], "type": kind,
            "session_id": order["order_id"]}


def order_and_line_batches(chunks: list[Chunk], file: str, options: ParseOptions,
                           read_as: dict[str, str] | None = None,
                           maybe: dict[str, str] | None = None,
                           complete: Callable[[pa.Table], pa.Table] | None = None
                           ) -> list[RawBatch]:
    """The orders and their lines' purchase events from the mapped chunks of one export;
    `complete` fills in what an export leaves blank on an order (its customer, its channel)
    before the order's lines take them."""
    tables = [table for table, _, _ in chunks]
    rejections = [r for _, _, chunk_rejections in chunks for r in chunk_rejections]
    lines = pa.concat_tables([_as_strings(t) for t in tables], promote_options="default")
    rows = np.concatenate([rows for _, rows, _ in chunks]).astype(np.int64)
    keyed = ~is_blank(lines.column("order_id")) if "order_id" in lines.column_names \
        else np.zeros(lines.num_rows, bool)
    # a row without an order number belongs to no order: it goes on, as it is, to be refused
    # by the order check with its row number
    loose = lines.filter(pa.array(~keyed)).drop_columns(
        [c for c in ORDER_LINE_FIELDS if c in lines.column_names])
    loose_rows = rows[~keyed]
    lines, rows = lines.filter(pa.array(keyed)), rows[keyed]
    lines = lines.append_column("_row", pa.array(rows))
    own = _line_columns(lines)
    orders = _orders(lines, own)
    if complete is not None:
        orders = complete(orders)
    events = _events(lines, orders, own)
    order_rows = np.concatenate([orders.column("_row").to_numpy(), loose_rows])
    orders = pa.concat_tables([orders.drop_columns(["_row"]), loose],
                              promote_options="default")
    named = {"read_as": dict(read_as or {}), "maybe": dict(maybe or {})}
    batches = [RawBatch("order", orders, order_rows, file, options, rejections, **named),
               RawBatch("event", events.drop_columns(["_row"]),
                        events.column("_row").to_numpy(), file, options, **named,
                        note=_lines_note(orders.num_rows, events))]
    items = _named_items(lines)
    if items is not None:
        batches.append(RawBatch(
            "item", items.drop_columns(["_row"]), items.column("_row").to_numpy(), file,
            options, new_keys_only=True,
            note=f"{items.num_rows:,} items its lines name, with the lines' names and prices: "
                 "stored where the catalog lacks them (a product export replaces them)"))
    return batches


def _lines_note(orders: int, events: pa.Table) -> str:
    refunds = pc.sum(pc.equal(events.column("type"), "refund")).as_py() or 0
    note = (f"a row per order line: {orders:,} orders, and a purchase event for each of the "
            f"{events.num_rows - refunds:,} lines naming an item (event ids "
            f"{EVENT_ID_PREFIX}:<order>:<line>)")
    if refunds:
        note += (f", and a refund for each of the {refunds:,} refunded in full "
                 f"({REFUND_ID_PREFIX}:<order>:<line>)")
    return note


def _named_items(lines: pa.Table) -> pa.Table | None:
    """The items the lines name, each with its first line's name and unit price, when the
    export names its lines (Shopify's Lineitem name, Taobao's 宝贝标题): a shop that sends
    its orders before (or without) its catalog gets recommendations, search and answers
    that say what an item is, not "LS-M"."""
    title = next((c for c in lines.column_names if normalized_name(c) in LINE_TITLE_NAMES),
                 None)
    if title is None or "item_id" not in lines.column_names:
        return None
    named = lines.filter(pa.array(~is_blank(lines.column("item_id"))
                                  & ~is_blank(lines.column(title))))
    if named.num_rows == 0:
        return None
    fields = {"title": title, **({"price": "price"} if "price" in named.column_names else {})}
    grouped = named.group_by("item_id", use_threads=False).aggregate(
        [("_row", "min"), *((theirs, "first") for theirs in fields.values())])
    return pa.table({"item_id": grouped.column("item_id"),
                     **{ours: grouped.column(f"{theirs}_first") for ours, theirs in fields.items()},
                     "_row": grouped.column("_row_min")})


def _as_strings(table: pa.Table) -> pa.Table:
    """Every column as text with blanks as nulls, so "first value given" skips them."""
    columns = {}
    for name in table.column_names:
        strings = pc.cast(table.column(name), pa.string())
        columns[name] = pc.if_else(pa.array(is_blank(strings)),
                                   pa.scalar(None, pa.string()), strings)
    return pa.table(columns)


def _line_columns(lines: pa.Table) -> list[str]:
    """The line fields, and every other column whose values differ within some order."""
    others = [c for c in lines.column_names
              if c not in ("order_id", "_row", *ORDER_LINE_FIELDS)]
    counts = lines.group_by("order_id", use_threads=False).aggregate(
        [(c, "count_distinct") for c in others]) if others else None
    varying = [c for c in others
               if counts is not None and pc.max(counts.column(f"{c}_count_distinct")).as_py() > 1]
    return [c for c in ORDER_LINE_FIELDS if c in lines.column_names] + varying


def _orders(lines: pa.Table, own: list[str]) -> pa.Table:
    shared = [c for c in lines.column_names if c not in ("order_id", "_row", *own)]
    grouped = lines.group_by("order_id", use_threads=False).aggregate(
        [("_row", "min"), *((c, "first") for c in shared)])
    orders = pa.table({"order_id": grouped.column("order_id"),
                       **{c: grouped.column(f"{c}_first") for c in shared},
                       "_row": grouped.column("_row_min")})
    if "price" not in lines.column_names:
        return orders
    totals = _line_totals(lines, orders)
    if "amount" not in orders.column_names:
        return orders.append_column("amount", totals)
    given = orders.column("amount")
    return orders.set_column(orders.column_names.index("amount"), "amount",
                             pc.if_else(pc.is_null(given), totals, given))


def _line_totals(lines: pa.Table, orders: pa.Table) -> pa.Array:
    """Each order's sum of price × quantity (1 when not given), as text; null when a line's
    price is missing or no number, so that the order check names the row."""
    price, bad_price = numbers(lines.column("price"))
    quantity = np.ones(lines.num_rows)
    if "quantity" in lines.column_names:
        given, bad_quantity = numbers(lines.column("quantity"))
        quantity = np.where(np.isnan(given), 1.0, given)
        price = np.where(bad_quantity, np.nan, price)
    price = np.where(bad_price, np.nan, price)
    place = pc.index_in(lines.column("order_id"), value_set=orders.column("order_id"))
    order_of_line = place.to_numpy(zero_copy_only=False)
    sums = np.zeros(orders.num_rows)
    np.add.at(sums, order_of_line, price * quantity)
    text = [None if np.isnan(s) else str(round(float(s), 4)) for s in sums]
    return pa.array(text, pa.string())


def _events(lines: pa.Table, orders: pa.Table, own: list[str]) -> pa.Table:
    # a line's number is its place among all its order's lines, items or not: a later
    # export that fills in an item's SKU keys the other lines as before
    codes = pc.dictionary_encode(lines.column("order_id")).combine_chunks().indices
    number = _place_in_group(codes.to_numpy(zero_copy_only=False))
    with_item = ~is_blank(lines.column("item_id"))
    lines, number = lines.filter(pa.array(with_item)), number[with_item]
    order_ids = lines.column("order_id")
    place = pc.index_in(order_ids, value_set=orders.column("order_id"))
    of_order = {name: orders.column(name).take(place)
                for name in ("ts", "account", "channel") if name in orders.column_names}
    n = lines.num_rows
    bought = pa.table({
        "event_id": pc.binary_join_element_wise(
            EVENT_ID_PREFIX, order_ids, pa.array((number + 1).astype(str)), ":"),
        **of_order,
        "type": constant("purchase", n),
        "session_id": order_ids,
        **{c: lines.column(c) for c in own},
        "_row": lines.column("_row"),
    })
    refunded = _said(lines, orders, place, REFUND_STATUS_NAMES, REFUNDED)
    if not refunded.any():
        return bought
    # a line refunded in full: a refund of its item, when the export says (else at the
    # order's time), so that what the customer sent back is not what they liked
    back = bought.filter(pa.array(refunded))
    ids = pc.binary_join_element_wise(REFUND_ID_PREFIX, order_ids.filter(pa.array(refunded)),
                                      pa.array((number[refunded] + 1).astype(str)), ":")
    back = back.set_column(0, "event_id", ids)
    back = back.set_column(back.column_names.index("type"), "type",
                           constant("refund", back.num_rows))
    when = _line_values(lines, orders, place, REFUND_TIME_NAMES)
    if when is not None:
        when = when.filter(pa.array(refunded))
        if "ts" not in back.column_names:  # a line report: the order's, from the store
            back = back.append_column("ts", when)
        else:
            at = back.column_names.index("ts")
            back = back.set_column(at, "ts", pc.if_else(pc.is_null(when), back.column("ts"),
                                                        when))
    return pa.concat_tables([bought, back], promote_options="default")


def _line_values(lines: pa.Table, orders: pa.Table, place: pa.Array,
                 names: tuple[str, ...]) -> pa.Array | None:
    """Each line's value of the first column so named: the line's own, else its order's
    (an export gives an order's fields on its first line only); None without one."""
    column = next((c for c in lines.column_names if normalized_name(c) in names), None)
    if column is None:
        return None
    own = lines.column(column).combine_chunks()
    if column not in orders.column_names:
        return own
    return pc.if_else(pc.is_null(own), orders.column(column).take(place), own)


def _said(lines: pa.Table, orders: pa.Table, place: pa.Array, names: tuple[str, ...],
          pattern: str) -> np.ndarray:
    """Which lines' value of a column so named matches `pattern` (case-insensitive)."""
    values = _line_values(lines, orders, place, names)
    if values is None:
        return np.zeros(lines.num_rows, bool)
    matched = pc.match_substring_regex(values, pattern, ignore_case=True)
    return matched.fill_null(False).to_numpy(zero_copy_only=False)


def _place_in_group(codes: np.ndarray) -> np.ndarray:
    """0, 1, 2 … for each row among the earlier rows of its group, in row order."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    place = np.empty(len(codes), np.int64)
    place[order] = np.arange(len(codes)) - group_start
    return place


ORDER_OF = {"order": "order_id", "event": "session_id"}  # a batch's column naming the order


def with_stored_orders(batches: Iterable[RawBatch], store: Store) -> Iterator[RawBatch]:
    """Order lines without their customer, completed from their orders as stored.

    Taobao and Youzan export an order report (the order number, customer, time, total) and
    a line report (the order number, item, quantity, price, and no customer) as two files.
    The line report's rows stopped at "account: required field is empty". Ingested after the
    order report, each line now takes its order's customer, channel and time from the store
    (the customer already pseudonymized, so not again), and its order keeps its stored
    total rather than the sum of its lines (which misses postage and discounts). A line
    whose order is not stored is refused as before.
    """
    for batch in batches:
        key = ORDER_OF.get(batch.kind)
        table = batch.table
        if key is None or key not in table.column_names:
            yield batch
            continue
        blank = is_blank(table.column("account")) if "account" in table.column_names \
            else np.ones(table.num_rows, bool)
        if not blank.any():  # every row has its customer: the usual case, at no cost
            yield batch
            continue
        if batch.kind == "event":  # only the purchases and refunds made of order lines
            ids_given = table.column("event_id").to_pylist() \
                if "event_id" in table.column_names else [None] * table.num_rows
            blank &= np.array([str(i).startswith((f"{EVENT_ID_PREFIX}:", f"{REFUND_ID_PREFIX}:"))
                               for i in ids_given])
        ids = table.column(key).to_pylist()
        wanted = sorted({i for i, b in zip(ids, blank, strict=True) if b and i})
        stored = {row["order_id"]: row for row in store.read_keys("order", wanted).to_pylist()
                  } if wanted else {}
        fill = np.array([bool(b) and i in stored for i, b in zip(ids, blank, strict=True)],
                        bool)
        if "account" not in table.column_names:  # a line report: its orders must be stored
            if batch.kind == "order":  # refused once, with its order row; its purchase too
                batch = replace(batch, rejections=[
                    *batch.rejections, *_not_stored(batch, table, ids, ~fill)])
            ids = [i for i, f in zip(ids, fill, strict=True) if f]
            table = table.filter(pa.array(fill))
            batch, fill = replace(batch, table=table, rows=batch.rows[fill]), fill[fill]
        if not fill.any():
            yield batch
            continue
        orders = [stored[i] for i, f in zip(ids, fill, strict=True) if f]
        filled = table.filter(pa.array(fill))
        from_store = {"account": [o["account"] for o in orders],
                      "channel": [o["channel"] for o in orders],
                      "ts": [o["ts"].replace(tzinfo=UTC).isoformat() for o in orders]}
        if batch.kind == "order":
            from_store["amount"] = [str(o["amount"]) for o in orders]
        for name, values in from_store.items():
            column = pa.array(values, pa.string())
            if name not in filled.column_names:
                filled = filled.append_column(name, column)
                continue
            given = filled.column(name)
            if name in ("channel", "ts"):  # a line's own channel or time is kept
                column = pc.if_else(pa.array(is_blank(given)), column,
                                    pc.cast(given, pa.string()))
            filled = filled.set_column(filled.column_names.index(name), name, column)
        rest = ~fill
        if rest.any():
            yield replace(batch, table=table.filter(pa.array(rest)), rows=batch.rows[rest])
        yield replace(batch, table=filled, rows=batch.rows[fill],
                      rejections=[] if rest.any() else batch.rejections,
                      pseudonymized=frozenset({"account"}))


def _not_stored(batch: RawBatch, table: pa.Table, ids: list, unknown: np.ndarray
                ) -> list[Rejection]:
    """A rejection for each line report row whose order the store does not hold."""
    raws = table.filter(pa.array(unknown)).to_pylist()
    orders = [i for i, u in zip(ids, unknown, strict=True) if u]
    return [Rejection(batch.file, int(row), "account",
                      f"no customer here, and order {order} is not stored: ingest the orders "
                      "with their customers (the order report) first", raw)
            for row, order, raw in zip(batch.rows[unknown], orders, raws, strict=True)]
