"""Baselines every recommender must beat: popularity, item-kNN and ALS (`implicit`).

Each is fitted on the training events only and scores every item for a person's history
before the event to predict — the same `Scorer` interface the shop model is measured with.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sparse

from shopformer.data.sequences import PersonSequences
from shopformer.eval.protocols import Scorer


def _matrix(train: PersonSequences, num_items: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(train)), train.lengths)
    data = np.ones(len(rows), np.float32)
    matrix = sparse.csr_matrix((data, (rows, train.items)), shape=(len(train), num_items))
    matrix.data[:] = 1.0  # repeated interactions count once
    return matrix


def _histories(sequences: PersonSequences, persons: np.ndarray, targets_at: np.ndarray
               ) -> list[np.ndarray]:
    return [sequences.items[sequences.offsets[p]:t] for p, t in zip(persons, targets_at,
                                                                     strict=True)]


class Popularity:
    """The most interacted items, the same for everyone."""

    def fit(self, train: PersonSequences, num_items: int) -> Popularity:
        self.counts_ = np.bincount(train.items, minlength=num_items).astype(np.float32)
        return self

    def __call__(self, persons: np.ndarray, targets_at: np.ndarray) -> np.ndarray:
        return np.tile(self.counts_, (len(persons), 1))


class ItemKNN:
    """Items scored by their cosine similarity (shrunk) to the items in the history."""

    def __init__(self, neighbours: int = 100, shrink: float = 10.0) -> None:
        self.neighbours = neighbours
        self.shrink = shrink

    def fit(self, train: PersonSequences, num_items: int) -> ItemKNN:
        matrix = _matrix(train, num_items).tocsc()
        co = (matrix.T @ matrix).tocsr().astype(np.float32)  # item × item co-occurrence
        norms = np.sqrt(np.asarray(co.diagonal()))
        co.setdiag(0)
        co.eliminate_zeros()
        rows = np.repeat(np.arange(co.shape[0]), np.diff(co.indptr))
        co.data = co.data / (norms[rows] * norms[co.indices] + self.shrink)
        self.similarity_ = self._top(co)
        return self

    def _top(self, co: sparse.csr_matrix) -> sparse.csr_matrix:
        """Keep each item's strongest neighbours: memory stays linear in the catalog."""
        keep_rows, keep_cols, keep_data = [], [], []
        for item in range(co.shape[0]):
            start, end = co.indptr[item], co.indptr[item + 1]
            if start == end:
                continue
            values = co.data[start:end]
            best = np.argsort(-values)[: self.neighbours]
            keep_rows.append(np.full(len(best), item))
            keep_cols.append(co.indices[start:end][best])
            keep_data.append(values[best])
        if not keep_rows:
            return sparse.csr_matrix(co.shape, dtype=np.float32)
        return sparse.csr_matrix((np.concatenate(keep_data), (np.concatenate(keep_rows),
                                                              np.concatenate(keep_cols))),
                                 shape=co.shape)

    def scorer(self, sequences: PersonSequences) -> Scorer:
        def score(persons: np.ndarray, targets_at: np.ndarray) -> np.ndarray:
            out = np.zeros((len(persons), self.similarity_.shape[0]), np.float32)
            for row, history in enumerate(_histories(sequences, persons, targets_at)):
                if len(history):
                    out[row] = np.asarray(self.similarity_[history].sum(axis=0)).ravel()
            return out
        return score


class ALS:
    """Matrix factorization of the person × item matrix (implicit's ALS)."""

    def __init__(self, factors: int = 64, regularization: float = 0.05, iterations: int = 15,
                 seed: int = 2026) -> None:
        self.factors, self.regularization = factors, regularization
        self.iterations, self.seed = iterations, seed

    def fit(self, train: PersonSequences, num_items: int) -> ALS:
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):  # implicit runs its own threads; BLAS's would fight
            model = AlternatingLeastSquares(factors=self.factors,
                                            regularization=self.regularization,
                                            iterations=self.iterations, random_state=self.seed)
            model.fit(_matrix(train, num_items), show_progress=False)
        self.person_factors_ = np.asarray(model.user_factors)
        self.item_factors_ = np.asarray(model.item_factors)
        return self

    def scorer(self, persons_in_train: np.ndarray) -> Scorer:
        """`persons_in_train[p]` is person p's row in the training matrix."""
        def score(persons: np.ndarray, targets_at: np.ndarray) -> np.ndarray:
            return self.person_factors_[persons_in_train[persons]] @ self.item_factors_.T
        return score
