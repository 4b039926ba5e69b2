"""Price limits typed into a query: read when they are a price, left as words otherwise."""

from __future__ import annotations

import pytest

from shopformer.tasks.search.analyze import normalize
from shopformer.tasks.search.price_words import read_price_limit


@pytest.mark.parametrize(("typed", "rest", "low", "high"), [
    ("耳机 100元以下", "耳机", None, 100),
    ("耳机100以内", "耳机", None, 100),
    ("100元内 零食", "零食", None, 100),
    ("低于 ¥300 的耳机", "耳机", None, 300),
    ("不超过300块", "", None, 300),
    ("连衣裙 价格200以上", "连衣裙", 200, None),
    ("50-100元 耳机", "耳机", 50, 100),
    ("100到200元之间 茶叶", "茶叶", 100, 200),
    ("耳机 ￥50～100", "耳机", 50, 100),  # full-width forms, as typed on a phone
    ("boots under $50", "boots", None, 50),
    ("boots priced under 50", "boots", None, 50),
    ("Boots < $50", "boots", None, 50),
    ("price under 80", "", None, 80),
    ("沙发 10000元以下", "沙发", None, 10000),
    ("wireless earbuds under 30 bucks", "wireless earbuds", None, 30),
    ("tea over $10", "tea", 10, None),
    ("$20-$50 headphones", "headphones", 20, 50),
    ("headphones between 20 and 40 dollars", "headphones", 20, 40),
    ("headphones $40 - $20", "headphones", 20, 40),  # either order
])
def test_a_price_phrase_becomes_a_limit_and_leaves_the_words(typed, rest, low, high):
    text, limit = read_price_limit(normalize(typed))
    assert text == rest
    assert limit is not None and (limit.low, limit.high) == (low, high)
    assert limit.phrases


@pytest.mark.parametrize("typed", [
    "under 50 gallon water heater",  # a size, not a price
    "gifts for kids under 10",  # an age
    "shoes for women over 50",
    "boots under 50",  # maybe a price, maybe not: left alone
    "under cabinet light",
    "3岁以下 玩具",  # an age
    "50寸以上电视",  # a screen size
    "2x4-8",
    "iphone max 256",
    "led 100w",
    "1/2 in. x 10 ft.",
    "10-20 yd",
    "over 50 under 20",  # contradicts itself: left as typed
])
def test_numbers_that_are_no_price_stay_words(typed):
    assert read_price_limit(normalize(typed)) == (normalize(typed), None)


def test_the_limit_says_what_it_filters():
    assert read_price_limit("耳机 100元以下")[1].describe() == "price ≤ 100"
    assert read_price_limit("tea over $9.5")[1].describe() == "price ≥ 9.5"
    assert read_price_limit("$20-$50 tea")[1].describe() == "price 20–50"
    assert read_price_limit("沙发 10000元以下")[1].describe() == "price ≤ 10000"
