"""A vote of the k most similar labelled rows, for sparse features such as bags of n-grams.

A linear model weighs each n-gram once for every text; a neighbour vote asks what the
texts most like this one were labelled, so it catches what only a combination of
n-grams says. As a member beside linear models it adds what they miss.

Features are weighted before the similarity (for sentiment by how strongly each n-gram
points one way, so neighbours share opinion words rather than topic words). Features in
more than `max_share` of the rows are dropped, as too common to tell rows apart, and each
stored row keeps only its `keep` heaviest features. Both cuts cost no accuracy on the
review benchmark's validation split and make a vote several times faster. Similarity is
cosine; the vote is the similarity-weighted mean of the neighbours' labels, in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import sparse

from shopformer.core.errors import ConfigError

BATCH = 512  # rows scored at once (memory: BATCH × stored rows floats)


@dataclass(frozen=True)
class NeighbourConfig:
    neighbours: int = 50
    keep: int = 64  # heaviest features kept per stored row
    max_share: float = 0.02  # features in more of the stored rows than this are dropped

    def __post_init__(self) -> None:
        if self.neighbours < 1 or self.keep < 1:
            raise ConfigError("neighbours: neighbours and keep must be >= 1")
        if not 0 < self.max_share <= 1:
            raise ConfigError("neighbours: max_share must be in (0, 1]")


class NeighbourVote:
    def __init__(self, stored: sparse.csr_matrix, labels: np.ndarray, weights: np.ndarray,
                 neighbours: int) -> None:
        self.stored_by_feature = stored.T.tocsr().astype(np.float32)  # (F, N)
        self.labels = labels.astype(np.float32)  # (N,) of -1 / +1
        self.weights = weights.astype(np.float32)  # (F,), 0 for dropped features
        self.neighbours = min(neighbours, len(labels))

    @classmethod
    def fit(cls, features: sparse.csr_matrix, labels: np.ndarray, weights: np.ndarray,
            config: NeighbourConfig | None = None) -> NeighbourVote:
        """Store `features` (N, F) with their 0/1 `labels`; `weights` (F,) ≥ 0 scale each
        feature before the similarity."""
        config = config or NeighbourConfig()
        labels = np.asarray(labels)
        if features.shape[0] != len(labels) or not len(labels):
            raise ConfigError(f"neighbours: {features.shape[0]} rows but {len(labels)} labels")
        if weights.shape != (features.shape[1],) or (weights < 0).any():
            raise ConfigError("neighbours: need one weight >= 0 per feature")
        share = np.asarray((features > 0).mean(0)).ravel()
        weights = np.where(share <= config.max_share, weights, 0.0)
        stored = _heaviest(_unit_rows(features, weights), config.keep)
        return cls(stored, 2.0 * (labels > 0) - 1.0, weights, config.neighbours)

    def vote(self, features: sparse.csr_matrix) -> np.ndarray:
        """Per row, in [-1, 1]: the similarity-weighted mean label of its neighbours (0 when
        it shares no kept feature with any stored row)."""
        if features.shape[1] != len(self.weights):
            raise ConfigError(f"neighbours: rows have {features.shape[1]} features, the "
                              f"stored ones {len(self.weights)}")
        query = _unit_rows(features, self.weights)
        out = np.zeros(query.shape[0])
        k = self.neighbours
        for begin in range(0, query.shape[0], BATCH):
            similarity = (query[begin:begin + BATCH] @ self.stored_by_feature).toarray()
            nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
            weight = np.take_along_axis(similarity, nearest, 1)
            out[begin:begin + len(weight)] = ((weight * self.labels[nearest]).sum(1)
                                             / np.maximum(weight.sum(1), 1e-9))
        return out

    def state(self, prefix: str) -> dict[str, torch.Tensor]:
        """Tensors for a model's safetensors file, under `prefix`."""
        stored = self.stored_by_feature.T.tocsr()
        return {f"{prefix}.indptr": torch.from_numpy(stored.indptr.astype(np.int64)),
                f"{prefix}.indices": torch.from_numpy(stored.indices.astype(np.int64)),
                f"{prefix}.data": torch.from_numpy(stored.data),
                f"{prefix}.labels": torch.from_numpy(self.labels),
                f"{prefix}.weights": torch.from_numpy(self.weights)}

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor], prefix: str, neighbours: int
                   ) -> NeighbourVote:
        weights = state[f"{prefix}.weights"].numpy()
        labels = state[f"{prefix}.labels"].numpy()
        stored = sparse.csr_matrix((state[f"{prefix}.data"].numpy(),
                                    state[f"{prefix}.indices"].numpy(),
                                    state[f"{prefix}.indptr"].numpy()),
                                   shape=(len(labels), len(weights)))
        return cls(stored, labels, weights, neighbours)


def _unit_rows(features: sparse.csr_matrix, weights: np.ndarray) -> sparse.csr_matrix:
    scaled = sparse.csr_matrix(features.multiply(weights[None, :]), dtype=np.float32)
    scaled.eliminate_zeros()
    norms = np.sqrt(np.asarray(scaled.multiply(scaled).sum(1)).ravel())
    return sparse.csr_matrix(sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ scaled,
                             dtype=np.float32)


def _heaviest(rows: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its `keep` largest entries."""
    rows = rows.tocsr(copy=True)
    for i in range(rows.shape[0]):
        begin, end = rows.indptr[i], rows.indptr[i + 1]
        if end - begin > keep:
            values = rows.data[begin:end]
            values[np.argsort(-values)[keep:]] = 0.0
    rows.eliminate_zeros()
    return rows
