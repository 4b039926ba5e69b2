"""Amazon Beauty (`user item` lines): rate events whose synthetic clock keeps the real order."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

BEAUTY = "seqrec_amazon_beauty/beauty.txt"
START = datetime(2000, 1, 1)


def test_user_sequences_in_order(sliced, ingest, source_line) -> None:
    path = sliced(BEAUTY, range(0, 1500), range(199_989, 200_010))
    result = ingest(path.parent, "seqrec")
    assert result.rejections == []
    events = result.records("event")
    assert len(events) == 1500 + 21
    first_user = [e for e in events if e["account"] == "1"]
    assert [e["item_id"] for e in first_user] == [str(k) for k in range(1, 43)]
    assert [e["ts"] for e in first_user] == [START + timedelta(seconds=k) for k in range(42)]
    assert [e["extra"]["position"] for e in first_user] == list(range(42))
    assert {(e["channel"], e["type"]) for e in events} == {("web", "rate")}
    for event in events[::97]:
        assert source_line(path, event["_row"], header=False) == \
            f"{event['account']} {event['item_id']}"


def test_positions_continue_across_batches(sliced, ingest) -> None:
    path = sliced(BEAUTY, range(0, 800))
    whole = ingest(path, "seqrec").records("event")
    pieces = ingest(path, "seqrec", batch_rows=7).records("event")
    assert [e["ts"] for e in pieces] == [e["ts"] for e in whole]
    for account in {e["account"] for e in whole}:
        times = np.array([e["ts"] for e in whole if e["account"] == account])
        assert times[0] == START
        assert (np.diff(times) == timedelta(seconds=1)).all()


def test_middle_slice_starts_each_user_at_zero(sliced, ingest) -> None:
    path = sliced(BEAUTY, range(199_989, 200_010))  # users 19696 … 19700, first one cut
    events = ingest(path, "seqrec").records("event")
    user = [e for e in events if e["account"] == "19698"]
    assert [e["item_id"] for e in user] == ["11103", "9422", "3191", "40196", "2618", "1997"]
    assert [e["extra"]["position"] for e in user] == list(range(6))
