"""The general praise/complaint lexicon: negations flip a word, words that only contain a
polar character are not polar, and counts are per text."""

from __future__ import annotations

import numpy as np
import pytest

from shopformer.tasks.reviews.polarity_lexicon import PolarityLexicon


@pytest.fixture(scope="module")
def lexicon() -> PolarityLexicon:
    return PolarityLexicon.shared()


@pytest.mark.parametrize(("text", "expected"), [
    ("质量很好", [("好", 1)]),
    ("质量不是很好", [("好", -1)]),  # 不 governs 好 two characters on
    ("价格一点也不贵", [("贵", 1)]),
    ("没有任何问题", [("问题", 1)]),
    ("不错", [("不错", 1)]),  # a word of its own, not 错 negated
    ("不值这个价", [("不值", -1)]),
    ("物流不是很快", [("很快", -1)]),
    ("不会再买了", [("再买", -1)]),
    ("快递员非常热情", [("热情", 1)]),  # 快递 is not 快, 非常 is not a negation
    ("等了好久", [("好久", -1)]),  # 好久 is a wait, not praise
    ("快过期了", [("快过期", -1)]),
    ("物流很快，但是包装不是很好", [("很快", 1), ("好", -1)]),  # a negation ends at its clause
    ("Not bad at all", [("bad", 1)]),
    ("shipping wasn't slow", [("slow", 1)]),
    ("It broke after two days", [("broke", -1)]),
    ("No problems whatsoever", [("problem", 1)]),
    ("Would not recommend", [("recommend", -1)]),
    ("Never again", [("never", -1)]),
    ("Fast delivery. Not great quality", [("fast", 1), ("great", -1)]),
    ("質量不是很好", [("好", -1)]),  # Traditional characters read as Simplified
    ("沒有任何問題", [("问题", 1)]),
    ("物流很快，但是包裝不是很好", [("很快", 1), ("好", -1)]),
])
def test_polar_words_with_their_negations(lexicon, text, expected):
    assert lexicon.polarities(text) == expected


def test_counts_are_praise_and_complaints_per_text(lexicon):
    counts = lexicon.counts(["质量不是很好，物流也慢", "great value, fast delivery", "", "12345"])
    assert counts.tolist() == [[0, 2], [3, 0], [0, 0], [0, 0]]
    assert counts.dtype == np.float64
