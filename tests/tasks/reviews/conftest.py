"""A sentiment model trained on reviews written the way the demo shop writes them."""

from __future__ import annotations

import numpy as np
import pytest

from shopformer.demo.texts import ASPECT_PHRASES, review_text
from shopformer.tasks.reviews.sentiment import ReviewSentiment

POSITIVE_GIVEN_RATING = (0.05, 0.2, 0.5, 0.8, 0.95)


def reviews_like_the_demo(count: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """Reviews the way the demo shop writes them: aspects whose polarity follows the rating."""
    rng = np.random.default_rng(seed)
    aspects = list(ASPECT_PHRASES)
    texts, ratings = [], []
    for _ in range(count):
        rating = int(rng.integers(1, 6))
        said = [(aspects[i], bool(rng.random() < POSITIVE_GIVEN_RATING[rating - 1]))
                for i in rng.choice(len(aspects), int(rng.integers(1, 3)), replace=False)]
        texts.append(review_text(rng, "zh" if rng.random() < 0.5 else "en", said, rating))
        ratings.append(rating)
    return texts, ratings


@pytest.fixture(scope="session")
def bilingual() -> ReviewSentiment:
    texts, ratings = reviews_like_the_demo(3000)
    return ReviewSentiment().fit(texts, ratings=ratings)


@pytest.fixture(scope="session")
def make_reviews():
    """(count, seed) → (texts, ratings) written the way the demo shop writes reviews."""
    return reviews_like_the_demo
