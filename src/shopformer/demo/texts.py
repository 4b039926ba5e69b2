"""Review and search texts in Chinese and English, built from aspect templates.

Polarity does not follow keywords: positive phrasings use negations (一点也不贵, not bad at
all, 没有任何问题) and negative ones soften (不是很好, not exactly cheap), so a sentiment model
has to read the phrase, not spot a word.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from shopformer.demo.categories import Category

# aspect -> (zh positive, zh negative, en positive, en negative)
ASPECT_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "quality": (
        ("质量很好", "做工精细，没有任何瑕疵", "用了一周，没什么毛病", "质量比想象中好"),
        ("质量不是很好", "做工一般，有点失望", "用了两天就坏了", "质量真的不怎么样"),
        ("quality is great", "not bad at all, well made", "no flaws that I can find",
         "better built than I expected"),
        ("quality is not great", "it broke after two days", "not as good as described",
         "feels cheap and flimsy"),
    ),
    "price": (
        ("价格一点也不贵", "性价比很高", "活动价很划算", "这个价位找不到更好的了"),
        ("价格太贵了", "性价比不高", "不值这个价", "比别家贵不少"),
        ("not expensive at all", "great value for money", "the sale price was a steal",
         "can't find better at this price"),
        ("way too expensive", "not worth the price", "overpriced for what it is",
         "not exactly cheap for this quality"),
    ),
    "logistics": (
        ("物流很快，第二天就到了", "快递速度没得说", "发货及时，物流不慢"),
        ("物流太慢了", "快递一个星期才到", "物流不是很快，等了好久", "快递一直显示在途中"),
        ("delivery was fast", "arrived the next day", "shipping wasn't slow at all"),
        ("delivery was really slow", "the courier was a week late", "shipping took forever",
         "tracking was stuck for days"),
    ),
    "service": (
        ("客服很耐心", "客服回复及时，态度很好", "售后没让人失望"),
        ("客服态度很差", "客服半天不回消息", "售后一直推脱，不是很负责"),
        ("customer service was patient and helpful", "support answered right away",
         "the after-sales team did not disappoint"),
        ("customer service was rude", "support never replied", "after-sales kept passing the buck"),
    ),
    "packaging": (
        ("包装很严实", "包装完好，没有破损", "包装精美，送人也合适"),
        ("包装破损了", "包装太简陋", "外箱压坏了，包装不是很用心"),
        ("packaging was solid", "arrived without a scratch, nicely packed", "neat gift-ready box"),
        ("the box arrived crushed", "packaging was flimsy", "not packed with much care"),
    ),
    "size": (
        ("尺码很标准", "大小刚刚好", "尺码不偏大也不偏小"),
        ("尺码偏小，建议买大一号", "尺码不准", "穿着不是很合身"),
        ("fits true to size", "the size is just right", "neither too big nor too small"),
        ("runs small, size up", "the sizing is off", "doesn't fit well at all"),
    ),
    "taste": (
        ("口感很好，很新鲜", "味道不错，一点也不腻", "新鲜度没问题"),
        ("味道不太新鲜", "口感一般，不是很好喝", "快过期了，不新鲜"),
        ("tastes fresh", "not too sweet, really nice", "fresh, no complaints"),
        ("not fresh, tasted stale", "the taste was not great", "close to its expiry date"),
    ),
}

# rating 1..5 -> (zh, en) closing remarks
OVERALL: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    5: (("非常满意，会回购", "五星好评", "强烈推荐"),
        ("very happy, will buy again", "five stars", "highly recommend")),
    4: (("总体还行，推荐", "整体满意", "还不错"),
        ("pretty good overall", "satisfied", "would recommend")),
    3: (("一般般吧", "中规中矩", "还可以，但没有惊喜"),
        ("it's okay", "average, nothing special", "so-so")),
    2: (("不太满意", "有点后悔", "不会推荐给朋友"),
        ("not very happy", "kind of regret it", "wouldn't recommend")),
    1: (("很失望，不会再买了", "差评", "千万别买"),
        ("very disappointed, never again", "one star", "do not buy")),
}


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[rng.integers(len(options))]


def review_text(rng: np.random.Generator, language: str,
                aspects: list[tuple[str, bool]], rating: int) -> str:
    """Aspect clauses in the given polarities, then a closing remark matching the rating."""
    zh = language == "zh"
    clauses = []
    for aspect, positive in aspects:
        zh_pos, zh_neg, en_pos, en_neg = ASPECT_PHRASES[aspect]
        options = (zh_pos if positive else zh_neg) if zh else (en_pos if positive else en_neg)
        clauses.append(_pick(rng, options))
    closing = _pick(rng, OVERALL[rating][0 if zh else 1])
    if zh:
        return "，".join(clauses) + "。" + closing + "！" * (rating in (1, 5))
    text = ". ".join(clause[0].upper() + clause[1:] for clause in clauses)
    return f"{text}. {closing[0].upper()}{closing[1:]}{'!' if rating in (1, 5) else '.'}"


MISSPELL_SHARE = 0.15


def search_query(rng: np.random.Generator, category: Category, language: str,
                 noun: int | None = None) -> str:
    """A query a shopper would type before looking at one of the category's products
    (`noun`: its index in the category's nouns; None: any of them): one that names that
    product, or a generic one that names none; some are misspelt (typo lists for Chinese
    homophones, a dropped or swapped letter for English)."""
    zh_queries, en_queries = category.queries
    column = 0 if language == "zh" else 1
    nouns = tuple(names[column] for names in category.nouns)

    def fitting(queries: tuple[str, ...]) -> tuple[str, ...]:
        return queries if noun is None else fitting_queries(queries, nouns, noun, language)

    if language == "zh":
        if category.typos_zh and rng.random() < MISSPELL_SHARE and fitting(category.typos_zh):
            return _pick(rng, fitting(category.typos_zh))
        return _pick(rng, fitting(zh_queries) or zh_queries)
    query = _pick(rng, fitting(en_queries) or en_queries)
    if rng.random() < MISSPELL_SHARE and len(query) > 4:
        at = int(rng.integers(1, len(query) - 2))
        if rng.random() < 0.5:
            return query[:at] + query[at + 1:]
        return query[:at] + query[at + 1] + query[at] + query[at + 2:]
    return query


@cache
def fitting_queries(queries: tuple[str, ...], nouns: tuple[str, ...], noun: int,
                    language: str) -> tuple[str, ...]:
    """The queries that point to `nouns[noun]` most, by the rarity among the nouns of the
    words they share (蓝牙耳机 → 无线蓝牙耳机, not 有线耳机), and the generic ones that
    point to no noun (耳机推荐)."""
    names = [_query_tokens(name, language) for name in nouns]
    out = []
    for query in queries:
        pull = [sum(math.log(len(names) / df) for token in _query_tokens(query, language)
                    if token in name and (df := sum(token in n for n in names)) < len(names))
                for name in names]
        if max(pull) == 0 or pull[noun] == max(pull):
            out.append(query)
    return tuple(out)


def _query_tokens(text: str, language: str) -> set[str]:
    """Character bigrams of Chinese; words of English, a plural's s dropped."""
    if language == "zh":
        joined = text.replace(" ", "").lower()
        return {joined[i:i + 2] for i in range(len(joined) - 1)}
    return {word.removesuffix("s") for word in text.lower().replace("-", " ").split()}
