"""Identity links resolve to one stable person, whatever order they arrive in."""

from __future__ import annotations

import random

import pyarrow as pa
from tests.conftest import write

from shopformer.ingest.identity import resolve_persons
from shopformer.ingest.mapping import ColumnMapping

LINKS = [("web", "w1", "app", "a1"), ("app", "a1", "store", "m1"),  # a chain: w1–a1–m1
         ("web", "w2", "mini", "x2"), ("phone", "h9", "web", "w2")]


def links_table(rows):
    names = ("channel_a", "account_a", "channel_b", "account_b")
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def mapping_of(rows) -> dict:
    table = resolve_persons(links_table(rows))
    return dict(zip(zip(table["channel"].to_pylist(), table["account"].to_pylist(), strict=True),
                    table["person_id"].to_pylist(), strict=True))


def test_chains_join_and_separate_people_stay_apart():
    persons = mapping_of(LINKS)
    assert persons[("web", "w1")] == persons[("app", "a1")] == persons[("store", "m1")]
    assert persons[("web", "w2")] == persons[("mini", "x2")] == persons[("phone", "h9")]
    assert persons[("web", "w1")] != persons[("web", "w2")]


def test_result_does_not_depend_on_order_or_direction():
    expected = mapping_of(LINKS)
    rng = random.Random(3)
    for _ in range(20):
        shuffled = [(c2, a2, c1, a1) if rng.random() < 0.5 else (c1, a1, c2, a2)
                    for c1, a1, c2, a2 in rng.sample(LINKS, len(LINKS))]
        assert mapping_of(shuffled) == expected


def test_incremental_links_and_reingest_keep_person_ids(workspace, tmp_path):
    events = write(tmp_path / "events.csv",
                   "ts,account,channel,type,item_id\n"
                   "2024-01-01T09:00:00Z,w1,web,view,i1\n"
                   "2024-01-01T08:00:00Z,a1,app,view,i2\n"
                   "2024-01-01T10:00:00Z,m1,store,purchase,i2\n")
    first = write(tmp_path / "links1.csv", "channel_a,account_a,channel_b,account_b,kind\n"
                                           "app,a1,store,m1,member_card\n")
    second = write(tmp_path / "links2.csv", "channel_a,account_a,channel_b,account_b,kind\n"
                                            "web,w1,app,a1,login\n")
    workspace.ingest(events, mapping=ColumnMapping(kind="event"))
    workspace.ingest(first, mapping=ColumnMapping(kind="link"))
    workspace.ingest(second, mapping=ColumnMapping(kind="link"))
    person = workspace.person_for_account("web", "w1")
    assert workspace.person_for_account("store", "m1") == person
    timeline = workspace.store.person_timeline(person)
    assert timeline["channel"].to_pylist() == ["app", "web", "store"]  # merged, in time order
    again = workspace.ingest(second, mapping=ColumnMapping(kind="link"))
    assert again.persons_changed == 0
    assert workspace.person_for_account("web", "w1") == person
