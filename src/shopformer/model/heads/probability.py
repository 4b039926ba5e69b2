"""One probability from a row of shop features: a click, a conversion, a purchase.

Numeric features (already scaled by the trainer; optionally each turned into a vector by
learned periodic functions) and categorical codes (one embedding table per column, code 0 =
unknown) go through a small MLP; a linear "wide" part beside it keeps the strong
single-feature effects that ads and purchase data are full of easy to learn.
The head returns a logit; turning it into an honest probability is calibration's job
(train/calibration.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from shopformer.core.errors import ConfigError
from shopformer.model.heads.base import HeadOutput


@dataclass(frozen=True)
class ProbabilityHeadConfig:
    numeric_features: int
    categorical_cardinalities: tuple[int, ...] = ()  # codes per column, unknown (0) included
    embedding_dim: int = 0  # 0: per column, min(16, 1.6 · cardinality^0.56) (fast.ai's rule)
    hidden: tuple[int, ...] = (128, 64)
    dropout: float = 0.1
    wide: bool = True
    # > 0: each numeric feature becomes a vector of this size through learned sin/cos
    # frequencies (Gorishniy et al. 2022, "PLR"), which lets an MLP draw sharp thresholds.
    numeric_embedding: int = 0
    frequency_scale: float = 1.0  # spread of the initial frequencies

    def __post_init__(self) -> None:
        object.__setattr__(self, "categorical_cardinalities",
                           tuple(int(c) for c in self.categorical_cardinalities))
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.numeric_features < 0 or self.embedding_dim < 0:
            raise ConfigError("numeric_features and embedding_dim must be >= 0")
        if self.numeric_features == 0 and not self.categorical_cardinalities:
            raise ConfigError("a probability head needs at least one feature")
        if any(c < 1 for c in self.categorical_cardinalities):
            raise ConfigError("every categorical column needs at least one code")
        if self.numeric_embedding < 0 or self.frequency_scale <= 0:
            raise ConfigError("numeric_embedding must be >= 0 and frequency_scale > 0")
        if any(h < 1 for h in self.hidden) or not 0.0 <= self.dropout < 1.0:
            raise ConfigError("hidden sizes must be >= 1 and dropout in [0, 1)")

    def embedding_dims(self) -> tuple[int, ...]:
        if self.embedding_dim:
            return tuple(self.embedding_dim for _ in self.categorical_cardinalities)
        return tuple(max(2, min(16, round(1.6 * c ** 0.56)))
                     for c in self.categorical_cardinalities)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> ProbabilityHeadConfig:
        return cls(**values)


class ProbabilityHead(nn.Module):
    def __init__(self, config: ProbabilityHeadConfig) -> None:
        super().__init__()
        self.config = config
        features, cardinalities = config.numeric_features, config.categorical_cardinalities
        dims = config.embedding_dims()
        self.embeddings = nn.ModuleList(nn.Embedding(cardinality, dim) for cardinality, dim
                                        in zip(cardinalities, dims, strict=True))
        self.periodic = (PeriodicEmbedding(features, config.numeric_embedding,
                                           config.frequency_scale)
                         if config.numeric_embedding and features else None)
        layers: list[nn.Module] = []
        width = features * max(1, config.numeric_embedding) + sum(dims)
        for size in config.hidden:
            layers += [nn.Linear(width, size), nn.SiLU(), nn.Dropout(config.dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.deep = nn.Sequential(*layers)
        # The wide part: one weight per numeric feature, one bias per category value.
        self.wide_numeric = (nn.Linear(features, 1, bias=False) if config.wide and features
                             else None)
        self.wide_categorical = nn.ModuleList(
            nn.Embedding(cardinality, 1) for cardinality in cardinalities if config.wide)
        for table in self.wide_categorical:
            nn.init.zeros_(table.weight)  # start from the deep part alone

    def forward(self, numeric: torch.Tensor, categorical: torch.Tensor | None = None,
                labels: torch.Tensor | None = None) -> HeadOutput:
        columns = len(self.config.categorical_cardinalities)
        if columns and (categorical is None or categorical.shape[1] != columns):
            raise ConfigError(f"the head expects {columns} categorical columns")
        parts = []
        if self.config.numeric_features:
            parts.append(numeric if self.periodic is None else self.periodic(numeric))  # (B, F·e)
        parts += [table(categorical[:, i]) for i, table in enumerate(self.embeddings)]  # (B, d)
        logits = self.deep(torch.cat(parts, dim=1)).squeeze(1)  # (B,)
        if self.wide_numeric is not None:
            logits = logits + self.wide_numeric(numeric).squeeze(1)
        for i, table in enumerate(self.wide_categorical):
            logits = logits + table(categorical[:, i]).squeeze(1)  # type: ignore[index]
        loss = None
        if labels is not None:
            loss = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        return HeadOutput(logits, loss)


class PeriodicEmbedding(nn.Module):
    """x → ReLU(W_f · [sin 2πcx, cos 2πcx]) per feature f, frequencies c learned."""

    def __init__(self, features: int, size: int, scale: float, frequencies: int = 16) -> None:
        super().__init__()
        self.frequencies = nn.Parameter(torch.randn(features, frequencies) * scale)
        bound = (2 * frequencies) ** -0.5
        self.weight = nn.Parameter(torch.empty(features, 2 * frequencies, size)
                                   .uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(features, size))

    def forward(self, numeric: torch.Tensor) -> torch.Tensor:
        angles = 2 * torch.pi * numeric[:, :, None] * self.frequencies  # (B, F, k)
        waves = torch.cat([torch.sin(angles), torch.cos(angles)], dim=2)  # (B, F, 2k)
        vectors = torch.einsum("bfk,fke->bfe", waves, self.weight) + self.bias  # (B, F, e)
        return torch.relu(vectors).flatten(1)  # (B, F·e)
