"""A shop's own export headers ("user_id", "timestamp", "用户ID", "行为类型") and Chinese codes
(浏览, 小程序) are read as our fields and values without a mapping, said aloud, and never so
that a file stored before would be stored again."""

from __future__ import annotations

import json

from tests.conftest import write
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.ingest.header_names import columns_to_read, common_columns
from shopformer.ingest.mapping import ColumnMapping

CHINESE_EXPORT = ("用户ID,商品ID,行为类型,时间,渠道\n"
                  "u1,i1,浏览,2026-11-01 10:00:00,app\n"
                  "u1,i1,加购,2026-11-01 10:05:00,app\n"
                  "u2,i2,购买,2026-11-02 09:00:00,小程序\n")


def test_common_names_are_read_once_and_never_over_our_own():
    columns = ["User ID", "timestamp", "Event", "SKU", "platform", "note"]
    assert common_columns("event", ["ts", "account", "channel", "type", "item_id"],
                          columns, {}) == {"ts": "timestamp", "account": "User ID",
                                           "channel": "platform", "type": "Event",
                                           "item_id": "SKU"}
    # a column already named as ours, or mapped, stays; two candidates: neither is read
    assert common_columns("event", ["ts", "account"], ["ts", "time", "uid"], {}) == {
        "account": "uid"}
    assert common_columns("event", ["account"], ["uid", "customer_id"], {}) == {}
    assert common_columns("event", ["account"], ["uid", "member"], {"account": "member"}) == {}
    # the kind decides: "content" is a review's text and a chat turn's text
    assert common_columns("review", ["review_id", "text", "rating"],
                          ["评价ID", "评价内容", "评分"], {}) == {
        "review_id": "评价ID", "text": "评价内容", "rating": "评分"}
    assert common_columns("order", ["order_id", "ts", "amount"],
                          ["订单编号", "下单时间", "实付金额"], {}) == {
        "order_id": "订单编号", "ts": "下单时间", "amount": "实付金额"}


def test_rows_keyed_by_their_content_keep_their_keys():
    """An event file that was readable before (its required fields there) keeps "数量" in
    extra, as before, and only suggests it; one that was not, or whose rows carry their
    own key, reads it."""
    readable = ["ts", "account", "channel", "type", "item_id", "数量"]
    assert columns_to_read("event", readable, {}, ()) == ({"quantity": "数量"}, False)
    assert columns_to_read("event", [*readable, "event_id"], {}, ()) == (
        {"quantity": "数量"}, True)
    assert columns_to_read("event", ["时间", "用户ID", "channel", "type", "item_id", "数量"],
                           {}, ()) == ({"ts": "时间", "account": "用户ID",
                                        "quantity": "数量"}, True)
    # no item column and no query: no view could be read before
    assert columns_to_read("event", ["ts", "account", "channel", "type", "商品ID"], {},
                           ()) == ({"item_id": "商品ID"}, True)
    assert columns_to_read("item", ["item_id", "商品名称", "价格"], {}, ()) == (
        {"title": "商品名称", "price": "价格"}, True)


def test_a_jsonl_chunk_may_bring_a_key_the_first_lacked(workspace, tmp_path):
    """JSONL rows name their own keys: a search's 搜索词 first appears in a later chunk."""
    lines = [json.dumps({"用户ID": f"u{n}", "时间": "2026-11-01 10:00:00", "渠道": "app",
                         "行为类型": "浏览", "商品ID": "i1"}, ensure_ascii=False)
             for n in range(3)]
    lines.append(json.dumps({"用户ID": "u9", "时间": "2026-11-01 11:00:00", "渠道": "app",
                             "行为类型": "搜索", "搜索词": "耳机"}, ensure_ascii=False))
    path = write(tmp_path / "events.jsonl", "\n".join(lines) + "\n")
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="event"), batch_rows=2)
    assert summary.kinds["event"].accepted == 4
    assert summary.read_as[str(path)]["query"] == "搜索词"
    rows = workspace.store.read_table("event", ["type", "query"], order_by=["ts"]).to_pylist()
    assert rows[-1] == {"type": "search", "query": "耳机"}


def test_a_chinese_export_is_ingested_without_a_mapping(workspace, tmp_path):
    path = write(tmp_path / "events.csv", CHINESE_EXPORT)
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="event"))
    assert summary.kinds["event"].accepted == 3
    assert summary.read_as == {str(path): {"account": "用户ID", "item_id": "商品ID",
                                           "type": "行为类型", "ts": "时间",
                                           "channel": "渠道"}}
    rows = workspace.store.read_table("event", order_by=["ts"]).to_pylist()
    assert [(r["type"], r["channel"], r["item_id"]) for r in rows] == [
        ("view", "app", "i1"), ("cart", "app", "i1"), ("purchase", "mini", "i2")]
    assert rows[0]["account"] != "u1"  # pseudonymized at the door, as a mapped account is
    assert workspace.ingest(path, mapping=ColumnMapping(kind="event")).kinds[
        "event"].accepted == 0
    result = CliRunner().invoke(app, ["ingest", str(path), "-w", str(workspace.root),
                                      "--kind", "event"], terminal_width=200)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "columns read by their common names:" in said and "用户ID as account" in said
