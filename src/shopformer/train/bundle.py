"""A trained shop model as a directory: the network, its vocabularies and tokenizer.

```
config.json        format version + model config
model.safetensors  every parameter and buffer (no pickle); with an external text model only
                   its LoRA adapters: its frozen base is read again from the directory that
                   config.json names (`model.external_text.path`)
vocab.json         item / category / type / channel ids and price buckets
tokenizer/         the shop tokenizer, or a copy of the external model's (when there is text)
metrics.json       training metrics and history
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from shopformer.core.errors import ConfigError
from shopformer.data.external_tokenizer import ExternalTokenizer, TextTokenizer
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.data.vocab import ShopVocabulary
from shopformer.model.config import ShopModelConfig
from shopformer.model.shop_model import ShopModel, TextBatch

FORMAT_VERSION = 1


@dataclass
class ShopModelBundle:
    model: ShopModel
    vocab: ShopVocabulary
    tokenizer: TextTokenizer | None = None
    metrics: dict = field(default_factory=dict)

    def save_pretrained(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        config = {"format_version": FORMAT_VERSION, "kind": "shop_model",
                  "model": self.model.config.to_dict()}
        (directory / "config.json").write_text(json.dumps(config, indent=1))
        state = {k: v.detach().contiguous() for k, v in self.model.own_state_dict().items()}
        save_file(state, str(directory / "model.safetensors"),
                  metadata={"format_version": str(FORMAT_VERSION)})
        self.vocab.save(directory / "vocab.json")
        if self.tokenizer is not None:
            self.tokenizer.save(directory / "tokenizer")
        (directory / "metrics.json").write_text(json.dumps(self.metrics, indent=1, default=str))

    @classmethod
    def from_pretrained(cls, directory: Path) -> ShopModelBundle:
        directory = Path(directory)
        try:
            config = json.loads((directory / "config.json").read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"{directory}: not a shop model directory ({error})") from None
        if config.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"{directory}: model format {config.get('format_version')}, "
                              f"this Shopformer reads {FORMAT_VERSION}")
        model_config = ShopModelConfig.from_dict(config["model"])
        try:
            model = ShopModel(model_config)  # an external base is read from its directory here
        except ConfigError as error:
            raise ConfigError(f"{directory}: {error}") from None
        model.load_own_state_dict(load_file(str(directory / "model.safetensors")))
        model.eval()
        tokenizer: TextTokenizer | None = None
        if (directory / "tokenizer").exists():
            kind = ExternalTokenizer if model_config.external_text else ShopTokenizer
            tokenizer = kind.load(directory / "tokenizer")
        metrics_path = directory / "metrics.json"
        metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
        return cls(model, ShopVocabulary.load(directory / "vocab.json"), tokenizer, metrics)

    @torch.no_grad()
    def item_vectors(self) -> torch.Tensor:
        """Every item's vector (N_items, H), index order of `vocab.items`."""
        self.model.eval()
        return self.model.items.all_items()

    @torch.no_grad()
    def text_vectors(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        """The text encoder's vector of each text (N, H_text), for search and matching;
        a ConfigError when the model was trained without text."""
        if self.tokenizer is None or self.model.text is None:
            raise ConfigError("this shop model has no text encoder (it was pretrained "
                              "without item or review text)")
        self.model.eval()
        out = []
        for begin in range(0, len(texts), batch_size):
            ids, attention = self.tokenizer.encode_batch(list(texts[begin:begin + batch_size]))
            out.append(self.model.text_vectors(TextBatch(torch.from_numpy(ids),
                                                         torch.from_numpy(attention))))
        hidden = self.model.config.text.hidden if self.model.config.text else 0
        return torch.cat(out) if out else torch.zeros(0, hidden)
