"""Lexical retrieval: BM25 over an item's fields, word pairs and character trigrams.

Each index is stored term-major (a sparse terms × items matrix), so a query touches only
the rows of its own terms: a few thousand numbers for a three-word query, whatever the
catalog size. Field weights make a title match count more than a description match
(BM25 per field, summed with weights, the simple form of BM25F).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from shopformer.tasks.search.analyze import CJK

CHAR_BUCKETS = 2**20  # hashed character trigrams: no vocabulary to keep


class TermIndex:
    """BM25 weights of terms in documents, term-major."""

    def __init__(self, documents: Sequence[Sequence[Sequence[str]]],
                 field_weights: Sequence[float], k1: float = 1.2, b: float = 0.75) -> None:
        """`documents[i][f]` is the term list of item i's field f."""
        self.vocabulary: dict[str, int] = {}
        self.size = len(documents)
        total: sp.csr_matrix | None = None
        seen: sp.csr_matrix | None = None  # items × terms: in any field
        for field, weight in enumerate(field_weights):
            counts = self._counts([doc[field] for doc in documents])
            weights = _bm25(counts, k1, b) * weight
            total = weights if total is None else _pad(total, weights.shape[1]) + _pad(
                weights, total.shape[1])
            seen = counts if seen is None else _pad(seen, counts.shape[1]) + _pad(
                counts, seen.shape[1])
        assert total is not None and seen is not None
        self.matrix = total.T.tocsr()  # (terms, items)
        self.matrix.sum_duplicates()
        # items holding each term, in any field: counted once per field, a term of a
        # title, its description and its tags was "in" three of two items, and its idf
        # went negative (a two-item shop's scores read -77,075,336)
        seen = seen.tocsr()
        seen.sum_duplicates()
        frequency = np.bincount(seen.indices, minlength=len(self.vocabulary))
        self.idf = np.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def _counts(self, texts: Sequence[Sequence[str]]) -> sp.csr_matrix:
        indptr, indices = [0], []
        for terms in texts:
            indices.extend(self.vocabulary.setdefault(t, len(self.vocabulary)) for t in terms)
            indptr.append(len(indices))
        data = np.ones(len(indices), np.float32)
        counts = sp.csr_matrix((data, indices, indptr), shape=(len(texts), len(self.vocabulary)))
        counts.sum_duplicates()
        return counts

    def ids(self, terms: Sequence[str]) -> np.ndarray:
        return np.array([self.vocabulary.get(t, -1) for t in terms], np.int64)

    def score(self, terms: Sequence[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """BM25 of every item (N,) for the weighted query terms; unknown terms add nothing."""
        ids = self.ids(terms)
        known = ids >= 0
        if not known.any():
            return np.zeros(self.size, np.float32)
        w = np.ones(len(ids), np.float32) if weights is None else np.asarray(weights, np.float32)
        return np.asarray(self.matrix[ids[known]].T @ w[known]).ravel()

    def contains(self, terms: Sequence[str], items: np.ndarray) -> np.ndarray:
        """(len(items), len(terms)) bool: does the item have the term in any field."""
        ids = self.ids(terms)
        out = np.zeros((len(items), len(terms)), bool)
        known = np.flatnonzero(ids >= 0)
        if len(known):
            rows = self.matrix[ids[known]][:, items]  # (known terms, items)
            out[:, known] = (rows.toarray() > 0).T
        return out


class CharIndex:
    """Cosine of hashed character-trigram TF-IDF vectors: a misspelt or run-together word
    still shares most trigrams with the right one (Chinese: characters and their pairs)."""

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        rows = [self._grams(words) for words in texts]
        indptr = np.cumsum([0] + [len(r) for r in rows])
        indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        counts = sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr),
                               shape=(len(texts), CHAR_BUCKETS))
        counts.sum_duplicates()
        frequency = np.bincount(counts.indices, minlength=CHAR_BUCKETS)
        self.idf = np.log((1 + len(texts)) / (1 + frequency)).astype(np.float32) + 1
        self.size = len(texts)
        self.matrix = _unit_rows(_sublinear(counts).multiply(self.idf[None]).tocsr()).T.tocsr()
        # every distinct word's grams, gram-major, for `spelt_like`
        words = sorted({word for text in texts for word in text})
        grams = [np.unique(self._grams([word])) for word in words]
        indptr = np.cumsum([0] + [len(g) for g in grams])
        self.word_grams = sp.csr_matrix(
            (np.ones(indptr[-1], np.float32), np.concatenate(grams) if grams else
             np.zeros(0, np.int64), indptr), shape=(len(words), CHAR_BUCKETS)).T.tocsr()

    @staticmethod
    def _grams(words: Sequence[str]) -> np.ndarray:
        """Trigrams of each word padded with spaces; a Chinese word (a few characters, and
        one the catalog may spell differently: 跑鞋 / 跑步鞋) gives its characters and
        character pairs instead."""
        grams = []
        for word in words:
            if CJK.match(word):
                grams += [*word, *(word[i:i + 2] for i in range(len(word) - 1))]
            else:
                padded = f" {word} "
                grams += [padded[i:i + 3] for i in range(len(padded) - 2)]
        return np.array([zlib.crc32(g.encode()) % CHAR_BUCKETS for g in grams], np.int64)

    def spelt_like(self, words: Sequence[str]) -> float:
        """How well the least-matched of `words` is spelt like some indexed word: the share
        of its grams that one indexed word has (1: it is there; a typo or 跑鞋 for 跑步鞋
        keeps 0.6–0.9; "tent" against "tea" 0.25). Gram cosine over a whole text cannot
        tell these apart: "printer ink" shares "rin", "ink" and "er " with "sparkling
        water" and "drink" and scores above a misspelt product word."""
        least = 1.0
        for word in words:
            grams = np.unique(self._grams([word]))
            if not len(grams) or not self.word_grams.shape[1]:
                return 0.0
            shared = np.asarray(self.word_grams[grams].sum(0)).ravel()
            least = min(least, float(shared.max(initial=0.0)) / len(grams))
        return least if words else 0.0

    def score(self, words: Sequence[str]) -> np.ndarray:
        grams = self._grams(words)
        if not len(grams):
            return np.zeros(self.size, np.float32)
        ids, counts = np.unique(grams, return_counts=True)
        weights = (1 + np.log(counts)) * self.idf[ids]
        weights /= np.linalg.norm(weights)
        return np.asarray(self.matrix[ids].T @ weights.astype(np.float32)).ravel()


def bigrams(terms: Sequence[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in itertools.pairwise(terms)]


def _bm25(counts: sp.csr_matrix, k1: float, b: float) -> sp.csr_matrix:
    lengths = np.asarray(counts.sum(1)).ravel()
    average = max(float(lengths.mean()), 1e-9) if len(lengths) else 1.0
    present = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(1 + (counts.shape[0] - present + 0.5) / (present + 0.5))
    coo = counts.tocoo()
    tf = coo.data
    weight = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[coo.row] / average)) * idf[coo.col]
    return sp.csr_matrix((weight.astype(np.float32), (coo.row, coo.col)), shape=counts.shape)


def _sublinear(counts: sp.csr_matrix) -> sp.csr_matrix:
    out = counts.copy()
    out.data = 1 + np.log(out.data)
    return out


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(1)).ravel())
    return sp.diags(1 / np.maximum(norms, 1e-12)).astype(np.float32) @ matrix


def _pad(matrix: sp.csr_matrix, columns: int) -> sp.csr_matrix:
    if matrix.shape[1] >= columns:
        return matrix
    matrix = matrix.tocsr().copy()
    matrix.resize((matrix.shape[0], columns))
    return matrix

