"""Training a calibrated probability model (pCTR, pCVR, purchase) from feature columns.

One path for every tabular probability: encode the columns (train/tabular_features.py),
hold out a stratified validation part of the *training* rows, train a few ProbabilityHeads
from different seeds with early stopping on validation log-loss, average their logits, and
fit the calibration on the validation logits. The caller's test rows are never seen.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from shopformer.core.errors import ConfigError
from shopformer.metrics.calibration import log_loss, roc_auc
from shopformer.model.heads.probability import ProbabilityHead, ProbabilityHeadConfig
from shopformer.train.calibration import METHODS, Calibration, fit_calibration
from shopformer.train.tabular_features import Columns, FeatureConfig, TabularEncoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TabularTrainingConfig:
    # Defaults chosen on inner validation folds of UCI Online Shoppers' training part
    # (benchmarks/search_uci.py): periodic numeric embeddings and zero indicators helped
    # AUC, isotonic calibration and a wider MLP did not.
    features: FeatureConfig = field(default_factory=FeatureConfig)
    hidden: tuple[int, ...] = (64, 32)
    embedding_dim: int = 0  # 0: sized by each column's cardinality
    dropout: float = 0.1
    wide: bool = True
    numeric_embedding: int = 16  # see ProbabilityHeadConfig; 0: numbers go in as they are
    frequency_scale: float = 0.05
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    batch_size: int = 256
    max_epochs: int = 200
    patience: int = 10  # epochs without a better validation log-loss before stopping
    validation_fraction: float = 0.2
    ensemble: int = 3  # heads from different seeds, logits averaged
    calibration: str = "platt"
    seed: int = 7

    def __post_init__(self) -> None:
        if not 0.05 <= self.validation_fraction <= 0.5:
            raise ConfigError("validation_fraction must be in [0.05, 0.5]")
        if min(self.max_epochs, self.patience, self.ensemble, self.batch_size) < 1:
            raise ConfigError("max_epochs, patience, ensemble and batch_size must be >= 1")
        if self.learning_rate <= 0 or self.weight_decay < 0:
            raise ConfigError("learning_rate must be > 0 and weight_decay >= 0")
        if self.calibration not in METHODS:
            raise ConfigError(f"unknown calibration {self.calibration!r}; known: "
                              f"{', '.join(METHODS)}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TabularTrainingConfig:
        return cls(**{**values, "features": FeatureConfig(**values["features"])})


@dataclass
class ProbabilityModel:
    """Encoder + an ensemble of heads + calibration: columns in, probabilities out."""

    encoder: TabularEncoder
    heads: list[ProbabilityHead]
    calibration: Calibration
    metrics: dict = field(default_factory=dict)

    def logits(self, columns: Columns) -> np.ndarray:
        numeric, categorical = self.encoder.transform(columns)
        return ensemble_logits(self.heads, numeric, categorical)

    def probabilities(self, columns: Columns) -> np.ndarray:
        return self.calibration.probabilities(self.logits(columns))

    def to_dict(self) -> dict:
        """Everything but the weights, as JSON-ready values."""
        return {"encoder": self.encoder.to_dict(), "head": self.heads[0].config.to_dict(),
                "members": len(self.heads), "calibration": self.calibration.to_dict(),
                "metrics": self.metrics}

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        return {f"{prefix}member{m}.{name}": value.detach().contiguous()
                for m, head in enumerate(self.heads)
                for name, value in head.state_dict().items()}

    @classmethod
    def from_parts(cls, values: dict, tensors: dict[str, torch.Tensor], prefix: str = ""
                   ) -> ProbabilityModel:
        config = ProbabilityHeadConfig.from_dict(values["head"])
        heads = []
        for m in range(values["members"]):
            head = ProbabilityHead(config)
            start = f"{prefix}member{m}."
            head.load_state_dict({k[len(start):]: v for k, v in tensors.items()
                                  if k.startswith(start)})
            heads.append(head.eval())
        return cls(TabularEncoder.from_dict(values["encoder"]), heads,
                   Calibration.from_dict(values["calibration"]), values.get("metrics", {}))


def fit_probability_model(columns: Columns, labels: np.ndarray, numeric: Sequence[str],
                          categorical: Sequence[str] = (),
                          config: TabularTrainingConfig | None = None) -> ProbabilityModel:
    """Train on `columns` (name → values) against 0/1 `labels`; see the module docstring."""
    config = config or TabularTrainingConfig()
    y = np.asarray(labels, dtype=np.float32)
    train_rows, valid_rows = stratified_split(y, config.validation_fraction, config.seed)
    encoder = TabularEncoder(numeric, categorical, config.features)
    encoder.fit({name: values[train_rows] for name, values in columns.items()})
    x_num, x_cat = encoder.transform(columns)
    head_config = ProbabilityHeadConfig(encoder.width, encoder.cardinalities,
                                        config.embedding_dim, config.hidden, config.dropout,
                                        config.wide, config.numeric_embedding,
                                        config.frequency_scale)
    train = (x_num[train_rows], x_cat[train_rows], y[train_rows])
    valid = (x_num[valid_rows], x_cat[valid_rows], y[valid_rows])
    heads, epochs = [], []
    for member in range(config.ensemble):
        head, best_epoch = _train_head(head_config, train, valid, config, config.seed + member)
        heads.append(head)
        epochs.append(best_epoch)
    valid_logits = ensemble_logits(heads, valid[0], valid[1])
    calibration = fit_calibration(valid_logits, valid[2], config.calibration)
    metrics = {"validation_rows": len(valid_rows), "best_epochs": epochs,
               "validation_auc": roc_auc(valid[2], valid_logits),
               "validation_logloss": log_loss(valid[2], calibration.probabilities(valid_logits))}
    log.info("probability model: %s", metrics)
    return ProbabilityModel(encoder, heads, calibration, metrics)


def stratified_split(labels: np.ndarray, fraction: float, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, validation), each class split in the same proportion."""
    rng = np.random.default_rng(seed)
    train, valid = [], []
    for value in (0, 1):
        rows = rng.permutation(np.flatnonzero(labels == value))
        held = round(len(rows) * fraction)
        if held < 1 or held >= len(rows):
            raise ConfigError(f"too few rows labelled {value} ({len(rows)}) to hold out a "
                              "validation part: both parts need both labels")
        valid.append(rows[:held])
        train.append(rows[held:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))


@torch.no_grad()
def ensemble_logits(heads: list[ProbabilityHead], numeric: np.ndarray,
                    categorical: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    out = np.zeros(len(numeric))
    for head in heads:
        head.eval()
        for begin in range(0, len(numeric), batch_size):
            end = begin + batch_size
            logits = head(torch.from_numpy(numeric[begin:end]),
                          torch.from_numpy(categorical[begin:end])).logits
            out[begin:end] += logits.double().numpy()
    return out / len(heads)


Part = tuple[np.ndarray, np.ndarray, np.ndarray]  # numeric, categorical codes, labels


def _train_head(config: ProbabilityHeadConfig, train: Part, valid: Part,
                settings: TabularTrainingConfig, seed: int) -> tuple[ProbabilityHead, int]:
    """One member: AdamW on BCE, keeping the epoch of the lowest validation log-loss."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    head = ProbabilityHead(config)
    optimizer = torch.optim.AdamW(head.parameters(), lr=settings.learning_rate,
                                  weight_decay=settings.weight_decay)
    tensors = [torch.from_numpy(a) for a in train]
    best_loss, best_epoch, best_state = np.inf, 0, copy.deepcopy(head.state_dict())
    for epoch in range(1, settings.max_epochs + 1):
        head.train()
        order = torch.from_numpy(rng.permutation(len(train[2])))
        for begin in range(0, len(order), settings.batch_size):
            rows = order[begin:begin + settings.batch_size]
            output = head(tensors[0][rows], tensors[1][rows], tensors[2][rows])
            optimizer.zero_grad(set_to_none=True)
            output.loss.backward()  # type: ignore[union-attr]
            optimizer.step()
        logits = ensemble_logits([head], valid[0], valid[1])
        loss = _logit_loss(valid[2], logits)
        if loss < best_loss - 1e-5:
            best_loss, best_epoch, best_state = loss, epoch, copy.deepcopy(head.state_dict())
        elif epoch - best_epoch >= settings.patience:
            break
    head.load_state_dict(best_state)
    return head.eval(), best_epoch


def _logit_loss(labels: np.ndarray, logits: np.ndarray) -> float:
    """Binary cross-entropy straight from logits (no clipping needed)."""
    return float(np.mean(np.logaddexp(0.0, logits) - labels * logits))
