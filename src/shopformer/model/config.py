"""Sizes and switches of the shop model, as plain dataclasses saved in `config.json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Reserved indices shared by every id vocabulary (items, categories, …).
PAD = 0
MASK = 1  # an item hidden for masked-event prediction; also "unknown item"
FIRST_ID = 2


@dataclass
class TextEncoderConfig:
    vocab_size: int = 8000
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    ffn: int = 256
    max_tokens: int = 64
    dropout: float = 0.1
    pad_id: int = 0

    def __post_init__(self) -> None:
        _positive(self, "vocab_size", "hidden", "layers", "heads", "ffn", "max_tokens")
        if self.hidden % self.heads:
            raise ValueError(f"text hidden {self.hidden} must divide by heads {self.heads}")


@dataclass
class ShopModelConfig:
    """Default sizes fit two CPU cores: one pass over 354k events in well under 3 minutes."""

    num_items: int  # including PAD and MASK
    num_categories: int = 2
    num_price_buckets: int = 16
    num_event_types: int = 16
    num_channels: int = 8
    num_gap_buckets: int = 16
    hidden: int = 64
    layers: int = 2
    heads: int = 2
    max_events: int = 50
    dropout: float = 0.2
    item_id_dropout: float = 0.1  # forces item vectors to lean on text/category too
    text: TextEncoderConfig | None = None

    def __post_init__(self) -> None:
        if isinstance(self.text, dict):
            self.text = TextEncoderConfig(**self.text)
        _positive(self, "num_items", "num_categories", "hidden", "layers", "heads", "max_events")
        if self.hidden % self.heads:
            raise ValueError(f"hidden {self.hidden} must divide by heads {self.heads}")
        if not 0 <= self.dropout < 1 or not 0 <= self.item_id_dropout < 1:
            raise ValueError("dropout rates must be in [0, 1)")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ShopModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model config keys {sorted(unknown)}")
        return cls(**data)


@dataclass
class ObjectiveWeights:
    """Which self-supervised losses train the model, and how much each counts (0 = off)."""

    masked_event: float = 1.0
    next_event: float = 1.0
    masked_language: float = 0.5
    text_item_alignment: float = 0.5
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("masked_event", "next_event", "masked_language", "text_item_alignment"):
            if getattr(self, name) < 0:
                raise ValueError(f"objective weight {name} must be >= 0")


def _positive(config: object, *names: str) -> None:
    for name in names:
        if getattr(config, name) <= 0:
            raise ValueError(f"{type(config).__name__}.{name} must be > 0")
