"""A linear model per domain that shares one set of weights: "frustratingly easy domain
adaptation" (Daumé III, 2007).

Each row's features are written twice, once in a block every row shares and once in its
domain's own block; a logistic regression on the widened rows learns weights that hold
everywhere plus, per domain, corrections where the domain differs ("流畅" praises a phone
and says nothing of a hotel). A row of an unknown domain reads the shared weights only, so
a new category is scored as well as a model trained without domains scores it.
The domain copies are written `scale` times the shared ones (below 1, a domain's
corrections cost more under the L2 penalty than shared weights do), so the shared weights
carry what the domains agree on and stand on their own for a category never seen.
Domains are the shop's product categories for reviews; with no domains this is a plain
linear model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from shopformer.core.errors import ConfigError
from shopformer.train.linear import LinearModel

UNKNOWN = -1


@dataclass(frozen=True)
class Domains:
    names: tuple[str, ...] = ()  # domains with a block of their own, in block order

    @classmethod
    def learned(cls, domains: Sequence[str | None], min_rows: int) -> Domains:
        """The domains that have at least `min_rows` rows; the rest share the common block."""
        counts = Counter(d for d in domains if d)
        return cls(tuple(sorted(d for d, n in counts.items() if n >= min_rows)))

    def codes(self, domains: Sequence[str | None] | None, rows: int) -> np.ndarray:
        """Block number per row; UNKNOWN for no domain or one without a block."""
        if domains is None:
            return np.full(rows, UNKNOWN, np.int64)
        domains = list(domains)
        if len(domains) != rows:
            raise ConfigError(f"domains: {rows} texts but {len(domains)} domains")
        for row, domain in enumerate(domains):
            if domain is not None and not isinstance(domain, str):
                raise ConfigError(f"domains: row {row}: a domain must be a string or None, "
                                  f"got {type(domain).__name__}")
        index = {name: code for code, name in enumerate(self.names)}
        return np.array([index.get(d, UNKNOWN) for d in domains], np.int64)

    def widen(self, features: sparse.csr_matrix, codes: np.ndarray, scale: float = 1.0
              ) -> sparse.csr_matrix:
        """(rows, F) → (rows, F·(1 + domains)): the shared block, then each row's copy,
        times `scale`, in its domain's block (nothing for an unknown domain)."""
        features = features.tocsr()
        width = features.shape[1]
        shape = (features.shape[0], width * (1 + len(self.names)))
        shared = sparse.csr_matrix((features.data, features.indices, features.indptr),
                                   shape=shape)
        if not self.names:
            return shared
        row_of_entry = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
        code = codes[row_of_entry]
        own = sparse.csr_matrix(
            (np.where(code >= 0, features.data * scale, 0.0),
             features.indices + (1 + np.maximum(code, 0)) * width, features.indptr.copy()),
            shape=shape)
        own.eliminate_zeros()  # in place: hence its own indptr, not the shared block's
        return (shared + own).tocsr()


@dataclass
class DomainLinear:
    """Shared weights (a LinearModel) plus one sparse row of corrections per domain."""

    shared: LinearModel
    domains: Domains
    corrections: sparse.csr_matrix  # (domains, F)

    @classmethod
    def from_wide(cls, model: LinearModel, domains: Domains, width: int, scale: float = 1.0
                  ) -> DomainLinear:
        """Split a model fitted on `Domains.widen(…, scale)` rows back into its blocks."""
        blocks = model.weights.reshape(1 + len(domains.names), width)
        return cls(LinearModel(blocks[0].copy(), model.bias), domains,
                   sparse.csr_matrix(blocks[1:] * np.float32(scale)))

    def decision(self, features: sparse.csr_matrix, codes: np.ndarray | None = None
                 ) -> np.ndarray:
        out = self.shared.decision(features)
        if codes is None or not self.domains.names:
            return out
        for code in np.unique(codes[codes >= 0]):  # one sparse product per domain
            rows = np.flatnonzero(codes == code)
            out[rows] += (features[rows] @ self.corrections[code].T).toarray().ravel()
        return out

    def row_weights(self, code: int) -> np.ndarray:
        """The weights one row of domain `code` reads (shared + its corrections)."""
        if code < 0:
            return self.shared.weights
        return self.shared.weights + self.corrections[code].toarray().ravel()

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.weights": self.shared.weights,
                f"{prefix}.corrections.indptr": self.corrections.indptr.astype(np.int64),
                f"{prefix}.corrections.indices": self.corrections.indices.astype(np.int64),
                f"{prefix}.corrections.data": self.corrections.data.astype(np.float32)}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], prefix: str, bias: float,
                   domains: Domains) -> DomainLinear:
        weights = state[f"{prefix}.weights"]
        if f"{prefix}.corrections.indptr" in state:
            corrections = sparse.csr_matrix(
                (state[f"{prefix}.corrections.data"], state[f"{prefix}.corrections.indices"],
                 state[f"{prefix}.corrections.indptr"]),
                shape=(len(domains.names), len(weights)))
        else:  # saved before domains existed
            corrections = sparse.csr_matrix((len(domains.names), len(weights)),
                                            dtype=np.float32)
        return cls(LinearModel(weights, bias), domains, corrections)
