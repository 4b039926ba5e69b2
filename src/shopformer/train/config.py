"""Pretraining settings as a plain dataclass, loadable from a TOML file (`--config`)."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from shopformer.core.errors import ConfigError
from shopformer.data.tokenizer import TokenizerConfig
from shopformer.model.config import ObjectiveWeights

PRECISIONS = ("fp32", "bf16")


@dataclass
class PretrainConfig:
    epochs: int = 30
    max_minutes: float | None = 15.0  # wall-clock budget; the best epoch so far is kept
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    negatives: int = 1024  # sampled items per step for the item softmax
    # Log-Q correction from each item's share of all training targets instead of its count
    # in the batch (which overstates rare items' chance of being a candidate). Measured
    # better for next-item training (the `next_item_training()` preset turns it on); not
    # yet measured for the mixed pretraining objectives, so off here.
    logq_frequency: bool = False
    patience: int = 3  # epochs without validation gain before stopping
    # Multiply the learning rate by this after each epoch without validation gain (1: keep
    # it constant): smaller steps once the model stops improving at the current size.
    lr_decay: float = 1.0
    # After the best epoch is chosen, train this many more epochs on every event, the
    # held-out validation ones included: they are each person's most recent behaviour, and
    # a model that serves should have learned from them. Time for it is kept in the budget.
    finish_epochs: int = 0
    seed: int = 7
    threads: int | None = None  # torch threads; None = all cores
    # "bf16" autocast measured slower on a CPU without native bf16 (docs/benchmarks.md);
    # it may pay where AMX or AVX512-BF16 exist.
    precision: str = "fp32"
    validation_persons: int = 2000
    hidden: int = 64
    layers: int = 2
    heads: int = 2
    max_events: int = 50
    dropout: float = 0.2
    item_id_dropout: float = 0.1  # share of item ids hidden so vectors lean on text too
    item_norm: bool = True  # layer-norm item vectors (ShopModelConfig.item_norm)
    text_hidden: int = 128
    text_layers: int = 2
    text_heads: int = 4
    min_texts: int = 50  # fewer texts than this: no text encoder, text objectives off
    text_batch: int = 64
    max_texts: int = 200_000
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    objectives: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    # A local Hugging Face model directory: it replaces the built-in text encoder (text_*
    # sizes are then unused) and its own tokenizer replaces ours; only LoRA adapters train.
    external_text_model: str | None = None
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05

    def __post_init__(self) -> None:
        if isinstance(self.tokenizer, dict):
            self.tokenizer = TokenizerConfig(**self.tokenizer)
        if isinstance(self.objectives, dict):
            self.objectives = ObjectiveWeights(**self.objectives)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        for name in ("epochs", "batch_size", "negatives", "patience", "hidden", "max_events",
                     "lora_rank", "lora_alpha"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"pretrain setting {name} must be > 0")
        if not 0 <= self.lora_dropout < 1:
            raise ConfigError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if self.external_text_model is not None and not str(self.external_text_model).strip():
            raise ConfigError("external_text_model must name a local model directory "
                              "(or be left out for the built-in text encoder)")
        if not 0 < self.lr_decay <= 1:
            raise ConfigError(f"lr_decay must be in (0, 1], got {self.lr_decay}")
        if self.finish_epochs < 0:
            raise ConfigError(f"finish_epochs must be >= 0, got {self.finish_epochs}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ConfigError("max_minutes must be > 0 (or absent for no limit)")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_toml(cls, path: Path) -> PretrainConfig:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from None
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"{path}: unknown settings {sorted(unknown)}; known: "
                              f"{', '.join(sorted(known))}")
        try:
            return cls(**data)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{path}: {error}") from None
