"""Search trends on a tiny shop with planted answers: a rising and a falling query come back,
noise does not, the query shoppers leave after tops the exit list, zero-result needs an engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from shopformer.core.errors import ConfigError
from shopformer.schema import record_spec
from shopformer.schema.validate import validate_batch
from shopformer.tasks.search.trends import search_trends

UNTIL = datetime(2024, 3, 15)
WEEK = timedelta(days=7)
# query forms (cycled), searches in the window before, in the last window, exits in the last
PLANTED = {
    "rising": (["rain jacket", "Rain Jacket", "ｒａｉｎ　ｊａｃｋｅｔ", "rain  jacket"], 3, 30, 0),
    "falling": (["手机壳", "手机壳 ", "手機殼"], 30, 3, 0),  # Traditional characters too
    "noisy": (["phone case"], 12, 19, 0),  # +58 %, well within chance
    "lamp": (["desk lamp"], 25, 19, 0),
    "mat": (["yoga mat"], 18, 22, 0),
    "cable": (["USB cable"], 20, 24, 0),
    "beans": (["coffee beans"], 22, 22, 0),
    "exit": (["blue scarf", "Blue Scarf"], 20, 20, 18),
    "few_exits": (["wool socks"], 5, 5, 5),  # every one an exit, but only five
    "tiny": (["xq"], 2, 2, 2),
}


class Events:
    """Rows of the event contract, typed the way ingest types them."""

    def __init__(self, prefix: str = "e") -> None:
        self.prefix = prefix  # event ids are the store's idempotency keys
        self.rows: dict[str, list] = {name: [] for name in (
            "event_id", "ts", "account", "channel", "type", "item_id", "query", "session_id")}

    def add(self, ts: datetime, account: str, type_: str, session: str | None,
            query: str | None = None, item: str | None = None, channel: str = "web") -> None:
        values = [f"{self.prefix}{len(self.rows['ts'])}", ts.isoformat() + "Z", account,
                  channel, type_, item, query, session]
        for name, value in zip(self.rows, values, strict=True):
            self.rows[name].append(value)

    def searches(self, tag: str, forms: list[str], count: int, end: datetime, exits: int = 0,
                 channel: str = "web") -> None:
        """`count` searches spread over the week before `end`, each in its own session; all
        but `exits` are followed there by a click. Those that exit are followed by a view in
        another session, which must not count."""
        for i in range(count):
            ts = end - WEEK * (i + 0.5) / count
            session = f"{channel}-{tag}-{end:%d}-{i}"
            account = f"{tag}{i % 7}"
            self.add(ts, account, "search", session, forms[i % len(forms)], channel=channel)
            if i < exits:
                self.add(ts + timedelta(minutes=1), account, "view", session + "-next",
                         item="i2", channel=channel)
            else:
                self.add(ts + timedelta(seconds=30), account, "click", session, item="i1",
                         channel=channel)

    def table(self) -> pa.Table:
        table = pa.table({name: pa.array(v, pa.string()) for name, v in self.rows.items()})
        checked = validate_batch(record_spec("event"), table, np.arange(1, table.num_rows + 1))
        assert not checked.rejections, checked.rejections[:3]
        return checked.table


def planted(store) -> None:
    events = Events()
    for tag, (forms, before, now, exits) in PLANTED.items():
        events.searches(tag, forms, before, UNTIL - WEEK, exits=min(exits, 2))
        events.searches(tag, forms, now, UNTIL, exits=exits)
    assert store.append("event", events.table()).inserted == len(events.rows["ts"])


@pytest.fixture
def store(workspace):
    planted(workspace.store)
    return workspace.store


def test_planted_rise_and_fall_come_back_and_noise_does_not(store):
    trends = search_trends(store, now=UNTIL)
    assert [t.query for t in trends.rising] == ["rain jacket"]
    assert [t.query for t in trends.falling] == ["手机壳"]
    assert (trends.falling[0].count_before, "手機殼" in trends.falling[0].examples) == (30, True)
    rain = trends.rising[0]
    assert (rain.count, rain.count_before, rain.change) == (30, 3, 27)
    assert rain.p_value < 0.01 and rain.share_ratio > 5
    assert set(rain.examples) <= {"rain jacket", "Rain Jacket", "ｒａｉｎ　ｊａｃｋｅｔ",
                                  "rain  jacket"} and len(rain.examples) == 3
    assert (trends.searches, trends.searches_before) == (
        sum(p[2] for p in PLANTED.values()), sum(p[1] for p in PLANTED.values()))
    assert (trends.since, trends.until) == (UNTIL - WEEK, UNTIL)


def test_many_stable_queries_with_chance_variation_are_no_trend(workspace):
    rng = np.random.default_rng(7)
    events = Events()
    for q in range(150):
        for end in (UNTIL - WEEK, UNTIL):
            events.searches(f"q{q}", [f"query {q}"], int(rng.poisson(12)), end)
    workspace.store.append("event", events.table())
    trends = search_trends(workspace.store, now=UNTIL)
    assert trends.searches > 1500
    assert trends.rising == () and trends.falling == ()


def test_high_exit_is_ranked_by_the_lower_bound_not_the_raw_rate(store):
    trends = search_trends(store, now=UNTIL)
    assert [e.query for e in trends.high_exit] == ["blue scarf", "wool socks"]
    scarf, socks = trends.high_exit
    assert (scarf.searches, scarf.exits) == (20, 18) and socks.exit_rate == 1.0
    assert scarf.exit_rate_low > socks.exit_rate_low > trends.exit_rate
    assert trends.exit_rate == pytest.approx(25 / trends.searches)
    assert scarf.examples == ("blue scarf", "Blue Scarf")


def test_a_log_without_exits_has_no_high_exit_queries(workspace):
    """Every search followed by a click: the overall exit rate is 0, and a query's Wilson
    bound, 0 up to rounding, must not list it (the demo shop listed 龙井茶 with 0 exits)."""
    events = Events()
    for n, query in enumerate(("龙井茶", "rain jacket", "desk lamp")):
        events.searches(f"q{n}", [query], 11 + 7 * n, UNTIL)
    workspace.store.append("event", events.table())
    trends = search_trends(workspace.store, now=UNTIL, min_count=5)
    assert trends.exit_rate == 0.0 and trends.high_exit == ()


def test_zero_result_asks_the_engine_once_per_normalized_query(store):
    asked = []

    def result_count(query: str) -> int:
        asked.append(query)
        return 0 if query in {"blue scarf", "wool socks", "手机壳"} else 12

    trends = search_trends(store, now=UNTIL, result_count=result_count)
    assert [(z.query, z.count) for z in trends.zero_result] == [("blue scarf", 20),
                                                                 ("wool socks", 5)]
    assert len(asked) == len(set(asked)) and "rain jacket" in asked
    assert "Rain Jacket" not in asked and "xq" not in asked and "手机壳" not in asked


def test_without_an_engine_zero_result_is_skipped_and_said_so(store):
    trends = search_trends(store, now=UNTIL)
    assert trends.zero_result is None
    assert any("zero-result" in note for note in trends.notes)
    assert trends.to_dict()["zero_result"] is None


def test_window_channel_and_default_now(store):
    events = Events("app-")
    events.searches("ski", ["ski boots"], 10, UNTIL, channel="app")
    store.append("event", events.table())
    on_app = search_trends(store, now=UNTIL, channel="app")
    assert (on_app.searches, on_app.searches_before, on_app.rising) == (10, 0, ())
    on_web = search_trends(store, now=UNTIL, channel="web")
    assert on_web.searches == sum(p[2] for p in PLANTED.values())
    latest = datetime(2024, 3, 16)
    aware = search_trends(store, now=latest.replace(tzinfo=UTC), window_days=8)
    assert aware.until == latest and aware.since == latest - timedelta(days=8)
    default = search_trends(store)
    assert UNTIL - timedelta(hours=6) < default.until <= UNTIL
    assert [t.query for t in default.rising] == ["rain jacket"]


def test_an_empty_store_gives_an_empty_report(workspace):
    trends = search_trends(workspace.store)
    assert (trends.searches, trends.rising, trends.high_exit, trends.exit_rate) == (0, (), (),
                                                                                    None)
    assert any("no searches" in note for note in trends.notes)


@pytest.mark.parametrize("arguments", [
    {"window_days": 0}, {"window_days": 1.5}, {"min_count": 0}, {"result_count": "engine"},
    {"now": "2024-03-15"}, {"channel": " "}, {"result_count": lambda query: -1},
])
def test_wrong_arguments_are_named(store, arguments):
    with pytest.raises(ConfigError, match=next(iter(arguments)).split("_")[0]):
        search_trends(store, **arguments)
