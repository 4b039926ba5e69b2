"""Opinion monitoring: the negative share per item, category and brand per period, and an
alert when it, or the number of negative reviews, rises over the group's own baseline.

The tests, per group and period (a day by default), against the `baseline_periods` before
it (only periods since the group's first review):
- **share**: one-sided Fisher exact test of the 2×2 table (negative / other reviews, this
  period / baseline) — a larger share of unhappy reviews than usual;
- **volume**: the exact conditional test of two Poisson rates: given the negatives of this
  period plus the baseline's, this period's count is Binomial(total, 1 / (1 + periods)) if
  the daily rate did not change — more unhappy reviews than usual, even at the usual share.
A group the catalog knows has its whole baseline (no reviews is a baseline too); one it
does not know is tested once it has `min_baseline_periods` of reviews behind it.
An alert needs p ≤ α / m (Bonferroni; m = the tests made in the report, counting only
group-periods with a negative review, since the others cannot reach any threshold), at
least `min_negative` negative reviews in the period and `min_ratio` times the expected
count. Under no change at all, the chance of any false alert in a report is at most α.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy.stats import binom, hypergeom

from shopformer.core.errors import ConfigError

LEVELS = ("item", "category", "brand")


@dataclass(frozen=True)
class MonitorConfig:
    period_days: int = 1  # length of one period
    window_periods: int = 30  # periods the report looks at (the latest ones)
    baseline_periods: int = 28  # periods before each one that form its baseline
    min_baseline_periods: int = 7  # an unknown group younger than this is not tested yet
    alpha: float = 0.01  # family-wise false-alert rate of one report
    min_negative: int = 5
    min_ratio: float = 2.0
    levels: tuple[str, ...] = LEVELS

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        for name in ("period_days", "window_periods", "baseline_periods",
                     "min_baseline_periods", "min_negative"):
            if getattr(self, name) < 1:
                raise ConfigError(f"opinions: {name} must be >= 1, got {getattr(self, name)}")
        if self.min_baseline_periods > self.baseline_periods:
            raise ConfigError("opinions: min_baseline_periods must not exceed baseline_periods")
        if not 0 < self.alpha < 1 or self.min_ratio < 1:
            raise ConfigError("opinions: alpha must be in (0, 1) and min_ratio >= 1")
        unknown = set(self.levels) - set(LEVELS)
        if unknown or not self.levels:
            raise ConfigError(f"opinions: levels must be among {LEVELS}, got {self.levels}")


@dataclass(frozen=True)
class ScoredReview:
    """One review after analysis: what monitoring needs of it."""

    review_id: str
    item_id: str
    day: date
    negative: bool
    negative_aspects: tuple[str, ...] = ()
    text: str = ""
    probability: float = 0.5  # P(positive)


@dataclass(frozen=True)
class PeriodStat:
    level: str
    key: str
    start: date
    reviews: int
    negatives: int

    @property
    def negative_share(self) -> float:
        return self.negatives / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class Alert:
    level: str
    key: str
    start: date  # first day of the period
    test: str  # "volume" or "share", whichever is more significant
    p_value: float
    reviews: int
    negatives: int
    expected_negatives: float  # at the baseline's daily rate
    negative_share: float
    baseline_share: float
    aspect: str | None  # the aspect whose complaints rose most, if any did
    aspects: dict[str, int] = field(default_factory=dict)  # negative mentions this period
    examples: list[str] = field(default_factory=list)  # review ids, most negative first

    def reason(self, title: str | None = None) -> str:
        """`title`: the item's, named after its id."""
        about = f" about {self.aspect}" if self.aspect else ""
        named = f" ({title})" if title else ""
        return (f"{self.negatives} negative reviews{about} on {self.level} {self.key}{named} "
                f"from {self.start}, {self.expected_negatives:.1f} expected; negative share "
                f"{self.negative_share:.0%} vs {self.baseline_share:.0%} before "
                f"({self.test} test, p = {self.p_value:.1e})")

    def to_dict(self, title: str | None = None) -> dict:
        return {**asdict(self), "start": self.start.isoformat(), "reason": self.reason(title)}


@dataclass
class Monitor:
    """Per-period counts of every group at every level, and the tests over them."""

    config: MonitorConfig
    origin: date
    periods: int
    counts: dict[tuple[str, str], np.ndarray]  # (level, key) → (periods, 2) reviews, negatives
    aspect_counts: dict[tuple[str, str], list[Counter[str]]]
    members: dict[tuple[str, str, int], list[ScoredReview]]
    known: frozenset[tuple[str, str]]  # groups the catalog has (not only their reviews)

    def start_of(self, period: int) -> date:
        return self.origin + timedelta(days=period * self.config.period_days)

    def series(self, level: str, key: str) -> list[PeriodStat]:
        counts = self.counts.get((level, key))
        if counts is None:
            return []
        return [PeriodStat(level, key, self.start_of(p), int(n), int(k))
                for p, (n, k) in enumerate(counts) if n]

    def _born(self, level: str, key: str) -> int:
        """The first period of a group's baseline: the start for a group the catalog
        knows (no reviews yet is a baseline too), else its first review."""
        if (level, key) in self.known:
            return 0
        return int(np.flatnonzero(self.counts[(level, key)][:, 0])[0])

    def alerts(self) -> tuple[list[Alert], int]:
        """(alerts, tests made) over the window's periods, most significant first."""
        c = self.config
        first_tested = max(0, self.periods - c.window_periods)
        candidates: list[tuple[float, str, str, str, int, float, float]] = []
        tests = 0
        for (level, key), counts in self.counts.items():
            born = self._born(level, key)
            for period in range(max(first_tested, born + c.min_baseline_periods), self.periods):
                n, k = (int(v) for v in counts[period])
                if k == 0:
                    continue
                tests += 2
                begin = max(born, period - c.baseline_periods)
                span = period - begin
                big_n, big_k = (int(v) for v in counts[begin:period].sum(0))
                expected = big_k / span
                if k < c.min_negative or k < c.min_ratio * max(expected, 1e-9):
                    continue
                p_volume = float(binom.sf(k - 1, k + big_k, 1 / (1 + span)))
                p_share = float(hypergeom.sf(k - 1, n + big_n, k + big_k, n)) if big_n else 1.0
                test, p = ("volume", p_volume) if p_volume <= p_share else ("share", p_share)
                candidates.append((p, test, level, key, period, expected,
                                   big_k / big_n if big_n else 0.0))
        threshold = c.alpha / max(tests, 1)
        alerts = [self._alert(*found) for found in sorted(candidates, key=lambda f: f[0])
                  if found[0] <= threshold]
        return alerts, tests

    def _alert(self, p: float, test: str, level: str, key: str, period: int, expected: float,
               baseline_share: float) -> Alert:
        c = self.config
        n, k = (int(v) for v in self.counts[(level, key)][period])
        now = self.aspect_counts[(level, key)][period]
        begin = max(self._born(level, key), period - c.baseline_periods)
        before: Counter[str] = Counter()
        for counter in self.aspect_counts[(level, key)][begin:period]:
            before.update(counter)
        span = max(period - begin, 1)
        excess = {a: now[a] - before[a] / span for a in now}
        aspect = max(excess, key=lambda a: (excess[a], a)) if excess else None
        if aspect is not None and excess[aspect] <= 0:
            aspect = None
        reviews = [r for r in self.members[(level, key, period)] if r.negative]
        reviews.sort(key=lambda r: (aspect not in r.negative_aspects, r.probability))
        return Alert(level, key, self.start_of(period), test, p, n, k, round(expected, 3),
                     k / n, baseline_share, aspect, dict(now.most_common()),
                     [r.review_id for r in reviews[:3]])


def build_monitor(reviews: Sequence[ScoredReview], groups: Mapping[str, Mapping[str, str]],
                  config: MonitorConfig | None = None, until: date | None = None) -> Monitor:
    """`groups`: item id → {"category": …, "brand": …} (missing ones are skipped).
    `until`: the last day reported (default: the latest review's)."""
    config = config or MonitorConfig()
    if not reviews:
        raise ConfigError("opinions: no reviews to monitor")
    last = until or max(r.day for r in reviews)
    reviews = [r for r in reviews if r.day <= last]
    span_days = config.period_days * (config.window_periods + config.baseline_periods)
    origin = last - timedelta(days=span_days - 1)
    # periods end on `last`, so the latest period is a whole one
    periods = (last - origin).days // config.period_days + 1
    counts: dict[tuple[str, str], np.ndarray] = {}
    aspects: dict[tuple[str, str], list[Counter[str]]] = {}
    members: dict[tuple[str, str, int], list[ScoredReview]] = defaultdict(list)
    for review in reviews:
        if review.day < origin:
            continue
        period = (review.day - origin).days // config.period_days
        for level in config.levels:
            key = review.item_id if level == "item" else groups.get(review.item_id, {}).get(level)
            if not key:
                continue
            group = (level, key)
            if group not in counts:
                counts[group] = np.zeros((periods, 2), np.int64)
                aspects[group] = [Counter() for _ in range(periods)]
            counts[group][period] += (1, int(review.negative))
            if review.negative:
                aspects[group][period].update(review.negative_aspects)
            members[(level, key, period)].append(review)
    known = frozenset((level, key) for item, group in groups.items() for level in config.levels
                      if (key := item if level == "item" else group.get(level)))
    return Monitor(config, origin, periods, counts, aspects, dict(members), known)
