"""Query understanding: what was typed → what to look for (normalized, a price limit typed
into it, corrected, terms, related terms), one object the retrievers, the ranker and
`explain` all read."""

from __future__ import annotations

from dataclasses import dataclass, field

from shopformer.tasks.search.analyze import Analyzer, normalize
from shopformer.tasks.search.price_words import PriceLimit, read_price_limit
from shopformer.tasks.search.spelling import Speller
from shopformer.tasks.search.synonyms import RelatedTerms


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    normalized: str  # without the price phrases (`price`)
    corrected: str  # `normalized` with misspelt words replaced
    terms: tuple[str, ...]  # search terms of `corrected`
    typed_terms: tuple[str, ...]  # search terms of `normalized` (before correction)
    words: tuple[str, ...]  # unstemmed words of `corrected` (character n-grams use them)
    expansions: dict[str, float] = field(default_factory=dict)  # related term → weight
    price: PriceLimit | None = None  # "100元以下", "under $50": a filter, not words

    @property
    def was_corrected(self) -> bool:
        return self.corrected != self.normalized


class QueryUnderstanding:
    def __init__(self, analyzer: Analyzer, speller: Speller | None = None,
                 related: RelatedTerms | None = None, prices: bool = True) -> None:
        self.analyzer, self.speller, self.related = analyzer, speller, related
        self.prices = prices

    def parse(self, query: str) -> ParsedQuery:
        normalized, price = normalize(query), None
        if self.prices:
            normalized, price = read_price_limit(normalized)
        corrected = self.speller.correct(normalized) if self.speller else normalized
        terms = self.analyzer.terms(corrected)
        expansions = self.related.expand(terms) if self.related else {}
        return ParsedQuery(query, normalized, corrected, terms, self.analyzer.terms(normalized),
                           tuple(self.analyzer.words(corrected)), expansions, price)
