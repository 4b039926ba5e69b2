"""Top complaint themes: the negative clauses of a window grouped by what they say.

Clauses are bags of character and word n-grams, with the aspects they name (or "none")
appended at the weight of the whole bag; spherical k-means (cosine, k-means++ starts, fixed
seed) groups them. The aspect columns keep a theme to one aspect: on words alone, "客服半天不
回消息" and "不会推荐给朋友" grouped together, and "not very happy" with "delivery was really
slow", by the words they share (不, not, was). A theme is named by the content words most
typical of it, as they were written ("quality", not its stem "qualiti"), and shown with
the clauses nearest its centre. Grouping clauses, not reviews,
keeps "late parcel" and "rude support" apart when one review says both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer
from shopformer.tasks.search.analyze import Analyzer

# Words that never name a theme: function words, negations and hedges (English ones stemmed
# below as the analyzer stems them)
_ENGLISH_FUNCTION_WORDS = (
    "the", "a", "an", "was", "were", "is", "are", "be", "been", "it", "this", "that", "of",
    "and", "or", "to", "for", "in", "on", "at", "with", "my", "me", "i", "you", "we",
    "they", "so", "very", "have", "had", "did", "does", "do", "after", "all", "too", "just",
    "not", "no", "never", "wouldn", "didn", "doesn", "don", "isn", "wasn", "kind", "bit",
    "really", "quite", "much", "what", "as", "would", "will", "could", "than", "its")
_CHINESE_FUNCTION_WORDS = (
    "不是", "有点", "一直", "没有", "不会", "不太", "一点", "什么", "这个", "那个", "我们", "真的",
    "还是", "就是", "但是", "不过", "可是", "感觉", "非常", "特别", "有些", "一个", "一些", "这么",
    "那么", "怎么", "已经", "还有", "可以")
_ANALYZER = Analyzer()
FUNCTION_WORDS = frozenset({*(t for w in _ENGLISH_FUNCTION_WORDS for t in _ANALYZER.terms(w)),
                            *_CHINESE_FUNCTION_WORDS})
LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
ASPECT_WEIGHT = 1.0  # of the aspect columns, against the unit-length bag of n-grams
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
    bag = vectorizer.transform(texts)
    x = _with_aspects(bag, complaints)
    k = max(1, min(max_themes, len(texts) // max(min_size, 1)))
    assignment, centres = _spherical_kmeans(x, k, seed)
    words = sorted(vectorizer.index, key=vectorizer.index.__getitem__)
    spoken = {w for t in texts for w in vectorizer.word_grams(t)}  # words, not char n-grams
    present = (bag > 0).astype(np.float32).tocsc()
    written = _written_forms(texts)
    themes = []
    for cluster in range(k):
        rows = np.flatnonzero(assignment == cluster)
        if len(rows) < min_size:
            continue
        centre = centres[cluster]
        closeness = np.asarray(x[rows] @ centre).ravel()
        nearest = _unique_texts(complaints, rows[np.argsort(-closeness, kind="stable")], 3)
        named = Counter(a for r in rows for a in complaints[r].aspects)
        aspect = named.most_common(1)[0][0] if named else None
        # named by its clauses about its aspect: a size clause grouped with the price ones
        # named that theme "well / fit"
        on_aspect = rows if aspect is None else np.array(
            [r for r in rows if aspect in complaints[r].aspects], np.int64)
        label = " / ".join(_distinct([written.get(w, w) for w in _label_words(
            present, on_aspect, words, spoken)])[:3]) or aspect or "-"
        themes.append(Theme(label, aspect, len(rows),
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


def _with_aspects(bag: sparse.csr_matrix, complaints: Sequence[Complaint]
                  ) -> sparse.csr_matrix:
    """The bag with a column per aspect (and one for none), each clause's aspects sharing
    `ASPECT_WEIGHT`, rows scaled back to unit length."""
    names = sorted({a for c in complaints for a in c.aspects})
    column = {a: i for i, a in enumerate(names)}
    rows, columns, values = [], [], []
    for row, complaint in enumerate(complaints):
        said = complaint.aspects or (None,)
        for aspect in said:
            rows.append(row)
            columns.append(column[aspect] if aspect is not None else len(names))
            values.append(ASPECT_WEIGHT / np.sqrt(len(said)))
    aspects = sparse.csr_matrix((values, (rows, columns)), shape=(len(complaints),
                                                                  len(names) + 1))
    x = sparse.hstack([bag, aspects], format="csr")
    norms = np.sqrt(np.asarray(x.multiply(x).sum(1)).ravel())
    return sparse.csr_matrix(x.multiply(1 / np.maximum(norms, 1e-12)[:, None]))


def _label_words(present, rows: np.ndarray, words: list[str], spoken: set[str],
                 top: int = 12) -> list[str]:
    """Content words (two letters or more) frequent in the theme and rarer elsewhere:
    in-theme share × log(in-theme share / overall share). Only words of at least two of its
    clauses (when it has two): six price clauses each in their own words ("不值这个价",
    "way too expensive") have no word that names them, and the one word of one clause
    ("quality", of "not exactly cheap for this quality") does not."""
    counts = np.asarray(present[rows].sum(0)).ravel()
    inside = counts / max(len(rows), 1)
    overall = np.asarray(present.sum(0)).ravel() / present.shape[0]
    score = inside * np.log(np.maximum(inside, 1e-12) / np.maximum(overall, 1e-12))
    wordy = np.array([w in spoken and len(w) > 2 and w[1:] not in FUNCTION_WORDS
                      for w in words]) & (counts >= min(2, len(rows))) & (counts > 0)
    order = np.argsort(-np.where(wordy, score, -np.inf))[:top]
    return [words[i].strip() for i in order if wordy[i]]


def _written_forms(texts: Sequence[str]) -> dict[str, str]:
    """English stem → the form of it written most often in `texts` (first seen on ties)."""
    counts: dict[str, Counter] = {}
    for text in texts:
        for word in LATIN_WORD.findall(text.lower()):
            for stem in _ANALYZER.terms(word):
                counts.setdefault(stem, Counter())[word] += 1
    return {stem: forms.most_common(1)[0][0] for stem, forms in counts.items()}


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
