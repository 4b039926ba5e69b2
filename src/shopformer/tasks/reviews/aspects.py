"""Which aspect of a purchase a clause talks about: quality, price, delivery, …

A small bilingual seed lexicon per aspect, which a shop extends with its own words
(`AspectConfig.extra_terms`, or terms learned from its reviews). English words are matched
as search terms (stemmed: "delivered" meets "deliver"), Chinese ones as substrings of the
clause, which needs no word boundaries ("发货慢" contains "发货"), both in Simplified
characters (a review's 包裝 is 包装). Chinese terms are read left to right, longest first,
as a forward maximum-matching segmenter would: where two terms overlap, the one that starts
first wins ("外箱压坏了" is 压坏, packaging, not 坏了, quality). The list of aspects is the
shop's choice: a hotel has rooms, a grocer has freshness.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from shopformer.core.errors import ConfigError
from shopformer.data.chinese_script import simplified
from shopformer.tasks.search.analyze import CJK, Analyzer

LATIN = re.compile(r"[A-Za-z]")

# aspect → (Chinese terms, English terms); general shop vocabulary, not one shop's phrases
SEED_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "quality": (("质量", "品质", "做工", "材质", "用料", "质感", "耐用", "瑕疵", "正品", "假货",
                 "次品", "坏了", "掉色", "起球"),
                ("quality", "material", "durable", "sturdy", "flimsy", "defect", "defective",
                 "broke", "broken", "build", "genuine", "fake", "workmanship", "craftsmanship")),
    "price": (("价格", "价钱", "便宜", "贵", "性价比", "划算", "实惠", "优惠", "降价", "值这个价",
               "物美价廉", "不值"),
              ("price", "priced", "cheap", "expensive", "overpriced", "value", "worth", "cost",
               "bargain", "deal", "pricey", "affordable")),
    "logistics": (("物流", "快递", "发货", "送货", "配送", "到货", "收到货", "运输", "派送",
                   "快递员", "在途", "签收"),
                  ("delivery", "deliver", "delivered", "shipping", "shipped", "ship", "courier",
                   "arrived", "arrive", "dispatch", "dispatched", "parcel", "tracking",
                   "transit")),
    "service": (("客服", "服务", "态度", "售后", "商家", "卖家", "店家", "掌柜", "退货", "退款",
                 "换货", "回复", "前台"),
                ("service", "support", "seller", "staff", "refund", "return", "returned",
                 "reply", "replied", "rude", "helpful", "responsive", "exchange")),
    "packaging": (("包装", "盒子", "外盒", "箱子", "密封", "封口", "包得", "压坏", "漏了"),
                  ("packaging", "packaged", "package", "box", "boxed", "wrapped", "wrapping",
                   "sealed", "seal", "crushed", "leaked", "leaking")),
    "size": (("尺码", "尺寸", "大小", "码数", "偏大", "偏小", "合身", "太大", "太小",
              "太紧", "偏紧", "有点小", "有点大", "小一码", "大一码"),
             ("size", "sizing", "fit", "fits", "fitting", "tight", "loose", "small", "large",
              "big", "length")),
    "taste": (("味道", "口感", "口味", "好吃", "难吃", "新鲜", "很甜", "太甜", "酸味", "苦味",
               "变质", "过期"),
              ("taste", "tastes", "tasty", "flavor", "flavour", "fresh", "stale", "delicious",
               "sweet", "sour", "bitter", "expired", "rotten")),
    "performance": (("性能", "运行速度", "电池", "续航", "屏幕", "系统", "卡顿", "好用", "发热",
                     "信号", "运行", "充电", "充不进", "充不上", "死机", "耗电", "连不上"),
                    ("performance", "battery", "screen", "lag", "laggy", "crash", "crashes",
                     "works", "working", "signal", "overheats", "recharge", "freezes",
                     "disconnects")),
}
DEFAULT_ASPECTS = tuple(SEED_TERMS)


@dataclass(frozen=True)
class AspectConfig:
    aspects: tuple[str, ...] = DEFAULT_ASPECTS
    # the shop's own words per aspect, on top of the seed (an aspect not in the seed
    # needs some here)
    extra_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.aspects:
            raise ConfigError("aspects must name at least one aspect")
        unknown = [a for a in self.extra_terms if a not in self.aspects]
        if unknown:
            raise ConfigError(f"extra_terms for aspects not in the list: {unknown}; "
                              f"aspects: {list(self.aspects)}")
        bare = [a for a in self.aspects if a not in SEED_TERMS and not self.extra_terms.get(a)]
        if bare:
            raise ConfigError(f"aspects {bare} have no seed terms: give them extra_terms")


class AspectLexicon:
    def __init__(self, config: AspectConfig | None = None,
                 analyzer: Analyzer | None = None) -> None:
        self.config = config or AspectConfig()
        self.analyzer = analyzer or Analyzer()
        self.chinese: dict[str, list[str]] = {}
        self.english: dict[str, set[str]] = {}
        # made from `chinese` on first use: every term, longest first, and its aspects
        self._chinese_pattern: re.Pattern | None = None
        self._aspects_of_term: dict[str, set[str]] = {}
        for aspect in self.config.aspects:
            zh, en = SEED_TERMS.get(aspect, ((), ()))
            self.add(aspect, (*zh, *en, *self.config.extra_terms.get(aspect, ())))

    def add(self, aspect: str, terms: tuple[str, ...] | list[str]) -> None:
        """More words for an aspect (e.g. learned from the shop's reviews)."""
        if aspect not in self.config.aspects:
            raise ConfigError(f"unknown aspect {aspect!r}; aspects: {list(self.config.aspects)}")
        for term in terms:
            if CJK.search(term):
                self.chinese.setdefault(aspect, []).append(simplified(term))
                self._chinese_pattern = None
            else:
                self.english.setdefault(aspect, set()).update(self.analyzer.terms(term))

    def aspects_of(self, clause: str) -> list[str]:
        """Aspects the clause mentions, in the configured order."""
        # stemming is only needed for Latin words: Chinese terms match as substrings
        terms = set(self.analyzer.terms(clause)) if LATIN.search(clause) else set()
        named = {aspect for match in self._chinese_terms().finditer(simplified(clause))
                 for aspect in self._aspects_of_term[match.group()]} \
            if CJK.search(clause) else set()
        return [aspect for aspect in self.config.aspects
                if aspect in named or terms & self.english.get(aspect, set())]

    def _chinese_terms(self) -> re.Pattern:
        """One alternation of every Chinese term, longest first: `finditer` then takes, at
        each place, the longest term starting there, and terms do not overlap."""
        if self._chinese_pattern is None:
            self._aspects_of_term = {}
            for aspect, terms in self.chinese.items():
                for term in terms:
                    self._aspects_of_term.setdefault(term, set()).add(aspect)
            words = sorted(self._aspects_of_term, key=lambda w: (-len(w), w))
            self._chinese_pattern = re.compile("|".join(map(re.escape, words)) if words
                                               else r"(?!)")
        return self._chinese_pattern

    def terms(self, aspect: str) -> list[str]:
        """Every word the lexicon knows for an aspect (Chinese, then English stems)."""
        return [*self.chinese.get(aspect, ()), *sorted(self.english.get(aspect, ()))]
