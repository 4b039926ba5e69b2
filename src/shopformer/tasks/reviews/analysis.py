"""One review → its polarity, and per clause the aspects it names and their polarity.

"物流很快，但是包装破了": the review may be mildly positive overall while packaging is
negative. The review is scored by the full sentiment model; each clause of a review of
several by its fast n-gram member (`ReviewSentiment.clause_probability`), and an aspect
takes the polarity of the clause that names it (the most negative one when several do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shopformer.core.errors import InputError, Location
from shopformer.tasks.reviews.aspects import AspectLexicon
from shopformer.tasks.reviews.clauses import clauses
from shopformer.tasks.reviews.sentiment import NEGATIVE, POSITIVE, ReviewSentiment


def polarity(probability: float) -> str:
    return POSITIVE if probability >= 0.5 else NEGATIVE


@dataclass(frozen=True)
class ClauseOpinion:
    text: str
    aspects: tuple[str, ...]
    probability: float  # P(positive)

    @property
    def polarity(self) -> str:
        return polarity(self.probability)


@dataclass(frozen=True)
class ReviewOpinion:
    probability: float  # P(positive) of the whole review
    clauses: tuple[ClauseOpinion, ...]
    rating: float | None = None  # predicted stars, when the model learned ratings

    @property
    def polarity(self) -> str:
        return polarity(self.probability)

    def aspects(self) -> dict[str, float]:
        """aspect → P(positive) of the most negative clause naming it."""
        out: dict[str, float] = {}
        for clause in self.clauses:
            for aspect in clause.aspects:
                out[aspect] = min(out.get(aspect, 1.0), clause.probability)
        return out

    def negative_aspects(self) -> tuple[str, ...]:
        return tuple(a for a, p in self.aspects().items() if p < 0.5)

    def to_dict(self) -> dict:
        return {"polarity": self.polarity, "probability": round(self.probability, 4),
                "rating": None if self.rating is None else round(self.rating, 2),
                "aspects": {a: {"polarity": polarity(p), "probability": round(p, 4)}
                            for a, p in self.aspects().items()},
                "clauses": [{"text": c.text, "aspects": list(c.aspects),
                             "polarity": c.polarity, "probability": round(c.probability, 4)}
                            for c in self.clauses]}


class ReviewAnalyzer:
    """Polarity + aspects for many reviews at once (the clauses of a batch are scored in
    one pass, which is what makes hundreds of reviews per second)."""

    def __init__(self, sentiment: ReviewSentiment, lexicon: AspectLexicon | None = None, *,
                 full_clauses: bool = False) -> None:
        self.sentiment = sentiment
        self.lexicon = lexicon or AspectLexicon()
        self.full_clauses = full_clauses  # score clauses with the full (slower) model too

    def analyze(self, texts: Sequence[str], *, with_rating: bool = True,
                domains: Sequence[str | None] | None = None) -> list[ReviewOpinion]:
        """`domains`: each review's product category (None where unknown); a model trained
        with categories reads a known one with that category's own n-gram weights."""
        texts = list(texts)
        for row, text in enumerate(texts, start=1):  # an empty one was scored 0.70 positive
            if not isinstance(text, str) or not text.strip():
                raise InputError("a review's text must not be empty",
                                 Location(row=row, field="text"))
        whole = self.sentiment.probability(texts, domains=domains)  # checks the domains
        split = [clauses(t) for t in texts]
        # a review of one clause is scored once: its clause is the review
        several = [c for parts in split if len(parts) > 1 for c in parts]
        clause_domains = None if domains is None else \
            [d for d, parts in zip(domains, split, strict=True) if len(parts) > 1 for _ in parts]
        if self.full_clauses:
            scored = self.sentiment.probability(several, domains=clause_domains)
        else:
            scored = self.sentiment.clause_probability(several, domains=clause_domains)
        scored = iter(scored)
        stars = self.sentiment.rating(texts) if with_rating else None
        out = []
        for n, parts in enumerate(split):
            chances = [float(next(scored)) for _ in parts] if len(parts) > 1 \
                else [float(whole[n])] * len(parts)
            found = tuple(ClauseOpinion(c, tuple(self.lexicon.aspects_of(c)), p)
                          for c, p in zip(parts, chances, strict=True))
            out.append(ReviewOpinion(float(whole[n]), found,
                                     None if stars is None else float(stars[n])))
        return out

    def aspect_scores(self, opinions: Sequence[ReviewOpinion]) -> dict[str, dict[str, float]]:
        """aspect → {"mentions", "positive_share"} over some reviews (an item's, say)."""
        seen: dict[str, list[float]] = {}
        for opinion in opinions:
            for aspect, p in opinion.aspects().items():
                seen.setdefault(aspect, []).append(p >= 0.5)
        return {a: {"mentions": len(v), "positive_share": float(np.mean(v))}
                for a, v in seen.items()}
