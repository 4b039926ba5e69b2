"""Query understanding: normalization in Chinese and English, units, typos, related terms."""

from __future__ import annotations

from collections import Counter

from shopformer.tasks.search.analyze import Analyzer, AnalyzerConfig, normalize
from shopformer.tasks.search.lexical import CharIndex
from shopformer.tasks.search.spelling import Speller, edit_distance
from shopformer.tasks.search.synonyms import RelatedTerms, SynonymConfig


def test_full_width_entities_and_case_are_normalized():
    assert normalize("ＬＥＤ　Ｌａｍｐ  &amp; Ｓｈａｄｅ") == "led lamp & shade"
    assert normalize(None) == ""  # type: ignore[arg-type]


def test_english_terms_are_stemmed_and_units_unified():
    analyzer = Analyzer()
    assert analyzer.terms("Cordless Drills") == analyzer.terms("cordless drill")
    assert analyzer.terms('3/4 in. x 12" pipe') == analyzer.terms("3/4 inch x 12 inches pipes")
    assert analyzer.terms("12in shelf") == ("12", "in", "shelf")
    assert "3.5" in analyzer.terms("3.5 gallons")


def test_chinese_is_cut_into_words_that_meet_shorter_queries():
    terms = Analyzer().terms("不锈钢保温杯 大容量")
    assert "保温杯" in terms and "不锈钢" in terms
    assert set(Analyzer().terms("保温杯")) <= set(terms)
    mixed = Analyzer().terms("Apple 蓝牙耳机 2个")
    assert "appl" in mixed and "耳机" in mixed and "2" in mixed


def test_misspelt_words_are_corrected_from_the_shops_own_words():
    speller = Speller.from_texts(["cordless drill kit", "cordless drill", "front load washer",
                                  "front door", "washer dryer", "load bearing"] * 6)
    assert speller.correct("cordles dril") == "cordless drill"
    assert speller.correct("drl kit") == "drl kit"  # three letters: too short to guess
    assert speller.correct("cordlsess drill") == "cordless drill"  # two edits in a long word
    assert speller.correct("frontload washer") == "front load washer"  # run-together words
    assert speller.correct("drill") == "drill"
    assert speller.correct("zzzzzzz") == "zzzzzzz"  # nothing near: left alone


def test_the_most_frequent_near_word_wins():
    speller = Speller(Counter({"paint": 50, "pains": 2}))
    assert speller.correct_word("paimt") == "paint"
    assert edit_distance("abcd", "abdc") == 1  # a swap of neighbours is one edit


def test_related_terms_need_several_queries_behind_them():
    config = SynonymConfig(min_support=2, min_lift=1.5)
    pairs = [(("tv",), ("television", "stand"), 1.0), (("tv", "big"), ("television", "65"), 1.0),
             (("tv",), ("television", "wall"), 1.0), (("sofa",), ("couch", "grey"), 1.0),
             (("lamp",), ("stand", "light"), 1.0)]
    related = RelatedTerms(config).fit(pairs)
    assert "television" in related.expand(("tv",))
    assert "couch" not in related.expand(("sofa",))  # one query only: not enough support
    assert "tv" not in related.expand(("tv",))
    again = RelatedTerms.from_dict(related.to_dict(), config)
    assert again.expand(("tv",)) == related.expand(("tv",))


def test_a_chinese_word_meets_its_longer_spelling_in_the_catalog():
    """Chinese words are a few characters: "跑鞋" shares no character trigram with
    "跑步鞋", but it shares its characters."""
    index = CharIndex([["踏云缓震跑步鞋"], ["纯棉短袖t恤"], ["不粘炒锅"]])
    scores = index.score(["跑鞋"])
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0
    assert index.score(["drill"]).sum() == 0  # Latin words keep their trigrams


def test_traditional_and_simplified_chinese_are_the_same_terms():
    """A customer in Hong Kong or Taiwan types 防曬霜; the catalog says 防晒霜."""
    analyzer = Analyzer()
    assert analyzer.terms("防曬霜 SPF50") == analyzer.terms("防晒霜 spf50")
    assert analyzer.terms("藍牙耳機") == analyzer.terms("蓝牙耳机")
    assert analyzer.words("藍牙耳機") == ["蓝牙耳机"]
    as_written = Analyzer(AnalyzerConfig(simplified_chinese=False))  # a model saved before
    assert as_written.terms("藍牙耳機") != as_written.terms("蓝牙耳机")
