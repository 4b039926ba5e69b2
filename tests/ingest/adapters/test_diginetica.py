"""DIGINETICA item views: ts = eventdate + timeframe ms; anonymous visitors keyed by session."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shopformer.core.errors import InputError

VIEWS = "session_diginetica_sample/sample_train-item-views.csv"


def test_views_with_session_times(sliced, ingest, source_line) -> None:
    path = sliced(VIEWS, range(0, 400), range(6000, 6100))
    result = ingest(path.parent, "diginetica")
    assert result.rejections == []
    events = result.records("event")
    assert len(events) == 399 + 100
    first = events[0]
    assert first["ts"] == datetime(2016, 5, 9) + timedelta(milliseconds=526309)
    assert (first["account"], first["session_id"], first["item_id"]) == ("session-1", "1", "81766")
    assert first["extra"] == {"user_id": "NA", "timeframe": "526309", "eventdate": "2016-05-09"}
    known = [e for e in events if e["session_id"] == "48"]
    assert known and {e["account"] for e in known} == {"2"}
    assert {(e["type"], e["channel"]) for e in events} == {("view", "web")}
    for event in events[::37]:
        session, _user, item, timeframe, day = source_line(path, event["_row"]).split(";")
        assert (event["session_id"], event["item_id"]) == (session, item)
        assert event["ts"] == datetime.fromisoformat(day) + timedelta(milliseconds=int(timeframe))


def test_a_time_that_cannot_be_built_is_rejected(tmp_path, ingest) -> None:
    path = tmp_path / "sample_train-item-views.csv"
    path.write_text("session_id;user_id;item_id;timeframe;eventdate\n"
                    "1;NA;81766;526309;2016-05-09\n2;NA;31331;soon;2016-05-09\n")
    result = ingest(path, "diginetica", keep_going=True)
    assert [(r.row, r.field) for r in result.rejections] == [(2, "ts")]
    assert len(result.records("event")) == 1
    with pytest.raises(InputError, match="row 2"):
        ingest(path, "diginetica")
