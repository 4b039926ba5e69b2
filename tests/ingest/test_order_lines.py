"""Orders exported a row per line item (Shopify, WooCommerce, Taobao order reports) become
orders and a purchase event per line: before, the second line of an order stopped the ingest
and what each customer bought was lost."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from tests.conftest import csv_text, write
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.core.errors import InputError
from shopformer.ingest.adapters import find_adapter
from shopformer.ingest.mapping import ColumnMapping

# Taobao-style order report in Chinese: the order's fields on its first line only
CHINESE_LINES = ("订单编号,买家会员名,下单时间,实付金额,渠道,商家编码,宝贝标题,数量,单价\n"
                 "T1,张三,2026-11-01 10:00:00,158,小程序,SKU-A,冰丝T恤 白色,2,49\n"
                 "T1,,,,,SKU-B,防晒衣,1,60\n"
                 "T2,李四,2026-11-02 09:00:00,,app,SKU-A,冰丝T恤 黑色,3,49\n"
                 "T2,,,,,SKU-A,冰丝T恤 白色,1,49\n")


def test_an_order_per_order_and_a_purchase_per_line(workspace, tmp_path):
    path = write(tmp_path / "orders.csv", CHINESE_LINES)
    summary = workspace.ingest(path)  # orders.* is read as orders by the shop adapter
    assert (summary.kinds["order"].accepted, summary.kinds["event"].accepted) == (2, 4)
    assert summary.read_as[str(path)] == {
        "order_id": "订单编号", "account": "买家会员名", "ts": "下单时间", "amount": "实付金额",
        "channel": "渠道", "item_id": "商家编码", "quantity": "数量", "price": "单价"}
    orders = {o["order_id"]: o for o in workspace.store.read_table("order").to_pylist()}
    assert orders["T1"]["amount"] == 158  # the export's own total wins
    assert orders["T2"]["amount"] == 4 * 49  # none given: price × quantity of its lines
    assert orders["T1"]["channel"] == "mini"
    # a line's own name differs within an order: it stays with the line, not the order
    assert "宝贝标题" not in json.loads(orders["T1"]["extra"] or "{}")
    events = workspace.store.read_table("event", order_by=["event_id"]).to_pylist()
    assert [(e["event_id"], e["item_id"], e["quantity"], e["price"]) for e in events] == [
        ("order-line:T1:1", "SKU-A", 2, 49.0), ("order-line:T1:2", "SKU-B", 1, 60.0),
        ("order-line:T2:1", "SKU-A", 3, 49.0), ("order-line:T2:2", "SKU-A", 1, 49.0)]
    t1 = orders["T1"]
    for event in events[:2]:  # the order's customer, channel and time, on every line
        assert (event["type"], event["account"], event["channel"], event["ts"],
                event["session_id"]) == ("purchase", t1["account"], "mini", t1["ts"], "T1")
        assert event["person_id"] == t1["person_id"]
    assert json.loads(events[1]["extra"]) == {"宝贝标题": "防晒衣"}
    # the items the lines name, with their names and prices, for a shop without a catalog
    items = workspace.store.read_table("item", ["item_id", "title", "price"],
                                       order_by=["item_id"]).to_pylist()
    assert items == [{"item_id": "SKU-A", "title": "冰丝T恤 白色", "price": 49.0},
                     {"item_id": "SKU-B", "title": "防晒衣", "price": 60.0}]
    # the same line twice in one order (T2) stays two purchases; re-ingesting adds nothing
    again = workspace.ingest(path)
    assert (again.kinds["order"].accepted, again.kinds["event"].accepted) == (0, 0)
    assert (again.kinds["item"].accepted, again.kinds["item"].duplicates) == (0, 2)


def test_the_items_lines_name_never_replace_the_catalogs(workspace, tmp_path):
    """An item the catalog describes keeps its row; an item only the orders named is
    replaced by the catalog export that comes later."""
    catalog = write(tmp_path / "items.csv", "item_id,title,price,description\n"
                    "SKU-A,冰丝T恤,59,凉感面料\n")
    workspace.ingest(catalog)
    summary = workspace.ingest(write(tmp_path / "orders.csv", CHINESE_LINES))
    assert (summary.kinds["item"].accepted, summary.kinds["item"].duplicates) == (1, 1)
    items = {i["item_id"]: i for i in workspace.store.read_table("item").to_pylist()}
    assert (items["SKU-A"]["title"], items["SKU-A"]["price"],
            items["SKU-A"]["description"]) == ("冰丝T恤", 59.0, "凉感面料")
    assert items["SKU-B"]["title"] == "防晒衣"
    later = write(tmp_path / "later" / "items.csv", "item_id,title,price,category\n"
                  "SKU-B,防晒衣 UPF50+,69,户外\n")
    assert workspace.ingest(later).kinds["item"].updated == 1
    row = workspace.store.read_keys("item", ["SKU-B"]).to_pylist()[0]
    assert (row["title"], row["price"], row["category"]) == ("防晒衣 UPF50+", 69.0, "户外")


def test_an_order_spread_over_batches_is_one_order(workspace, tmp_path):
    path = write(tmp_path / "orders.csv", CHINESE_LINES)
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="order"), batch_rows=1)
    assert (summary.kinds["order"].accepted, summary.kinds["event"].accepted) == (2, 4)
    amounts = {o["order_id"]: o["amount"] for o in workspace.store.read_table("order").to_pylist()}
    assert amounts == {"T1": 158, "T2": 196}


def test_a_line_without_its_order_is_refused_with_its_row(workspace, tmp_path):
    broken = CHINESE_LINES + ",,,,,SKU-C,遮阳帽,1,30\n"
    path = write(tmp_path / "orders.csv", broken)
    with pytest.raises(InputError) as stopped:
        workspace.ingest(path, mapping=ColumnMapping(kind="order"))
    assert "row 5" in str(stopped.value) and "order_id" in str(stopped.value)
    rejects = tmp_path / "rejects.jsonl"
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="order"), rejects=rejects)
    assert summary.kinds["order"].rejected == 1 and summary.kinds["event"].accepted == 4
    assert json.loads(rejects.read_text(encoding="utf-8").splitlines()[0])["row"] == 5


def test_one_row_per_order_without_items_is_read_as_before(workspace, tmp_path):
    """A price or quantity column beside no item is the order's own: no line, no event."""
    path = write(tmp_path / "orders.csv", "order_id,account,channel,ts,amount,price,数量\n"
                 "O1,u1,web,2026-11-01 10:00:00,30,30,1\n")
    summary = workspace.ingest(path)
    assert set(summary.kinds) == {"order"}
    order = workspace.store.read_table("order").to_pylist()[0]
    assert json.loads(order["extra"]) == {"price": "30", "数量": "1"}


SHOPIFY_COLUMNS = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status",
                   "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Created at",
                   "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
                   "Billing Name", "Billing Street", "Billing Address1", "Billing City",
                   "Billing Zip", "Payment Method", "Source", "Phone"]


def _shopify_export() -> str:
    rows = [
        {"Name": "#1001", "Email": "anna@example.com", "Financial Status": "paid",
         "Total": "58.90", "Created at": "2026-11-02 10:14:55 +0100", "Lineitem quantity": "2",
         "Lineitem name": "Linen Shirt - M", "Lineitem price": "19.00", "Lineitem sku": "LS-M",
         "Billing Name": "Anna Schmidt", "Billing Street": "Hauptstr. 5",
         "Billing Address1": "Hauptstr. 5", "Billing City": "Berlin", "Billing Zip": "10115",
         "Payment Method": "Shopify Payments", "Source": "web"},
        {"Name": "#1001", "Email": "anna@example.com", "Lineitem quantity": "1",
         "Lineitem name": "Canvas Tote", "Lineitem price": "16.00", "Lineitem sku": "CT-01"},
        {"Name": "#1002", "Email": " Anna@Example.com", "Total": "39.00",
         "Created at": "2026-11-03 18:00:41 +0100", "Lineitem quantity": "1",
         "Lineitem name": "Wool Beanie", "Lineitem price": "39.00", "Lineitem sku": "WB-GR",
         "Source": "pos"},
        {"Name": "#1003", "Total": "12.00", "Created at": "2026-11-04 12:00:00 +0100",
         "Lineitem quantity": "1", "Lineitem name": "Gift wrap", "Lineitem price": "12.00",
         "Lineitem sku": "", "Source": "pos"},  # a walk-in sale: no customer, no SKU
        {"Name": "#1004", "Total": "19.00", "Created at": "2026-11-05 12:00:00 +0100",
         "Lineitem quantity": "1", "Lineitem name": "Linen Shirt - M", "Lineitem price": "19",
         "Lineitem sku": "LS-M", "Source": "", "Phone": "+44 7700 900123"},
    ]
    return csv_text(SHOPIFY_COLUMNS, rows)


def test_a_shopify_orders_export(workspace, tmp_path):
    path = write(tmp_path / "orders_export.csv", _shopify_export())
    assert find_adapter(path).name == "shopify_orders"
    result = CliRunner().invoke(app, ["ingest", str(path), "-w", str(workspace.root)],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "a purchase event for each of the 4 lines naming an item" in " ".join(
        result.output.split())
    orders = {o["order_id"]: o for o in workspace.store.read_table("order").to_pylist()}
    assert set(orders) == {"#1001", "#1002", "#1003", "#1004"}
    assert orders["#1001"]["amount"] == pytest.approx(58.90)
    assert [orders[o]["channel"] for o in sorted(orders)] == ["web", "store", "store", "web"]
    # the walk-in sale is a guest of its own; an order with a phone but no e-mail is the
    # phone's; every id is pseudonymized
    accounts = {o: orders[o]["account"] for o in orders}
    assert len(set(accounts.values())) == 3 and accounts["#1001"] == accounts["#1002"]
    assert not any("@" in a or "guest" in a or "+44" in a for a in accounts.values())
    # one customer on the online store and in the shop's store: one person
    assert orders["#1001"]["person_id"] == orders["#1002"]["person_id"]
    extra = json.loads(orders["#1001"]["extra"])
    for column in ("Billing Name", "Billing Street", "Billing Address1", "Billing Zip"):
        assert extra[column].startswith("v_"), column
    assert extra["Billing City"] == "Berlin" and extra["Financial Status"] == "paid"
    events = workspace.store.read_table("event", order_by=["event_id"]).to_pylist()
    assert [(e["event_id"], e["item_id"], e["channel"]) for e in events] == [
        ("order-line:#1001:1", "LS-M", "web"), ("order-line:#1001:2", "CT-01", "web"),
        ("order-line:#1002:1", "WB-GR", "store"), ("order-line:#1004:1", "LS-M", "web")]
    assert events[0]["ts"] == orders["#1001"]["ts"]
    titles = dict(zip(*workspace.store.read_table("item", ["item_id", "title"]).columns,
                      strict=True))
    assert {k.as_py(): v.as_py() for k, v in titles.items()} == {
        "LS-M": "Linen Shirt - M", "CT-01": "Canvas Tote", "WB-GR": "Wool Beanie"}
    assert CliRunner().invoke(app, ["ingest", str(path), "-w", str(workspace.root)]).exit_code == 0
    assert workspace.store.read_table("event").num_rows == 4  # re-ingested: nothing added


def test_a_line_is_numbered_among_all_its_orders_lines_and_totals_stay_exact(workspace,
                                                                            tmp_path):
    """A line without an item (gift wrap) still takes its place, so a later export that
    gives it a SKU keys the others as before; a summed total keeps every digit."""
    path = write(tmp_path / "orders.csv", "order_id,account,channel,ts,sku,quantity,price\n"
                 "T3,u3,web,2026-11-03 10:00:00,SKU-A,1,10\n"
                 "T3,,,,,1,2\n"
                 "T3,,,,SKU-C,1,30\n"
                 "T4,u4,web,2026-11-04 10:00:00,SKU-B,2,1234567.5\n")
    workspace.ingest(path, mapping=ColumnMapping(kind="order"))
    events = workspace.store.read_table("event", ["event_id"], order_by=["event_id"])
    assert events["event_id"].to_pylist() == ["order-line:T3:1", "order-line:T3:3",
                                              "order-line:T4:1"]
    amounts = {o["order_id"]: o["amount"] for o in workspace.store.read_table("order").to_pylist()}
    assert amounts == {"T3": 42.0, "T4": 2469135.0}


def test_a_line_report_after_its_order_report_takes_the_orders_customer(workspace, tmp_path):
    """Taobao exports an order report (customer, time, total) and a line report (order
    number, item, quantity, price, no customer). The line report stopped at "account:
    required field is empty"; now its lines take their orders' customer, channel and time
    from the store, and the orders keep their stored totals."""
    orders = write(tmp_path / "订单报表.csv",
                   "订单编号,买家会员名,订单创建时间,总金额,收货人姓名,订单状态\n"
                   "2081,tb_zhang3,2026-11-01 10:00:00,158.00,张三,卖家已发货\n")
    workspace.ingest(orders, mapping=ColumnMapping(kind="order", constants={"channel": "web"}))
    lines = write(tmp_path / "宝贝报表.csv", "订单编号,标题,价格,购买数量,商家编码\n"
                  "2081,冰丝T恤 白色,49.00,2,SKU-A\n2081,防晒衣,50.00,1,SKU-B\n"
                  "9999,遮阳帽,30.00,1,SKU-C\n")  # its order is not stored: refused
    rejects = tmp_path / "rejects.jsonl"
    summary = workspace.ingest(lines, mapping=ColumnMapping(kind="order"), rejects=rejects)
    assert (summary.kinds["event"].accepted, summary.kinds["order"].rejected) == (2, 1)
    assert summary.kinds["order"].updated == 0  # nothing new about the order itself
    order = workspace.store.read_table("order").to_pylist()[0]
    assert order["amount"] == 158.0  # its total, postage and discounts in, not 148
    events = workspace.store.read_table("event", order_by=["event_id"]).to_pylist()
    assert [(e["item_id"], e["quantity"]) for e in events] == [("SKU-A", 2), ("SKU-B", 1)]
    person = workspace.person_for_account("web", "tb_zhang3")
    for event in events:  # the customer's own pseudonym, not a pseudonym of it
        assert (event["account"], event["channel"], event["ts"], event["person_id"]) == (
            order["account"], "web", order["ts"], person)
    again = workspace.ingest(lines, mapping=ColumnMapping(kind="order"), rejects=rejects)
    assert again.kinds["event"].duplicates == 2 and again.kinds["order"].duplicates == 1


def test_lines_refunded_in_full_are_refunds_of_their_items(workspace, tmp_path):
    """An order refunded in full (Shopify's Financial Status "refunded"), or a line whose
    refund went through (Taobao's 退款状态 退款成功), was stored as a purchase alone: the
    customer who sent a bag back was recommended it again."""
    rows = [
        {"Name": "#2001", "Email": "kim@example.com", "Financial Status": "refunded",
         "Total": "35.00", "Created at": "2026-11-02 10:00:00 +0100", "Lineitem quantity": "1",
         "Lineitem name": "Canvas Tote", "Lineitem price": "16.00", "Lineitem sku": "CT-01"},
        {"Name": "#2001", "Email": "kim@example.com", "Lineitem quantity": "1",
         "Lineitem name": "Linen Shirt - M", "Lineitem price": "19.00", "Lineitem sku": "LS-M"},
        {"Name": "#2002", "Email": "kim@example.com", "Financial Status": "partially_refunded",
         "Total": "39.00", "Created at": "2026-11-03 10:00:00 +0100", "Lineitem quantity": "1",
         "Lineitem name": "Wool Beanie", "Lineitem price": "39.00", "Lineitem sku": "WB-GR"},
    ]
    summary = workspace.ingest(write(tmp_path / "orders_export.csv",
                                     csv_text(SHOPIFY_COLUMNS, rows)))
    assert "and a refund for each of the 2 refunded in full" in summary.notes[
        str(tmp_path / "orders_export.csv")]
    events = workspace.store.read_table("event", order_by=["event_id"]).to_pylist()
    assert [(e["event_id"], e["type"], e["item_id"]) for e in events] == [
        ("order-line:#2001:1", "purchase", "CT-01"), ("order-line:#2001:2", "purchase", "LS-M"),
        ("order-line:#2002:1", "purchase", "WB-GR"),  # which lines, the export does not say
        ("order-refund:#2001:1", "refund", "CT-01"), ("order-refund:#2001:2", "refund", "LS-M")]
    assert events[3]["ts"] == events[0]["ts"]  # no refund time given: the order's
    assert events[3]["person_id"] == events[0]["person_id"]
    # a line report: the refund status and time are each line's own
    workspace.ingest(write(tmp_path / "订单报表.csv", "订单编号,买家会员名,订单创建时间,总金额\n"
                           "3001,tb_li4,2026-11-05 10:00:00,98.00\n"),
                     mapping=ColumnMapping(kind="order", constants={"channel": "app"}))
    lines = write(tmp_path / "宝贝报表.csv",
                  "订单编号,标题,价格,购买数量,商家编码,退款状态,退款时间\n"
                  "3001,冰丝T恤 白色,49.00,1,SKU-A,退款成功,2026-11-09 15:00:00\n"
                  "3001,防晒衣,49.00,1,SKU-B,没有申请退款,\n")
    summary = workspace.ingest(lines, mapping=ColumnMapping(kind="order"))
    assert summary.kinds["event"].accepted == 3
    refund = workspace.store.read_keys("event", ["order-refund:3001:1"]).to_pylist()[0]
    assert (refund["type"], refund["item_id"], refund["ts"]) == (
        "refund", "SKU-A", datetime(2026, 11, 9, 15, 0))
    assert refund["person_id"] == workspace.person_for_account("app", "tb_li4")
    again = workspace.ingest(lines, mapping=ColumnMapping(kind="order"))
    assert again.kinds["event"].duplicates == 3
