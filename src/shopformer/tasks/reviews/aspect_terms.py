"""More words per aspect, learned from the shop's own reviews.

A word that keeps appearing in clauses the seed lexicon places under one aspect, and
rarely beside any other, is that aspect's word in this shop: "顺丰" beside "快递",
"drawstring" beside "size". Counted per clause, so a review about two aspects does not
blur them. Words that already are lexicon terms, function words and numbers are skipped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from shopformer.core.errors import ConfigError
from shopformer.tasks.reviews.aspects import AspectLexicon
from shopformer.tasks.reviews.clauses import clauses
from shopformer.tasks.search.analyze import CJK

jieba.setLogLevel(logging.WARNING)

# words that sit beside every aspect: never an aspect's own word
COMMON_WORDS = frozenset((
    "the", "a", "an", "and", "or", "but", "not", "very", "too", "was", "were", "is", "are",
    "be", "been", "it", "this", "that", "with", "for", "of", "to", "in", "on", "at", "my",
    "me", "i", "you", "we", "they", "so", "just", "really", "all", "after", "have", "had",
    "has", "did", "does", "do", "would", "will", "can", "could", "its", "than", "then",
    "there", "their", "them", "also", "more", "most", "much", "some", "any", "one", "two",
    "非常", "很", "太", "就是", "还是", "一个", "这个", "那个", "没有", "不是", "可以", "感觉",
    "觉得", "真的", "有点", "比较", "东西", "还有", "但是", "不过", "而且", "就", "也", "都",
    "了", "的", "是", "我", "你", "他", "她", "它", "我们", "买", "买的", "收到"))


@dataclass(frozen=True)
class LearnedTerm:
    aspect: str
    term: str
    clauses: int  # clauses with the term and this aspect's seed words
    share: float  # of the term's clauses that name any aspect, those naming this one
    lift: float  # share over the aspect's share of all aspect-naming clauses


def learn_aspect_terms(texts: Iterable[str], lexicon: AspectLexicon, *, min_clauses: int = 5,
                       min_share: float = 0.8, min_lift: float = 3.0, top: int = 20
                       ) -> list[LearnedTerm]:
    """Candidate terms per aspect, strongest first within each aspect (at most `top` each).
    `lexicon.add(aspect, [t.term ...])` takes them in."""
    if min_clauses < 1 or not 0 < min_share <= 1 or min_lift < 1:
        raise ConfigError("aspect terms: need min_clauses >= 1, 0 < min_share <= 1, "
                          "min_lift >= 1")
    known = {t for a in lexicon.config.aspects for t in lexicon.terms(a)}
    with_aspect: Counter[str] = Counter()
    pair: Counter[tuple[str, str]] = Counter()
    aspect_clauses: Counter[str] = Counter()
    for text in texts:
        for clause in clauses(text):
            named = lexicon.aspects_of(clause)
            if len(named) != 1:
                continue  # none or several aspects: says nothing about which one a word is
            aspect = named[0]
            aspect_clauses[aspect] += 1
            for word in set(_words(clause, lexicon)) - known:
                with_aspect[word] += 1
                pair[(word, aspect)] += 1
    total = sum(aspect_clauses.values())
    found: list[LearnedTerm] = []
    for (word, aspect), count in pair.items():
        if count < min_clauses:
            continue
        share = count / with_aspect[word]
        lift = share / (aspect_clauses[aspect] / total)
        if share >= min_share and lift >= min_lift:
            found.append(LearnedTerm(aspect, word, count, round(share, 3), round(lift, 2)))
    found.sort(key=lambda t: (lexicon.config.aspects.index(t.aspect), -t.clauses, t.term))
    kept: Counter[str] = Counter()
    out = []
    for term in found:
        if kept[term.aspect] < top:
            kept[term.aspect] += 1
            out.append(term)
    return out


def _words(clause: str, lexicon: AspectLexicon) -> list[str]:
    """Chinese words (jieba, two characters or more) and English stems of three letters or
    more (as the lexicon matches English), minus common words and numbers."""
    out = []
    for word in lexicon.analyzer.words(clause):
        if CJK.match(word):
            out.extend(w for w in jieba.lcut(word) if len(w) >= 2 and w not in COMMON_WORDS)
        elif word.isalpha() and len(word) >= 3 and word not in COMMON_WORDS:
            out.extend(lexicon.analyzer.terms(word))
    return out
