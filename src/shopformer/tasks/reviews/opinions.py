"""The opinion report: what the CLI prints, the server returns and the dashboard draws.

Reads the store's reviews and catalog, analyses every review (polarity, aspects), and
puts together the negative share per group and period, the alerts, and the complaint
themes of the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pyarrow.compute as pc

from shopformer.core.errors import ConfigError
from shopformer.storage.base import Store
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.domains import review_domains
from shopformer.tasks.reviews.monitor import (
    Alert,
    MonitorConfig,
    PeriodStat,
    ScoredReview,
    build_monitor,
)
from shopformer.tasks.reviews.products import CatalogProducts, reviewed_keys
from shopformer.tasks.reviews.themes import Complaint, Theme, complaint_themes

REVIEW_COLUMNS = ["review_id", "item_id", "ts", "rating", "text", "category", "extra"]


@dataclass
class OpinionReport:
    since: date  # first day of the window
    until: date
    period_days: int
    reviews: int  # in the window
    negatives: int
    tests: int
    alerts: list[Alert]
    themes: list[Theme]
    worst: list[PeriodStat]  # groups with the highest negative share in the window
    aspects: dict[str, dict[str, float]]  # aspect → mentions, negative share, in the window
    notes: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # item → title, items named above

    def title(self, group: Alert | PeriodStat) -> str | None:
        """The title of the item a row is about; None for a category or brand."""
        return self.titles.get(group.key) if group.level == "item" else None

    def to_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "period_days": self.period_days, "reviews": self.reviews,
                "negatives": self.negatives, "tests": self.tests,
                "alerts": [a.to_dict(self.title(a)) for a in self.alerts],
                "themes": [t.to_dict() for t in self.themes],
                "worst": [{"level": s.level, "key": s.key, "reviews": s.reviews,
                           "negatives": s.negatives, "negative_share": round(s.negative_share, 4)}
                          for s in self.worst],
                "aspects": self.aspects, "notes": self.notes, "titles": self.titles}


def scored_reviews(store: Store, analyzer: ReviewAnalyzer, timezone: str = "UTC",
                   products: CatalogProducts | None = None
                   ) -> tuple[list[ScoredReview], list[Complaint]]:
    """Every review of the store, analysed, each about its item or product (`products`:
    the store's catalog, read here when not given); and every negative clause that names
    why."""
    table = store.read_table("review", REVIEW_COLUMNS)
    table = table.filter(pc.and_(pc.is_valid(table["text"]), pc.is_valid(table["ts"])))
    if table.num_rows == 0:
        return [], []
    zone = ZoneInfo(timezone)
    products = products or CatalogProducts.of(store)
    ids = table["review_id"].to_pylist()
    items = reviewed_keys(products, table["item_id"].to_pylist(), table["extra"].to_pylist())
    domains = review_domains(products, items, table["category"].to_pylist())
    texts = table["text"].to_pylist()
    days = [ts.astimezone(zone).date() for ts in table["ts"].to_pylist()]
    scored, complaints = [], []
    for begin in range(0, len(texts), 2048):
        chunk = slice(begin, begin + 2048)
        for n, opinion in enumerate(analyzer.analyze(texts[chunk], with_rating=False,
                                                     domains=domains[chunk]),
                                    start=begin):
            negative = opinion.polarity == "negative"
            scored.append(ScoredReview(ids[n], items[n] or "", days[n], negative,
                                       opinion.negative_aspects(), texts[n],
                                       opinion.probability))
            if negative:
                complaints.extend(Complaint(c.text, ids[n], c.aspects) for c in opinion.clauses
                                  if c.probability < 0.5)
    return scored, complaints


def item_groups(products: CatalogProducts) -> dict[str, dict[str, str]]:
    """item or product → {"category": top-level category path, "brand": …} from the
    catalog (a product's from its variants)."""
    out = {}
    for key in (*products.items, *products.variants):
        out[key] = {name: value for name in ("category", "brand")
                    if (value := products.field(key, name))}
    return out


def opinion_report(store: Store, analyzer: ReviewAnalyzer, config: MonitorConfig | None = None,
                   *, until: date | None = None, timezone: str = "UTC", top: int = 10
                   ) -> OpinionReport:
    config = config or MonitorConfig()
    products = CatalogProducts.of(store)
    reviews, complaints = scored_reviews(store, analyzer, timezone, products)
    if not reviews:
        stored = store.count("review")
        if not stored:
            raise ConfigError("the store holds no reviews; ingest some first (shopformer "
                              "ingest, kind review)")
        raise ConfigError(f"none of the store's {stored:,} reviews has both a text and a time "
                          "(ts): opinions are counted per day, so they need the day each "
                          "review was written")
    monitor = build_monitor(reviews, item_groups(products), config, until)
    alerts, tests = monitor.alerts()
    since = monitor.start_of(max(0, monitor.periods - config.window_periods))
    last = monitor.start_of(monitor.periods) - timedelta(days=1)
    window = [r for r in reviews if since <= r.day <= last]
    in_window = {r.review_id for r in window}
    themes = complaint_themes([c for c in complaints if c.review_id in in_window])
    notes = []
    if not window:
        notes.append(f"no reviews between {since} and {last}")
    worst = _worst(monitor, since, top)
    named = {g.key for g in [*alerts, *worst] if g.level == "item"}
    return OpinionReport(since, last, config.period_days, len(window),
                         sum(r.negative for r in window), tests, alerts, themes, worst,
                         _aspects(window), notes, _titles(products, named))


def _titles(products: CatalogProducts, items: set[str]) -> dict[str, str]:
    """An item id means little to whoever reads the report; its title says what it is (a
    product's, what its variants' titles share)."""
    return {item: title for item in items if (title := products.field(item, "title"))}


def _worst(monitor, since: date, top: int, min_reviews: int = 10) -> list[PeriodStat]:
    """Groups of the window with at least `min_reviews` reviews, highest negative share."""
    first = (since - monitor.origin).days // monitor.config.period_days
    out = []
    for (level, key), counts in monitor.counts.items():
        n, k = (int(v) for v in counts[first:].sum(0))
        if n >= min_reviews:
            out.append(PeriodStat(level, key, since, n, k))
    out.sort(key=lambda s: (-s.negative_share, -s.reviews, s.level, s.key))
    return out[:top]


def _aspects(window: list[ScoredReview]) -> dict[str, dict[str, float]]:
    mentions: dict[str, int] = {}
    for review in window:
        for aspect in review.negative_aspects:
            mentions[aspect] = mentions.get(aspect, 0) + 1
    total = max(sum(r.negative for r in window), 1)
    return {a: {"negative_mentions": n, "share_of_negatives": round(n / total, 4)}
            for a, n in sorted(mentions.items(), key=lambda kv: -kv[1])}
