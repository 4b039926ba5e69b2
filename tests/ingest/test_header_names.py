"""A shop's own export headers ("user_id", "timestamp", "用户ID", "行为类型") and Chinese codes
(浏览, 小程序) are read as our fields and values without a mapping, said aloud, and never so
that a file stored before would be stored again."""

from __future__ import annotations

import json

import pytest
from tests.conftest import write
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.core.errors import InputError
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
    # Taobao's order report: the total before discounts, and what the buyer paid
    assert common_columns("order", ["amount"], ["总金额", "买家实际支付金额"], {}) == {
        "amount": "买家实际支付金额"}
    assert common_columns("order", ["amount"], ["总金额", "订单金额"], {}) == {}


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


CHAT_EXPORT = ("会话ID,发送方,消息内容,发送时间\n"
               "S1,买家,我的订单到哪了？,2026-11-01 10:00:01\n"
               "S1,客服,亲，请提供一下订单号哦,2026-11-01 10:00:30\n"
               "S2,买家,衣服偏小，能换大一码吗,2026-11-02 09:13:00\n"
               "S2,卖家,可以的，请在订单页申请换货,2026-11-02 09:14:00\n"
               "S1,买家,订单号是 O0000001,2026-11-01 10:01:02\n"
               "S1,客服,已经发货了，预计明天送达,2026-11-01 10:01:40\n")


def test_a_chat_export_without_turn_numbers_is_ingested_and_ordered_by_time(workspace,
                                                                            tmp_path):
    """Chat exports seldom number their messages and name their speakers 买家 / 客服: such a
    file stopped with "missing required column(s) turn, text". Its messages are keyed by
    their content (re-ingesting adds nothing) and read in the order of their time."""
    from shopformer.tasks.past_answers import past_answers

    path = write(tmp_path / "chats.csv", CHAT_EXPORT)
    summary = workspace.ingest(path)  # the shop adapter knows chats.* as turns
    assert summary.kinds["turn"].accepted == 6
    assert summary.read_as[str(path)] == {"conversation_id": "会话ID", "role": "发送方",
                                          "text": "消息内容", "ts": "发送时间"}
    rows = workspace.store.read_table("turn", ["conversation_id", "role", "turn"],
                                      order_by=["conversation_id", "ts"]).to_pylist()
    assert [r["role"] for r in rows] == ["customer", "agent", "customer", "agent",
                                         "customer", "agent"]
    assert all(r["turn"] is None for r in rows)
    assert workspace.ingest(path).kinds["turn"].accepted == 0
    pairs = [(a.customer, a.agent) for a in past_answers(workspace.store)]
    assert ("订单号是 O0000001", "已经发货了，预计明天送达") in pairs  # in time order, not file
    assert ("我的订单到哪了？", "亲，请提供一下订单号哦") in pairs
    # numbered messages keep the key they had: conversation and turn
    numbered = write(tmp_path / "turns.csv", "conversation_id,turn,role,text\n"
                     "S9,0,customer,hello\nS9,1,agent,hi there\n")
    workspace.ingest(numbered)
    keys = workspace.store.read_table("turn", ["turn_key", "conversation_id"]).to_pylist()
    assert {k["turn_key"] for k in keys if k["conversation_id"] == "S9"} == {"S9:0", "S9:1"}
    assert columns_to_read("turn", ["conversation_id", "role", "text", "seq"], {}, ()) == (
        {"turn": "seq"}, True)  # a file without turns could not be read before


def test_an_english_help_desk_export_is_read_too(workspace, tmp_path):
    """Help desks export "Conversation ID, Author, Body, Created At" with end-user / admin
    speakers; "Conversation ID" and "Author" were not known names."""
    path = write(tmp_path / "chats.csv", "Conversation ID,Author,Body,Created At\n"
                 "T1,end-user,Where is my package?,2026-11-01T10:00:00Z\n"
                 "T1,admin,Could you share your order number?,2026-11-01T10:01:00Z\n")
    summary = workspace.ingest(path)
    assert summary.read_as[str(path)] == {"conversation_id": "Conversation ID",
                                          "role": "Author", "text": "Body",
                                          "ts": "Created At"}
    rows = workspace.store.read_table("turn", ["role"], order_by=["ts"]).to_pylist()
    assert [r["role"] for r in rows] == ["customer", "agent"]


def test_a_review_export_gives_its_time_by_its_common_name():
    """评价时间 was kept in extra, and `shopformer opinions` said the reviews had no time."""
    assert columns_to_read("review", ["商品ID", "评价内容", "评分", "评价时间"], {}, ()) == (
        {"item_id": "商品ID", "text": "评价内容", "rating": "评分", "ts": "评价时间"}, True)


def test_a_conversation_per_record_with_its_messages_in_a_list(workspace, tmp_path):
    """Help-desk and chat APIs dump a conversation per record, its messages in a list; such
    a file stopped with missing columns. Each message is a row, numbered by its place."""
    lines = [{"id": "T1", "channel": "web", "messages": [
                 {"author": "end-user", "body": "Where is my package?",
                  "created_at": "2026-11-01T10:00:00Z"},
                 {"author": "agent", "body": "Could you share your order number?",
                  "created_at": "2026-11-01T10:01:00Z"}]},
             {"id": "T2", "channel": "app", "messages": [
                 {"author": "end-user", "body": "Can I return shoes I wore once?"},
                 {"author": "admin", "body": "Only unworn items, within 30 days."}]}]
    path = write(tmp_path / "chats.jsonl",
                 "".join(json.dumps(line) + "\n" for line in lines))
    summary = workspace.ingest(path)
    assert summary.kinds["turn"].accepted == 4
    assert summary.read_as[str(path)]["conversation_id"] == "conversation.id"
    rows = workspace.store.read_table(
        "turn", ["turn_key", "role", "text", "channel"],
        order_by=["conversation_id", "turn"]).to_pylist()
    assert [(r["turn_key"], r["role"], r["channel"]) for r in rows] == [
        ("T1:0", "customer", "web"), ("T1:1", "agent", "web"),
        ("T2:0", "customer", "app"), ("T2:1", "agent", "app")]
    assert workspace.ingest(path).kinds["turn"].accepted == 0
    bad = write(tmp_path / "bad.jsonl", json.dumps({"id": "T3", "messages": "hello"}) + "\n")
    with pytest.raises(InputError, match="row 1, field 'messages': expected a list"):
        workspace.ingest(bad, mapping=ColumnMapping(kind="turn"))


def test_an_analytics_export_is_read_with_its_event_names(workspace, tmp_path):
    """Google Analytics 4 (event_name, event_timestamp in microseconds, user_pseudo_id,
    platform) and Segment ("Product Viewed", "Order Completed") name their e-commerce
    events their own way: every row was rejected as an unknown event type."""
    path = write(tmp_path / "events.csv",
                 "event_name,event_timestamp,user_pseudo_id,platform,item_id\n"
                 "view_item,1764583200000000,123.456,WEB,SKU1\n"
                 "begin_checkout,1764583260000000,123.456,WEB,SKU1\n"
                 "Order Completed,1764583320000000,123.456,IOS,SKU1\n")
    summary = workspace.ingest(path)
    assert summary.kinds["event"].accepted == 3
    assert summary.read_as[str(path)] == {"ts": "event_timestamp", "account": "user_pseudo_id",
                                          "channel": "platform", "type": "event_name"}
    rows = workspace.store.read_table("event", ["type", "channel"], order_by=["ts"]).to_pylist()
    assert [(r["type"], r["channel"]) for r in rows] == [
        ("view", "web"), ("checkout", "web"), ("purchase", "app")]
