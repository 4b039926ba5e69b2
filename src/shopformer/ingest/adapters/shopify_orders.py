"""Shopify's orders export (`orders_export.csv`): orders, a purchase per line item, and one
customer across Shopify's channels.

Shopify writes a row per line item: "Name" (#1001, the number the customer sees) on every
row, the order's fields (Email, Created at, Total, Source, …) on its first row only, and the
line's "Lineitem sku", "Lineitem quantity", "Lineitem price" on each (`order_lines.py` turns
them into orders and purchase events). The customer is their e-mail (pseudonymized at the
door); an order without one (a walk-in sale at the till) is a guest of its own,
`guest:<order>`. Shopify knows a customer shop-wide, so an e-mail seen on two channels
(the online store and POS) is linked as one person. "Source" is the channel: "web", "pos"
(a store), "iphone" / "android" (the shop's app), a draft order made by staff, or an app's
id; a blank one is the online store. Billing and shipping addresses are pseudonymized whole
(their parts' names say they are personal; the companies on them are named here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.mapping import ColumnMapping
from shopformer.ingest.order_lines import order_and_line_batches
from shopformer.ingest.readers import BATCH_ROWS, read_chunks
from shopformer.ingest.source import RawBatch

_COLUMNS = {"order_id": "Name", "account": "Email", "ts": "Created at", "amount": "Total",
            "payment": "Payment Method", "channel": "Source", "item_id": "Lineitem sku",
            "quantity": "Lineitem quantity", "price": "Lineitem price"}
# Shopify's order sources as our channels (others, such as an app's id, stay as they are)
SHOPIFY_CHANNELS = {"iphone": "app", "android": "app", "shopify_draft_order": "draft_order"}


def _is_shopify_orders(path: Path) -> bool:
    return files.has_columns(path, "Name", "Email", "Financial Status", "Lineitem quantity",
                             "Lineitem sku")


@ADAPTERS.register("shopify_orders")
class ShopifyOrders(DatasetAdapter):
    name = "shopify_orders"
    description = "Shopify's orders export: orders, a purchase event per line item, customers"
    # Street, Address1, Zip … are personal by their names (privacy/columns.py); a company
    # on an address is as telling
    pii_columns: ClassVar[tuple[str, ...]] = ("Billing Company", "Shipping Company")
    layout_kind: ClassVar[str | None] = "order"

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_shopify_orders)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_shopify_orders):
            header = set(files.header(file))  # an export trimmed of some columns reads too
            mapping = ColumnMapping(kind="order", columns={
                ours: theirs for ours, theirs in _COLUMNS.items() if theirs in header})
            chunks = [(mapping.apply(table, str(file)), rows, rejections)
                      for table, rows, rejections in read_chunks(
                          file, "csv", keep_going=keep_going, batch_rows=batch_rows)]
            batches = order_and_line_batches(chunks, str(file), mapping.parse,
                                             complete=_with_customer_and_channel)
            yield from batches
            links = _links(batches[0].table)
            if links.num_rows:
                yield RawBatch("link", links, np.zeros(links.num_rows, np.int64), str(file))


def shopify_customer(email: object, phone: object, order: object) -> str:
    """The account of a Shopify order's customer: their e-mail in lower case (one customer
    in any case, "Anna@Example.com" typed at the till), else their phone, else a guest of
    the order's own (a walk-in sale)."""
    for value in (str(email or "").strip().lower(), str(phone or "").strip()):
        if value:
            return value
    return f"guest:{order}"


def shopify_channel(source: object) -> str:
    """A Shopify order's source as our channel: blank is the online store."""
    text = str(source or "").strip()
    return SHOPIFY_CHANNELS.get(text, text) if text else "web"


def _with_customer_and_channel(orders: pa.Table) -> pa.Table:
    """Each order's account and channel, as `shopify_customer` and `shopify_channel` say."""
    def column(name: str) -> list:
        return orders.column(name).to_pylist() if name in orders.column_names \
            else [None] * orders.num_rows

    account = [shopify_customer(e, p, o) for e, p, o in zip(
        column("account"), column("Phone"), column("order_id"), strict=True)]
    channel = [shopify_channel(source) for source in column("channel")]
    kept = orders.drop_columns([c for c in ("account", "channel") if c in orders.column_names])
    return kept.append_column("account", pa.array(account, pa.string())) \
        .append_column("channel", pa.array(channel, pa.string()))


def _links(orders: pa.Table) -> pa.Table:
    """Each customer's e-mail on every further channel, linked to its first (sorted) one."""
    channels: dict[str, set[str]] = {}
    for account, channel in zip(orders.column("account").to_pylist(),
                                orders.column("channel").to_pylist(), strict=True):
        if account and channel and not account.startswith("guest:"):
            channels.setdefault(account, set()).add(channel)
    rows = [(first, account, other, account)
            for account, seen in channels.items() if len(seen) > 1
            for first, *others in [sorted(seen)] for other in others]
    names = ("channel_a", "account_a", "channel_b", "account_b")
    table = pa.table({name: pa.array([r[i] for r in rows], pa.string())
                      for i, name in enumerate(names)})
    return table.append_column("kind", pa.array(["email"] * len(rows), pa.string()))
