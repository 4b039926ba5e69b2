"""Top complaint themes: the negative clauses of a window grouped by what they say.

Clauses are bags of character and word n-grams; spherical k-means (cosine, k-means++
starts, fixed seed) groups them; a theme is named by the words most typical of it and
shown with the clauses nearest its centre. Grouping clauses, not reviews, keeps "late parcel" and
"rude support" apart when one review says both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer

# English function words never name a theme (stemmed as the analyzer stems them)
FUNCTION_WORDS = frozenset({"the", "a", "an", "wa", "is", "are", "be", "been", "it", "thi",
                            "that", "of", "and", "or", "to", "for", "in", "on", "at", "with",
                            "my", "me", "i", "you", "we", "they", "so", "veri", "have", "had",
                            "did", "doe", "do", "after", "all", "too", "just"})
THEME_NGRAMS = NgramConfig(char_min=2, char_max=3, word_max=1, min_count=2,
                           max_features=20_000)


@dataclass(frozen=True)
class Complaint:
    """One negative clause and where it came from."""

    text: str
    review_id: str
    aspects: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    label: str  # its heaviest words
    aspect: str | None  # the aspect most of its clauses name
    clauses: int
    share: float  # of the window's negative clauses
    examples: list[dict[str, str]]  # {"text", "review_id"} nearest the centre first

    def to_dict(self) -> dict:
        return asdict(self)


def complaint_themes(complaints: Sequence[Complaint], max_themes: int = 6,
                     min_size: int = 3, seed: int = 7) -> list[Theme]:
    """Themes, largest first; clauses of themes smaller than `min_size` are left out."""
    if len(complaints) < min_size:
        return []
    texts = [c.text for c in complaints]
    config = THEME_NGRAMS if len(texts) >= 20 else NgramConfig(2, 3, 1, 1, 20_000)
    vectorizer = NgramVectorizer(config).fit(texts)
    if not vectorizer.index:
        return []
    x = vectorizer.transform(texts)
    k = max(1, min(max_themes, len(texts) // max(min_size, 1)))
    assignment, centres = _spherical_kmeans(x, k, seed)
    words = sorted(vectorizer.index, key=vectorizer.index.__getitem__)
    present = (x > 0).astype(np.float32).tocsc()
    themes = []
    for cluster in range(k):
        rows = np.flatnonzero(assignment == cluster)
        if len(rows) < min_size:
            continue
        centre = centres[cluster]
        closeness = np.asarray(x[rows] @ centre).ravel()
        nearest = _unique_texts(complaints, rows[np.argsort(-closeness, kind="stable")], 3)
        named = Counter(a for r in rows for a in complaints[r].aspects)
        label = " / ".join(_distinct(_label_words(present, rows, words))[:3])
        themes.append(Theme(label, named.most_common(1)[0][0] if named else None, len(rows),
                            len(rows) / len(texts),
                            [{"text": complaints[r].text, "review_id": complaints[r].review_id}
                             for r in nearest]))
    themes.sort(key=lambda t: -t.clauses)
    return themes


def _spherical_kmeans(x, k: int, seed: int, starts: int = 8
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(assignment (N,), unit centres (k, F)) for unit-length sparse rows `x`: the best
    of several k-means++ starts (highest total cosine to the centres)."""
    rng = np.random.default_rng(seed)
    best, best_fit = None, -np.inf
    for _ in range(starts):
        assignment, centres = _kmeans_once(x, k, rng)
        fit = float(np.asarray(x @ centres.T).max(1).sum())
        if fit > best_fit + 1e-9:
            best, best_fit = (assignment, centres), fit
    return best


def _kmeans_once(x, k: int, rng: np.random.Generator, iterations: int = 25
                 ) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    chosen = [int(rng.integers(n))]
    distance = 1 - np.asarray(x @ x[chosen[0]].T.toarray()).ravel()
    while len(chosen) < k:
        weights = np.clip(distance, 0, None) ** 2
        if weights.sum() <= 0:
            break
        chosen.append(int(rng.choice(n, p=weights / weights.sum())))
        distance = np.minimum(distance, 1 - np.asarray(x @ x[chosen[-1]].T.toarray()).ravel())
    centres = x[chosen].toarray()
    assignment = np.zeros(n, np.int64)
    for _ in range(iterations):
        new = np.asarray(x @ centres.T).argmax(1)
        if _ and np.array_equal(new, assignment):
            break
        assignment = new
        for c in range(len(centres)):
            members = x[assignment == c]
            if members.shape[0]:
                total = np.asarray(members.sum(0)).ravel()
                centres[c] = total / max(np.linalg.norm(total), 1e-12)
    return assignment, centres


def _label_words(present, rows: np.ndarray, words: list[str], top: int = 12) -> list[str]:
    """Words (two letters or more) frequent in the theme and rarer elsewhere: in-theme
    share × log(in-theme share / overall share)."""
    inside = np.asarray(present[rows].sum(0)).ravel() / len(rows)
    overall = np.asarray(present.sum(0)).ravel() / present.shape[0]
    score = inside * np.log(np.maximum(inside, 1e-12) / np.maximum(overall, 1e-12))
    wordy = np.array([w.startswith(" ") and len(w) > 2 and w[1:] not in FUNCTION_WORDS
                      for w in words])
    order = np.argsort(-np.where(wordy & (inside > 0), score, -np.inf))[:top]
    return [words[i].strip() for i in order if wordy[i] and inside[i] > 0]


def _unique_texts(complaints: Sequence[Complaint], rows: np.ndarray, count: int) -> list[int]:
    seen: set[str] = set()
    out = []
    for row in rows.tolist():
        if complaints[row].text not in seen:
            seen.add(complaints[row].text)
            out.append(row)
        if len(out) == count:
            break
    return out


def _distinct(words: list[str]) -> list[str]:
    """Drop a word contained in a heavier one already kept ("物流" after "物流慢")."""
    kept: list[str] = []
    for word in words:
        if word and not any(word in other or other in word for other in kept):
            kept.append(word)
    return kept
