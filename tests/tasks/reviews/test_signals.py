"""An item's review summary names a weak aspect only on evidence, not on one complaint."""

from __future__ import annotations

import pytest

from shopformer.tasks.reviews.signals import ItemReviewSignals


def _signals(mentions: int, negatives: int) -> ItemReviewSignals:
    positives = mentions - negatives
    shrunk = (positives + 0.8 * 5) / (mentions + 5)
    return ItemReviewSignals(
        aspects=("quality", "logistics"), reviews={"sku": max(mentions, 1)},
        positive={"": 0.8, "sku": shrunk},
        aspect_positive={"": {"quality": 0.8, "logistics": 0.8},
                         "sku": {"logistics": shrunk}},
        aspect_mentions={"sku": {"logistics": mentions}},
        aspect_negatives={"sku": {"logistics": negatives}})


@pytest.mark.parametrize(("mentions", "negatives", "named"), [
    (1, 1, False),   # one complaint is an anecdote (p = 0.2 at the shop's 80 %)
    (3, 2, False),   # two of three: p = 0.104, not yet clearly below
    (2, 2, True),    # two of two: p = 0.04
    (8, 6, True),    # six of eight: clearly below
    (40, 16, True),  # 60 % positive on 40 mentions against 80 %
    (40, 6, False),  # 85 % positive: not below
])
def test_a_weak_aspect_needs_evidence(mentions, negatives, named):
    summary = _signals(mentions, negatives).summary("sku")
    assert ("weakest_aspect" in summary) is named, summary
    if named:
        assert summary["weakest_aspect"] == {
            "aspect": "logistics", "mentions": mentions,
            "positive": round(_signals(mentions, negatives).aspect_positive["sku"]["logistics"],
                              3)}


def test_an_item_without_reviews_has_no_summary():
    assert _signals(3, 1).summary("other") is None
