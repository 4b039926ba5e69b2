"""A fine-tuned text classifier inside a task's model directory: its settings for
config.json, its weights for model.safetensors, its tokenizer beside them — for the shop's
own text encoder and for an external (Hugging Face, LoRA-adapted) one alike.

An external base's frozen weights are not copied: they are read again from the base's
directory, named in the settings, as the shop model does.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

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
