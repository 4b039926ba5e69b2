"""Search trends: which queries are rising or falling, which find nothing, and after which
shoppers leave — for `shopformer search-report` and the dashboard.

Queries are grouped by a normalized form, so "Rain Jacket", "ｒａｉｎ　ｊａｃｋｅｔ" and
"rain  jacket" are one query; each entry keeps the raw forms shoppers typed most as examples.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from numbers import Integral

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.stats import binom, false_discovery_control

from shopformer.core.errors import ConfigError
from shopformer.data.chinese_script import simplified
from shopformer.storage.base import Store

SEARCH = "search"
ENGAGEMENT = ("click", "view", "cart", "purchase")  # a search followed by one of these worked
SIGNIFICANCE = 0.01  # largest Benjamini–Hochberg adjusted p-value reported as a trend
MIN_SHARE_RATIO = 1.5  # a trend moves a query's share of searches by at least this factor
WILSON_Z = 1.96  # 95 % Wilson interval for exit rates
EXAMPLES = 3
COLUMNS = ["ts", "channel", "type", "query", "session_id", "person_id"]


@dataclass(frozen=True)
class QueryTrend:
    query: str  # normalized
    count: int  # searches in the last window
    count_before: int  # searches in the window before it
    change: int  # count - count_before
    share_ratio: float | None  # share of all searches now / before; None when it was 0
    p_value: float  # two-sided, Benjamini–Hochberg adjusted over the queries tested
    examples: tuple[str, ...]  # raw forms, most typed first


@dataclass(frozen=True)
class ZeroResultQuery:
    query: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ExitQuery:
    query: str
    searches: int  # searches with a session in the last window
    exits: int  # of those, followed by no click, view, cart or purchase in the session
    exit_rate: float
    exit_rate_low: float  # Wilson 95 % lower bound: the ranking key
    examples: tuple[str, ...]


@dataclass(frozen=True)
class SearchTrends:
    """The last window (since, until] compared with the window of equal length before it."""

    since: datetime
    until: datetime
    window_days: int
    channel: str | None
    searches: int
    searches_before: int
    exit_rate: float | None  # over every search with a session in the last window
    rising: tuple[QueryTrend, ...]
    falling: tuple[QueryTrend, ...]
    zero_result: tuple[ZeroResultQuery, ...] | None  # None: not checked (no result_count)
    high_exit: tuple[ExitQuery, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for the dashboard and `--json`."""
        out = dataclasses.asdict(self)
        out["since"], out["until"] = self.since.isoformat(), self.until.isoformat()
        return out


@dataclass(frozen=True)
class _Searches:
    """The searches of both windows, one row each, with queries as integer codes."""

    queries: np.ndarray  # (Q,) normalized texts
    raw: np.ndarray  # (R,) texts as typed
    raw_query: np.ndarray  # (R,) code of each raw text's normalized query
    raw_typed: np.ndarray  # (R,) how often each raw text was searched in both windows
    query: np.ndarray  # (S,) code into `queries`
    raw_code: np.ndarray  # (S,) code into `raw`
    current: np.ndarray  # (S,) in the last window, else in the one before
    sessioned: np.ndarray  # (S,) has a session, so whether the shopper left can be told
    exited: np.ndarray  # (S,) no engagement in the session at or after it

    def count(self, where: np.ndarray) -> np.ndarray:
        return np.bincount(self.query[where], minlength=len(self.queries))

    def examples(self, code: int) -> tuple[str, ...]:
        forms = np.flatnonzero(self.raw_query == code)
        forms = forms[np.argsort(-self.raw_typed[forms], kind="stable")]
        return tuple(str(text) for text in self.raw[forms[:EXAMPLES]])


def search_trends(store: Store, *, window_days: int = 7, now: datetime | None = None,
                  min_count: int = 5, result_count: Callable[[str], int] | None = None,
                  channel: str | None = None) -> SearchTrends:
    """Compare the last `window_days` up to `now` (default: the latest search or item event)
    with the window before it, for searches on `channel` (all when None).

    Rising and falling: for each query searched at least `min_count` times in either window,
    a two-sided exact binomial test (doubled smaller tail) of its count in the last window
    given its count in both, against the last window's share of all searches — so a shop
    that gets busier does not make every query rise. P-values are Benjamini–Hochberg
    adjusted; a trend needs adjusted p < 0.01, at least `min_count` searches in the window
    it is high in, and a share of searches moved by at least 1.5×.

    Zero-result: queries searched `min_count` times in the last window for which
    `result_count(normalized_query)` — the shop's search engine — returns 0. Without one the
    section is None and a note says so: sessions cannot tell an empty result from a poor one.

    High exit: queries searched `min_count` times (with a session) in the last window whose
    Wilson 95 % lower bound of the exit rate (no click, view, cart or purchase in the same
    session at or after the search) is above the overall exit rate, highest bound first."""
    _check(window_days, now, min_count, result_count, channel)
    events = _read(store, channel)
    until = _until(now, events)
    window = timedelta(days=window_days)
    searches = _searches(events, until - 2 * window, until - window, until)
    notes = []
    if not len(searches.query):
        notes.append(f"no searches{f' on {channel}' if channel else ''} between "
                     f"{until - 2 * window:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M}")
    rising, falling, note = _trends(searches, min_count)
    notes += note
    zero_result = None
    if result_count is None:
        notes.append("zero-result queries not checked: no result_count (search engine) given")
    else:
        zero_result = _zero_result(searches, min_count, result_count)
    exit_rate, high_exit = _high_exit(searches, min_count)
    return SearchTrends(until - window, until, window_days, channel,
                        int(searches.current.sum()), int((~searches.current).sum()), exit_rate,
                        rising, falling, zero_result, high_exit, tuple(notes))


def _check(window_days: int, now: object, min_count: int, result_count: object,
           channel: str | None) -> None:
    if now is not None and not isinstance(now, datetime):
        raise ConfigError(f"now must be a datetime (naive UTC or with a zone), not {now!r}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ConfigError(f"window_days must be a whole number of days >= 1, not {window_days!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ConfigError(f"min_count must be a whole number >= 1, not {min_count!r}")
    if result_count is not None and not callable(result_count):
        raise ConfigError("result_count must be a function query -> number of results "
                          "(the search engine's), or None to skip zero-result queries")
    if channel is not None and (not isinstance(channel, str) or not channel.strip()):
        raise ConfigError("channel must be a channel name (web, app, mini, store, …) or None")


def _read(store: Store, channel: str | None) -> pa.Table:
    """Searches and engagement events (of one channel), read in one streaming pass."""
    kept = []
    types = pa.array([SEARCH, *ENGAGEMENT])
    for batch in store.read_batches("event", columns=COLUMNS):
        wanted = pc.is_in(batch["type"], value_set=types)
        if channel:
            wanted = pc.and_(wanted, pc.equal(batch["channel"], channel))
        batch = batch.filter(wanted.fill_null(False))
        session = pc.binary_join_element_wise(batch["channel"], batch["person_id"],
                                              batch["session_id"], "\x1f")
        kept.append(pa.table({"ts": batch["ts"], "type": batch["type"],
                              "query": batch["query"], "session": session}))
    if not kept:
        return pa.table({"ts": pa.array([], pa.timestamp("us")),
                         **{name: pa.array([], pa.string()) for name in
                            ("type", "query", "session")}})
    return pa.concat_tables(kept).combine_chunks()


def _until(now: datetime | None, events: pa.Table) -> datetime:
    if now is None:
        latest = pc.max(events["ts"]).as_py()
        now = latest if latest is not None else datetime.now(UTC)
    if now.tzinfo is not None:  # the store keeps naive UTC times
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now


def _micros(moment: datetime) -> int:
    return int(pa.scalar(moment, pa.timestamp("us")).cast(pa.int64()).as_py())


def _searches(events: pa.Table, start: datetime, middle: datetime, until: datetime
              ) -> _Searches:
    ts = events["ts"].cast(pa.timestamp("us")).cast(pa.int64()).to_numpy()
    in_range = (ts > _micros(start)) & (ts <= _micros(until))
    types = events["type"].to_numpy(zero_copy_only=False)
    session = pc.dictionary_encode(events["session"].combine_chunks()).indices
    session = session.fill_null(-1).to_numpy()
    last_engaged = np.full(session.max(initial=0) + 1, np.iinfo(np.int64).min)
    engaged = in_range & np.isin(types, ENGAGEMENT) & (session >= 0)
    np.maximum.at(last_engaged, session[engaged], ts[engaged])

    raw_text = pc.dictionary_encode(events["query"].combine_chunks())
    raw = np.array(raw_text.dictionary.to_pylist(), dtype=object)
    normal = np.array([_normalize(text) for text in raw], dtype=object)
    queries, raw_query = np.unique(normal, return_inverse=True)
    raw_code = raw_text.indices.fill_null(-1).to_numpy()
    rows = np.flatnonzero(in_range & (types == SEARCH) & (raw_code >= 0))
    rows = rows[normal[raw_code[rows]] != ""]
    sessioned = session[rows] >= 0
    followed = sessioned & (last_engaged[np.maximum(session[rows], 0)] >= ts[rows])
    typed = np.bincount(raw_code[rows], minlength=len(raw))
    return _Searches(queries, raw, raw_query, typed, raw_query[raw_code[rows]], raw_code[rows],
                     ts[rows] > _micros(middle), sessioned, sessioned & ~followed)


def _normalize(query: str) -> str:
    """NFKC folds full-width letters, digits and spaces to half-width; then lower case,
    single spaces, and Simplified characters (手機殼 is 手机壳, as search reads it)."""
    return simplified(" ".join(unicodedata.normalize("NFKC", query).casefold().split()))


def _trends(searches: _Searches, min_count: int
            ) -> tuple[tuple[QueryTrend, ...], tuple[QueryTrend, ...], list[str]]:
    now, before = searches.count(searches.current), searches.count(~searches.current)
    total_now, total_before = int(now.sum()), int(before.sum())
    if not total_now or not total_before:
        return (), (), ["rising and falling queries need searches in both windows"]
    share = total_now / (total_now + total_before)  # a query's expected share of its searches
    tested = np.flatnonzero(np.maximum(now, before) >= min_count)
    n = now[tested] + before[tested]
    p = np.minimum(1.0, 2 * np.minimum(binom.cdf(now[tested], n, share),
                                       binom.sf(now[tested] - 1, n, share)))
    adjusted = false_discovery_control(p) if len(p) else p
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (now[tested] / total_now) / (before[tested] / total_before)
    significant = adjusted < SIGNIFICANCE
    up = significant & (now[tested] >= min_count) & (ratio >= MIN_SHARE_RATIO)
    down = significant & (before[tested] >= min_count) & (ratio <= 1 / MIN_SHARE_RATIO)
    excess = np.abs(now[tested] - n * share)  # searches beyond what the overall trend explains

    def entries(chosen: np.ndarray) -> tuple[QueryTrend, ...]:
        order = np.flatnonzero(chosen)[np.argsort(-excess[chosen], kind="stable")]
        return tuple(QueryTrend(
            str(searches.queries[tested[i]]), int(now[tested[i]]), int(before[tested[i]]),
            int(now[tested[i]] - before[tested[i]]),
            None if np.isinf(ratio[i]) else float(ratio[i]), float(adjusted[i]),
            searches.examples(int(tested[i]))) for i in order)

    return entries(up), entries(down), []


def _zero_result(searches: _Searches, min_count: int, result_count: Callable[[str], int]
                 ) -> tuple[ZeroResultQuery, ...]:
    now = searches.count(searches.current)
    found = []
    for code in np.flatnonzero(now >= min_count)[np.argsort(-now[now >= min_count],
                                                            kind="stable")]:
        query = str(searches.queries[code])
        results = result_count(query)
        if isinstance(results, bool) or not isinstance(results, Integral) or results < 0:
            raise ConfigError(f"result_count({query!r}) gave {results!r}; it must give the "
                              "number of results, a whole number >= 0")
        if results == 0:
            found.append(ZeroResultQuery(query, int(now[code]), searches.examples(int(code))))
    return tuple(found)


def _high_exit(searches: _Searches, min_count: int
               ) -> tuple[float | None, tuple[ExitQuery, ...]]:
    counted = searches.current & searches.sessioned
    n, exits = searches.count(counted), searches.count(counted & searches.exited)
    if not n.sum():
        return None, ()
    overall = float(exits.sum() / n.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = exits / n
        low = _wilson_low(rate, n)
    # a query nobody left after is never "high exit", even where every search was followed
    # (its bound is 0 up to rounding, which could come out above an overall rate of 0)
    chosen = np.flatnonzero((n >= min_count) & (exits > 0) & (low > overall + 1e-9))
    chosen = chosen[np.lexsort((-n[chosen], -low[chosen]))]
    return overall, tuple(ExitQuery(
        str(searches.queries[c]), int(n[c]), int(exits[c]), float(rate[c]), float(low[c]),
        searches.examples(int(c))) for c in chosen)


def _wilson_low(rate: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Lower bound of the Wilson score interval: a rate from few searches stays modest."""
    z2 = WILSON_Z**2
    centre = rate + z2 / (2 * n)
    spread = WILSON_Z * np.sqrt(rate * (1 - rate) / n + z2 / (4 * n**2))
    return (centre - spread) / (1 + z2 / n)
