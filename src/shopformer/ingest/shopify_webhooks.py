"""Shopify's order and product webhooks, read as our records.

A Shopify shop keeps Shopformer current by pointing its webhooks at the server (`POST
/v1/webhooks/shopify`); before, it needed its own code to turn Shopify's JSON into our
orders and items. The payloads are the REST Admin API's order and product: an order's
`name` (#1001, the number the customer sees) is its id and its customer's e-mail (lower
case) the account, as in the orders export (`adapters/shopify_orders.py`); a product is an
item per variant, named as the products export names it (`adapters/shopify_products.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from shopformer.core.errors import InputError, Location
from shopformer.ingest.adapters.shopify_orders import shopify_channel, shopify_customer
from shopformer.ingest.adapters.shopify_products import variant_items
from shopformer.ingest.order_lines import order_line_event

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid",
                          "orders/fulfilled", "orders/partially_fulfilled",
                          "orders/cancelled", "orders/edited"})
PRODUCT_TOPICS = frozenset({"products/create", "products/update"})


def order_record(payload: Mapping) -> tuple[dict, list[dict]]:
    """(the order, its lines) in the server's order form (`POST /v1/orders`)."""
    name = payload.get("name") or payload.get("order_number") or payload.get("id")
    if not name:
        raise InputError("a Shopify order without a name or id", Location(field="name"))
    customer = payload.get("customer") or {}
    email = payload.get("email") or payload.get("contact_email") or customer.get("email")
    order = {"order_id": str(name),
             "account": shopify_customer(email, payload.get("phone") or customer.get("phone"),
                                         name),
             "channel": shopify_channel(payload.get("source_name")),
             "ts": payload.get("created_at") or payload.get("processed_at"),
             "amount": payload.get("total_price"),
             "payment": ", ".join(payload.get("payment_gateway_names") or []) or None,
             "status": payload.get("fulfillment_status") or "unfulfilled",
             "payment_status": payload.get("financial_status"),
             "cancelled_at": payload.get("cancelled_at"), "currency": payload.get("currency")}
    fulfillments = [f for f in payload.get("fulfillments") or [] if isinstance(f, Mapping)]
    if fulfillments:
        latest = fulfillments[-1]
        order.update(shipped_at=latest.get("created_at"), carrier=latest.get("tracking_company"),
                     tracking=latest.get("tracking_number"))
    # each line keeps its place among all the order's lines, as the orders export numbers
    # them: the same order from the export and from a webhook is the same purchases
    lines = [{"item_id": _sku(line), "quantity": line.get("quantity") or 1,
              "price": line.get("price"), "name": line.get("name"), "place": n}
             for n, line in enumerate(_line_items(payload), 1) if _sku(line)]
    return {k: v for k, v in order.items() if v not in (None, "")}, lines


def refund_records(payload: Mapping, order: Mapping) -> list[dict]:
    """A `refund` event per refunded line of a Shopify order (its `refunds`), at the time of
    the refund, keyed `order-refund:<order>:<place>` as the orders export keys a line
    refunded in full: what the customer sent back is not what they liked."""
    place = {line.get("id"): (n, line) for n, line in enumerate(_line_items(payload), 1)}
    out = []
    for refund in payload.get("refunds") or []:
        if not isinstance(refund, Mapping):
            continue
        for refunded in refund.get("refund_line_items") or []:
            if not isinstance(refunded, Mapping):
                continue
            n, line = place.get(refunded.get("line_item_id"), (None, None))
            if line is None or not _sku(line):
                continue
            event = order_line_event(order, n, "refund")
            out.append({**event, "ts": refund.get("created_at") or event["ts"],
                        "item_id": _sku(line), "quantity": refunded.get("quantity") or 1,
                        "price": line.get("price")})
    return out


def _line_items(payload: Mapping) -> list[Mapping]:
    return [line for line in payload.get("line_items") or [] if isinstance(line, Mapping)]


def _sku(line: Mapping) -> str:
    return str(line.get("sku") or "").strip()


def item_records(payload: Mapping) -> list[dict]:
    """An item per variant, as the products export makes them."""
    handle = payload.get("handle") or str(payload.get("id") or "")
    if not handle:
        raise InputError("a Shopify product without a handle or id", Location(field="handle"))
    options = [o.get("name") for o in payload.get("options") or [] if isinstance(o, Mapping)]
    image = (payload.get("image") or {}).get("src") if isinstance(payload.get("image"),
                                                                   Mapping) else None
    rows = []
    for n, variant in enumerate(v for v in payload.get("variants") or []
                                if isinstance(v, Mapping)):
        row = {"Handle": handle, "Variant SKU": variant.get("sku"),
               "Variant Price": variant.get("price"),
               "Variant Inventory Qty": variant.get("inventory_quantity"),
               "Variant Compare At Price": variant.get("compare_at_price"),
               "Variant Barcode": variant.get("barcode")}
        for i, option in enumerate(options[:3], 1):
            row[f"Option{i} Value"] = variant.get(f"option{i}")
            if n == 0:
                row[f"Option{i} Name"] = option
        if n == 0:
            row.update({"Product ID": payload.get("id"),
                        "Title": payload.get("title"), "Body (HTML)": payload.get("body_html"),
                        "Vendor": payload.get("vendor"), "Type": payload.get("product_type"),
                        "Tags": payload.get("tags"), "Status": payload.get("status"),
                        "Image Src": image})
        rows.append({k: None if v is None else str(v) for k, v in row.items()})
    items, _ = variant_items(rows, list(range(1, len(rows) + 1)))
    return items
