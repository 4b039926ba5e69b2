"""Sizes and switches of the shop model, as plain dataclasses saved in `config.json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Reserved indices shared by every id vocabulary (items, categories, …).
PAD = 0
MASK = 1  # an item hidden for masked-event prediction; also "unknown item"
FIRST_ID = 2


@dataclass
class TextEncoderConfig:
    """The text encoder's sizes and its tokenizer's special ids (defaults: ShopTokenizer's).

    For an external model (`ShopModelConfig.external_text`) the sizes describe the base model
    and are checked against it when it is loaded; only the special ids are ours to choose.
    """

    vocab_size: int = 8000
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    ffn: int = 256
    max_tokens: int = 64
    dropout: float = 0.1
    pad_id: int = 0
    mask_id: int | None = 4  # None: the tokenizer has no mask token, masked language is off
    special_ids: tuple[int, ...] = (0, 1, 2, 3, 4)  # never masked, never a word of a text

    def __post_init__(self) -> None:
        self.special_ids = tuple(self.special_ids)  # a list when read back from config.json
        _positive(self, "vocab_size", "hidden", "layers", "heads", "ffn", "max_tokens")
        if self.hidden % self.heads:
            raise ValueError(f"text hidden {self.hidden} must divide by heads {self.heads}")
        named = [self.pad_id] + ([] if self.mask_id is None else [self.mask_id])
        if any(token not in self.special_ids for token in named):
            raise ValueError(f"pad_id {self.pad_id} and mask_id {self.mask_id} must be among "
                             f"special_ids {self.special_ids}")
        if any(not 0 <= token < self.vocab_size for token in self.special_ids):
            raise ValueError(f"special_ids {self.special_ids} must be below vocab_size "
                             f"{self.vocab_size}")

    @property
    def first_ordinary_id(self) -> int:
        """The lowest id that is not a special token: where random replacement tokens start."""
        return next(token for token in range(self.vocab_size) if token not in self.special_ids)


@dataclass
class ExternalTextConfig:
    """A local Hugging Face model directory used as the text encoder, adapted with LoRA.

    Only the LoRA weights train; the base's own weights stay in `path` and are read from there
    again when a saved shop model is loaded, so the path is part of the saved config.
    `lora_rank=0` fine-tunes the whole base instead (better for a small base on a task with
    thousands of examples); then every weight is saved, and `path` only supplies the
    architecture when loading.
    """

    path: str
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    max_tokens: int = 64

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("ExternalTextConfig.path must name a local model directory")
        _positive(self, "lora_alpha", "max_tokens")
        if self.lora_rank < 0:
            raise ValueError("ExternalTextConfig.lora_rank must be >= 0 (0: full fine-tuning)")
        if not 0 <= self.lora_dropout < 1:
            raise ValueError("ExternalTextConfig.lora_dropout must be in [0, 1)")


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
    # Layer-norm item vectors. Off, a vector's length is free to say how likely the item is
    # at all (popularity), which one shared logit scale cannot.
    item_norm: bool = True
    text: TextEncoderConfig | None = None
    external_text: ExternalTextConfig | None = None  # set: `text` describes this base model

    def __post_init__(self) -> None:
        if isinstance(self.text, dict):
            self.text = TextEncoderConfig(**self.text)
        if isinstance(self.external_text, dict):
            self.external_text = ExternalTextConfig(**self.external_text)
        if self.external_text is not None and self.text is None:
            raise ValueError("external_text needs `text` too: the base model's hidden size, "
                             "vocabulary size and special token ids")
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
