"""Clauses and aspects on hand-written Chinese and English reviews."""

import pytest

from shopformer.core.errors import ConfigError
from shopformer.tasks.reviews.aspects import AspectConfig, AspectLexicon
from shopformer.tasks.reviews.clauses import clauses


@pytest.fixture(scope="module")
def lexicon() -> AspectLexicon:
    return AspectLexicon()


@pytest.mark.parametrize(("review", "expected"), [
    ("物流很快，但是包装破了！", ["物流很快", "但是包装破了"]),
    ("质量不错就是有点贵", ["质量不错", "就是有点贵"]),
    ("Fast delivery but the box was crushed. Weighs 2.5 kg.",
     ["fast delivery", "but the box was crushed", "weighs 2.5 kg"]),
    ("不但便宜而且好用", ["不但便宜而且好用"]),  # "not only … but also" is no contrast
    ("  ", []),
])
def test_a_review_splits_at_punctuation_and_contrast(review, expected):
    assert clauses(review) == expected


@pytest.mark.parametrize(("clause", "aspects"), [
    ("物流很快", ["logistics"]),
    ("快递速度没得说", ["logistics"]),
    ("但是包装破了", ["packaging"]),
    ("衣服偏小", ["size"]),
    ("但是衣服有点小", ["size"]),  # 有点小 named no aspect
    ("客服态度很好", ["service"]),
    ("fast delivery", ["logistics"]),
    ("it was delivered two weeks late", ["logistics"]),
    ("tastes stale and overpriced", ["price", "taste"]),
    ("the seller refunded me quickly", ["service"]),
    ("我很喜欢", []),
    ("love it", []),
    # Traditional characters, against a Simplified lexicon
    ("質量很差", ["quality"]),
    ("但是包裝破了", ["packaging"]),
    ("價格太貴了", ["price"]),
    ("尺碼偏小", ["size"]),
    # overlapping terms: the one that starts first wins, as a segmenter reads it
    ("外箱压坏了", ["packaging"]),  # 压坏, not 坏了
    ("盒子坏了", ["quality", "packaging"]),  # two terms side by side: both aspects
    ("快递员态度很差", ["logistics", "service"]),
    ("充不进电，还经常死机", ["performance"]),
    ("耳机用了两周就充不进电了", ["performance"]),
    ("蓝牙老是连不上", ["performance"]),
    ("it freezes and will not recharge", ["performance"]),
])
def test_clauses_get_the_aspects_they_mention(lexicon, clause, aspects):
    assert lexicon.aspects_of(clause) == aspects


def test_a_shop_adds_its_own_aspect_and_words():
    lexicon = AspectLexicon(AspectConfig(aspects=("logistics", "room"),
                                         extra_terms={"room": ("房间", "bed")}))
    assert lexicon.aspects_of("房间很干净") == ["room"]
    assert lexicon.aspects_of("the beds were hard") == ["room"]
    assert lexicon.aspects_of("价格便宜") == []  # price is not on this shop's list
    lexicon.add("logistics", ["顺丰"])
    assert lexicon.aspects_of("顺丰第二天就到") == ["logistics"]
    lexicon.add("room", ["陽台"])  # a Taiwan hotel's own word meets a Simplified review
    assert lexicon.aspects_of("阳台很大") == lexicon.aspects_of("陽台很大") == ["room"]


def test_an_aspect_without_words_or_outside_the_list_is_refused():
    with pytest.raises(ConfigError, match="no seed terms"):
        AspectConfig(aspects=("room",))
    with pytest.raises(ConfigError, match="not in the list"):
        AspectConfig(aspects=("price",), extra_terms={"room": ("房间",)})
    with pytest.raises(ConfigError, match="unknown aspect"):
        AspectLexicon().add("room", ["房间"])


def test_learns_aspect_words_from_the_shops_reviews():
    from shopformer.tasks.reviews.aspect_terms import learn_aspect_terms

    reviews = (["顺丰快递第二天就到了", "物流很快，顺丰靠谱", "The courier from Speedpost was late",
                "Speedpost delivery took a week"] * 2
               + ["质量很好", "价格便宜", "客服很耐心", "包装完好", "尺码标准", "味道不错",
                  "material is sturdy", "great value for the price", "the seller replied fast",
                  "the box was fine"] * 2
               + ["质量很好，颜色也好看", "价格便宜，颜色正", "颜色很正", "客服说颜色没问题"])
    lexicon = AspectLexicon()
    learned = learn_aspect_terms(reviews, lexicon, min_clauses=2)
    found = {(t.aspect, t.term) for t in learned}
    assert ("logistics", "顺丰") in found
    assert ("logistics", "speedpost") in found
    assert not any(t.term == "颜色" for t in learned), "颜色 sits beside several aspects"
    assert all(t.share >= 0.8 and t.lift >= 3 for t in learned)
    lexicon.add("logistics", [t.term for t in learned if t.aspect == "logistics"])
    assert lexicon.aspects_of("顺丰一直没动静") == ["logistics"]
    assert lexicon.aspects_of("Speedpost lost it") == ["logistics"]
