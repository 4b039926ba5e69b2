"""Taobao UserBehavior: app events with the source's behaviour codes mapped to our types."""

from __future__ import annotations

from datetime import UTC, datetime

FIRST_USERS = "events_taobao_userbehavior/UserBehavior_first43users.csv"
TIME_SLICE = "events_taobao_userbehavior/UserBehavior_timeslice_2017-11-26.csv"


def test_behaviour_becomes_app_events(sliced, ingest, source_line) -> None:
    users = sliced(FIRST_USERS, range(0, 400))
    sliced(TIME_SLICE, range(0, 200), range(60_000, 60_300))
    result = ingest(users.parent, "taobao")
    assert result.rejections == []
    events = result.records("event")
    assert len(events) == 400 + 500
    first = events[0]
    assert (first["account"], first["item_id"], first["type"], first["channel"]) == \
        ("1", "2268318", "view", "app")
    assert first["ts"] == datetime(2017, 11, 24, 17, 21, 10)  # 1511544070 in UTC
    assert first["extra"] == {"category_id": "2520377"}
    assert {e["type"] for e in events if e["_file"] == users.name} == \
        {"view", "cart", "fav", "purchase"}
    codes = {"pv": "view", "buy": "purchase", "cart": "cart", "fav": "fav"}
    for event in events[::23]:
        path = users if event["_file"] == users.name else users.parent / event["_file"]
        user, item, _category, behaviour, seconds = source_line(
            path, event["_row"], header=False).split(",")
        assert (event["account"], event["item_id"], event["type"]) == (user, item, codes[behaviour])
        assert event["ts"] == datetime.fromtimestamp(int(seconds), UTC).replace(tzinfo=None)
