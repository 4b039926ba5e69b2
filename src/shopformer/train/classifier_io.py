"""A fine-tuned text classifier inside a task's model directory: its settings for
config.json, its weights for model.safetensors, its tokenizer beside them — for the shop's
own text encoder and for an external (Hugging Face, LoRA-adapted) one alike.

An external base's frozen weights are not copied: they are read again from the base's
directory, named in the settings, as the shop model does.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from shopformer.core.errors import ConfigError
from shopformer.data.external_tokenizer import ExternalTokenizer
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.config import ExternalTextConfig, TextEncoderConfig
from shopformer.model.encoders.text import TextEncoder
from shopformer.model.heads.text_classifier import TextClassifier

PREFIX = "classifier."
TOKENIZER_DIR = "tokenizer"


def classifier_settings(classifier: TextClassifier) -> dict:
    """What config.json needs to rebuild the classifier's encoder."""
    external = getattr(classifier.encoder, "external", None)
    return {"text": asdict(classifier.encoder.config),
            "external": None if external is None else asdict(external)}


def classifier_state(classifier: TextClassifier) -> dict[str, torch.Tensor]:
    """The weights to save, prefixed; an external base's frozen weights are left out."""
    frozen = getattr(classifier.encoder, "base_keys", frozenset())
    return {f"{PREFIX}{key}": value.detach().contiguous()
            for key, value in classifier.state_dict().items()
            if key.removeprefix("encoder.") not in frozen}


def save_classifier_tokenizer(tokenizer, directory: Path) -> None:
    tokenizer.save(Path(directory) / TOKENIZER_DIR)


def load_classifier(settings: dict, state: dict[str, torch.Tensor], directory: Path,
                    classes: int) -> tuple[TextClassifier, ShopTokenizer | ExternalTokenizer]:
    """The classifier and tokenizer saved by the functions above, ready to predict."""
    text_settings = settings.get("text", settings)  # earlier files held only the text part
    text = TextEncoderConfig(**text_settings)
    external = settings.get("external")
    if external:
        from shopformer.model.encoders.external_text import ExternalTextEncoder

        encoder = ExternalTextEncoder(ExternalTextConfig(**external), text)
        tokenizer = ExternalTokenizer.load(Path(directory) / TOKENIZER_DIR)
    else:
        encoder = TextEncoder(text)
        tokenizer = ShopTokenizer.load(Path(directory) / TOKENIZER_DIR)
    classifier = TextClassifier(encoder, classes)
    weights = {k.removeprefix(PREFIX): v for k, v in state.items() if k.startswith(PREFIX)}
    missing, unexpected = classifier.load_state_dict(weights, strict=False)
    frozen = getattr(encoder, "base_keys", frozenset())
    missing = [k for k in missing if k.removeprefix("encoder.") not in frozen]
    if missing or unexpected:
        raise ConfigError(f"{directory}: the saved classifier does not fit its settings "
                          f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    classifier.eval()
    return classifier, tokenizer


def external_source(path: str | Path, *, max_tokens: int = 64, lora_rank: int = 8,
                    lora_alpha: int = 16):
    """A local Hugging Face model directory as the encoder a task fine-tunes (LoRA on its
    attention, its own tokenizer): the external-model path of sentiment, intents and
    question matching."""
    from shopformer.model.encoders.external_text import (
        ExternalTextEncoder,
        external_text_config,
    )
    from shopformer.train.finetune import TextEncoderSource

    tokenizer = ExternalTokenizer.from_base(path, max_tokens=max_tokens)
    external = ExternalTextConfig(str(path), lora_rank=lora_rank, lora_alpha=lora_alpha,
                                  max_tokens=max_tokens)
    text = external_text_config(external, pad_id=tokenizer.pad_id, mask_id=tokenizer.mask_id,
                                special_ids=tokenizer.special_ids)
    return TextEncoderSource(ExternalTextEncoder(external, text), tokenizer)


def write_model_dir(directory: Path, config: dict, state: dict[str, torch.Tensor],
                    classifier: TextClassifier | None = None, tokenizer=None) -> None:
    """A task model directory: config.json (with the classifier's settings under
    "encoder"), model.safetensors (with its weights) and the tokenizer beside them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {**config, "encoder": None if classifier is None
              else classifier_settings(classifier)}
    (directory / "config.json").write_text(json.dumps(config, indent=1, ensure_ascii=False))
    if classifier is not None:
        state = {**state, **classifier_state(classifier)}
        save_classifier_tokenizer(tokenizer, directory)
    save_file(state, str(directory / "model.safetensors"))


def read_model_dir(directory: Path, kind: str, format_version: int, what: str
                   ) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config, weights) of a task model directory written by `write_model_dir`, after
    checking that it holds a `kind` model of `format_version` (`what`, "an intent model",
    names it in errors)."""
    directory = Path(directory)
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{directory}: not {what} directory ({error})") from None
    if config.get("kind") != kind or config.get("format_version") != format_version:
        raise ConfigError(f"{directory}: not {what} of format {format_version}")
    return config, load_file(str(directory / "model.safetensors"))
