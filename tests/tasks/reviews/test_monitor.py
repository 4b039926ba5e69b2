"""Opinion monitoring: an alert fires on a planted burst (volume or share), names the right
group, day and aspect, and stays silent on steady noise."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from shopformer.core.errors import ConfigError
from shopformer.tasks.reviews.monitor import MonitorConfig, ScoredReview, build_monitor
from shopformer.tasks.reviews.themes import Complaint, complaint_themes

START = date(2026, 1, 1)
DAYS = 90
ASPECTS = ("quality", "price", "logistics", "service")


def steady_reviews(seed: int, items: int = 60) -> tuple[list[ScoredReview], dict]:
    """Every item with its own steady review rate and negative share, for DAYS days."""
    rng = np.random.default_rng(seed)
    reviews, groups = [], {}
    for i in range(items):
        item = f"i{i}"
        groups[item] = {"category": f"c{i % 6}", "brand": f"b{i % 10}"}
        rate, share = rng.uniform(0.3, 6.0), rng.uniform(0.05, 0.4)
        for day in range(DAYS):
            for _ in range(rng.poisson(rate)):
                negative = bool(rng.random() < share)
                aspect = (ASPECTS[int(rng.integers(len(ASPECTS)))],) if negative else ()
                reviews.append(ScoredReview(f"r{len(reviews)}", item, START + timedelta(day),
                                            negative, aspect))
    return reviews, groups


def planted(reviews: list[ScoredReview], item: str, day: int, count: int, aspect: str,
            negative_share: float = 1.0) -> list[ScoredReview]:
    extra = [ScoredReview(f"burst{n}", item, START + timedelta(day), n < count * negative_share,
                          (aspect,) if n < count * negative_share else ())
             for n in range(count)]
    return reviews + extra


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_alert_on_steady_noise(seed):
    reviews, groups = steady_reviews(seed)
    alerts, tests = build_monitor(reviews, groups).alerts()
    assert tests > 1000
    assert alerts == []


def test_alert_on_a_planted_volume_burst_names_item_day_and_aspect():
    reviews, groups = steady_reviews(0)
    reviews = planted(reviews, "i7", DAYS - 5, 12, "logistics")
    alerts, _ = build_monitor(reviews, groups).alerts()
    assert alerts, "the burst must raise an alert"
    item_alerts = [a for a in alerts if a.level == "item"]
    assert [(a.key, a.start, a.aspect) for a in item_alerts] == \
        [("i7", START + timedelta(DAYS - 5), "logistics")]
    assert {(a.level, a.key) for a in alerts} <= {("item", "i7"), ("category", "c1"),
                                                  ("brand", "b7")}
    alert = item_alerts[0]
    assert alert.negatives >= 12 and alert.expected_negatives < alert.negatives / 2
    assert alert.examples and all(e.startswith("burst") for e in alert.examples)
    assert "logistics" in alert.reason() and "i7" in alert.reason()


def test_alert_on_a_rise_in_negative_share_at_the_usual_volume():
    rng = np.random.default_rng(5)
    reviews = []
    for day in range(DAYS):
        share = 0.1 if day < DAYS - 1 else 0.5
        for _ in range(40):
            negative = bool(rng.random() < share)
            reviews.append(ScoredReview(f"r{len(reviews)}", "busy", START + timedelta(day),
                                        negative, ("quality",) if negative else ()))
    alerts, _ = build_monitor(reviews, {"busy": {}}, MonitorConfig(levels=("item",))).alerts()
    assert [(a.key, a.start, a.aspect) for a in alerts] == \
        [("busy", START + timedelta(DAYS - 1), "quality")]


def test_weekly_periods_and_the_report_window():
    reviews, groups = steady_reviews(3, items=10)
    reviews = planted(reviews, "i2", 20, 30, "price")  # long before a 4-week window
    config = MonitorConfig(period_days=7, window_periods=4, baseline_periods=8,
                           min_baseline_periods=2)
    monitor = build_monitor(reviews, groups, config)
    assert monitor.periods == 12
    assert monitor.alerts()[0] == []
    series = monitor.series("item", "i2")
    assert all((s.start - monitor.origin).days % 7 == 0 for s in series)


def test_an_item_the_catalog_does_not_know_waits_for_a_baseline():
    reviews = [ScoredReview(f"n{n}", "new", START, True, ("quality",)) for n in range(9)]
    config = MonitorConfig(levels=("item",))
    assert build_monitor(reviews, {}, config).alerts()[0] == []
    alerts, _ = build_monitor(reviews, {"new": {}}, config, until=START).alerts()
    assert [a.key for a in alerts] == ["new"]


def test_monitor_config_errors():
    with pytest.raises(ConfigError, match="alpha"):
        MonitorConfig(alpha=0)
    with pytest.raises(ConfigError, match="levels"):
        MonitorConfig(levels=("shelf",))
    with pytest.raises(ConfigError, match="min_baseline_periods"):
        MonitorConfig(baseline_periods=3, min_baseline_periods=5)
    with pytest.raises(ConfigError, match="no reviews"):
        build_monitor([], {})


def test_complaint_themes_group_what_is_said():
    said = ["快递太慢了", "物流太慢，等了一周", "快递一周才到", "物流慢得离谱",
            "客服态度很差", "客服不回消息", "客服态度恶劣", "客服太差了"]
    complaints = [Complaint(text, f"r{n}", ("logistics",) if n % 8 < 4 else ("service",))
                  for n, text in enumerate(said * 3)]
    themes = complaint_themes(complaints, max_themes=2)
    assert sorted(t.aspect for t in themes) == ["logistics", "service"]
    for theme in themes:
        assert theme.clauses == 12
        assert len({e["text"] for e in theme.examples}) == len(theme.examples)
        assert ("客服" in theme.label) == (theme.aspect == "service")


def test_complaint_themes_keep_to_one_aspect_and_are_named_by_content_words():
    """Clauses of different aspects that share their function words (不是很…, not …, was …)
    are not one theme, and those words, or character n-grams of English, name none."""
    said = [("物流不是很快", "logistics"), ("快递不是很及时", "logistics"),
            ("the delivery was not fast", "logistics"), ("shipping was not quick", "logistics"),
            ("客服不是很耐心", "service"), ("售后不是很负责", "service"),
            ("support was not helpful", "service"), ("the seller was not polite", "service"),
            ("不是很满意", None), ("有点后悔", None), ("not very happy", None),
            ("was not what I hoped", None)]
    complaints = [Complaint(text, f"r{n}", () if aspect is None else (aspect,))
                  for n, (text, aspect) in enumerate(said * 3)]
    themes = complaint_themes(complaints, max_themes=3)
    assert sorted(str(t.aspect) for t in themes) == ["None", "logistics", "service"]
    by_text = {text: aspect for text, aspect in said}
    for theme in themes:
        assert theme.clauses == 12
        assert {by_text[e["text"]] for e in theme.examples} == {theme.aspect}
        words = theme.label.split(" / ")
        assert not {"不是", "not", "was", "有点"} & set(words), theme.label
        assert all(len(w) > 2 or not w.isascii() for w in words), theme.label


def test_theme_labels_are_words_as_written_not_stems():
    said = ["the quality is poor", "poor quality stitching", "quality is really poor",
            "cheap quality, it broke", "the delivery was slow", "slow delivery",
            "delivery took ages", "delivery was delayed"]
    complaints = [Complaint(text, f"r{n}", ("quality",) if n % 8 < 4 else ("logistics",))
                  for n, text in enumerate(said * 3)]
    labels = {t.aspect: t.label.split(" / ") for t in complaint_themes(complaints, 2)}
    assert "quality" in labels["quality"] and "delivery" in labels["logistics"], labels
    assert not {"qualiti", "deliveri"} & {w for words in labels.values() for w in words}



def test_a_theme_is_named_by_words_its_aspects_clauses_share_or_by_its_aspect():
    """Price clauses each in their own words, and two size clauses grouped with them by
    the few clauses there are: the label was the size clauses' "well / fit"."""
    price = ["way too expensive", "不值这个价", "not worth the price", "overpriced for what it is",
             "not exactly cheap for this quality", "性价比不高"]
    size = ["does not fit well", "fit is not great, runs well small"]
    delivery = ["delivery was slow", "slow delivery again", "the delivery took ages",
                "delivery late", "delivery slow", "late delivery"]
    complaints = [Complaint(t, f"p{n}", ("price",)) for n, t in enumerate(price)]
    complaints += [Complaint(t, f"s{n}", ("size",)) for n, t in enumerate(size)]
    complaints += [Complaint(t, f"d{n}", ("logistics",)) for n, t in enumerate(delivery)]
    themes = {t.aspect: t for t in complaint_themes(complaints, max_themes=2, min_size=3)}
    assert themes["price"].clauses == 8, themes  # the size clauses are in it
    assert themes["price"].label == "price"  # no word two of its price clauses share
    assert "delivery" in themes["logistics"].label.split(" / ")
