"""Exact inner-product search over unit vectors with faiss: cosine top-k for a query in one
call. Flat (exact) because shop catalogs of up to a few million items fit in memory and
need no training; an approximate index can replace it behind the same two methods."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from shopformer.core.errors import ConfigError


class VectorIndex:
    def __init__(self, vectors: np.ndarray) -> None:
        if vectors.ndim != 2 or not len(vectors):
            raise ConfigError(f"vectors must be a non-empty (N, D) matrix, got {vectors.shape}")
        self.vectors = _unit(np.ascontiguousarray(vectors, dtype=np.float32))
        self.index = faiss.IndexFlatIP(self.vectors.shape[1])
        self.index.add(self.vectors)

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and cosines of the k nearest vectors to one query vector, best first."""
        k = min(k, len(self))
        cosines, positions = self.index.search(_unit(query.reshape(1, -1).astype(np.float32)),
                                               k)
        keep = positions[0] >= 0
        return positions[0][keep].astype(np.int64), cosines[0][keep]

    def cosines(self, query: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Cosine of the query with the given items."""
        return self.vectors[positions] @ _unit(query.reshape(1, -1).astype(np.float32))[0]

    def save(self, path: Path) -> None:
        np.save(path, self.vectors)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(np.load(path))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
