"""An external text model's own tokenizer, behind the methods the trainer uses of
`ShopTokenizer`: a base model only understands the token ids it was pretrained with.

It is read from the model's local directory (never downloaded) and saved as a copy beside the
shop model, so that a saved model always tokenizes exactly as it did in training.
transformers is imported lazily: `import shopformer` never loads it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.core.huggingface import missing_extra, offline
from shopformer.data.tokenizer import ShopTokenizer

SETTINGS_FILE = "shopformer_tokenizer.json"
FORMAT_VERSION = 1


class ExternalTokenizer:
    """Text → token ids for an external model. Build with `from_base` or `load`."""

    def __init__(self, tokenizer: Any, base: str, max_tokens: int = 64) -> None:
        if tokenizer.pad_token_id is None:
            raise ConfigError(f"{base}: the tokenizer has no padding token, so texts of "
                              "different lengths cannot share a batch")
        self._tokenizer = tokenizer
        self.base = base
        self.max_tokens = max_tokens

    @classmethod
    def from_base(cls, path: str | Path, max_tokens: int = 64) -> ExternalTokenizer:
        """The tokenizer saved in a local Hugging Face model directory."""
        return cls(_read(Path(path)), str(path), max_tokens)

    def encode_batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids (N, L) int64 and attention mask (N, L) bool, in the base model's own
        format ([CLS] … [SEP] for BERT), cut at `max_tokens`, padded to the longest text."""
        if isinstance(texts, str):
            raise TypeError("encode_batch takes a sequence of texts; wrap one text in a list")
        if len(texts) == 0:
            return np.zeros((0, 0), np.int64), np.zeros((0, 0), bool)
        encoded = self._tokenizer(list(texts), padding="longest", truncation=True,
                                  max_length=self.max_tokens, return_attention_mask=True,
                                  return_token_type_ids=False)
        ids = np.asarray(encoded["input_ids"], dtype=np.int64)  # (N, L)
        return ids, np.asarray(encoded["attention_mask"], dtype=bool)

    @property
    def vocab_size(self) -> int:
        return len(self._tokenizer)  # added tokens included, as ShopTokenizer counts them

    @property
    def pad_id(self) -> int:
        return self._tokenizer.pad_token_id

    @property
    def unk_id(self) -> int | None:
        return self._tokenizer.unk_token_id

    @property
    def cls_id(self) -> int | None:
        tokenizer = self._tokenizer
        return tokenizer.cls_token_id if tokenizer.cls_token_id is not None else \
            tokenizer.bos_token_id

    @property
    def mask_id(self) -> int | None:
        """None when the model has no mask token: masked-language modelling is then off."""
        return self._tokenizer.mask_token_id

    @property
    def special_ids(self) -> tuple[int, ...]:
        return tuple(sorted(set(self._tokenizer.all_special_ids)))

    def save(self, directory: Path) -> None:
        """The tokenizer's own files (a copy, not a link to the base) and our settings."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._tokenizer.save_pretrained(str(directory))
        settings = {"format_version": FORMAT_VERSION, "base": self.base,
                    "max_tokens": self.max_tokens}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n",
                                               encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> ExternalTokenizer:
        directory = Path(directory)
        path = directory / SETTINGS_FILE
        try:
            settings = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{directory}: no saved external tokenizer here ({error})"
                              ) from None
        if settings.get("format_version") != FORMAT_VERSION:
            raise InputError(f"format_version {settings.get('format_version')!r}, this "
                             f"Shopformer reads {FORMAT_VERSION}", Location(file=str(path)))
        return cls(_read(directory), settings["base"], settings["max_tokens"])


TextTokenizer = ShopTokenizer | ExternalTokenizer  # what a shop model's text is read with


def _read(directory: Path) -> Any:
    if not directory.is_dir():
        raise ConfigError(f"external text model directory {directory} is missing; put the "
                          "model's files (tokenizer included) there")
    with offline():
        try:
            from transformers import AutoTokenizer
        except ImportError as error:
            raise missing_extra(error) from None
        try:
            return AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"{directory}: no tokenizer this transformers can read "
                              f"({error})") from None
