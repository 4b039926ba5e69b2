"""The shop's own small text encoder, as the benchmarks train it: a tokenizer learnt from
the texts, a 3-layer transformer 192 wide, masked-language pretraining for some minutes."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

from safetensors.torch import load_file, save_file

from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.train.finetune import TextEncoderSource
from shopformer.train.text_pretrain import pretrain_text, text_model

log = logging.getLogger("bench.own-text")


def pretrained_encoder(texts: list[str], minutes: float, *, vocab_size: int, max_tokens: int,
                       epochs: float, cache: Path | None = None) -> TextEncoderSource:
    """Pretrained for `minutes` or `epochs` passes over `texts`, whichever ends first.

    With `cache`, an encoder pretrained before on the same texts with the same settings is
    read from that directory instead, and a new one is written there: pretraining reads no
    labels, so a validation run and the test run after it may share one."""
    settings = {"texts": _fingerprint(texts), "minutes": minutes, "vocab_size": vocab_size,
                "max_tokens": max_tokens, "epochs": epochs}
    if cache is not None and _cached_settings(cache) == settings:
        tokenizer = ShopTokenizer.load(cache / "tokenizer")
        model = _encoder_model(tokenizer)
        model.text.load_state_dict(load_file(str(cache / "model.safetensors")))
        model.eval()  # as pretrain_text leaves the model it trained
        log.info("text encoder read from %s (pretrained %s min before)", cache, minutes)
        return TextEncoderSource(model.text, tokenizer)
    started = time.perf_counter()
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=vocab_size,
                                                           max_tokens=max_tokens))
    model = _encoder_model(tokenizer)
    result = pretrain_text(model, tokenizer, texts, minutes=minutes, epochs=epochs,
                           batch_size=64)
    log.info("text pretraining: %d steps, %.0f tokens/s", result.steps,
             result.tokens_per_second)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        tokenizer.save(cache / "tokenizer")
        save_file({k: v.contiguous() for k, v in model.text.state_dict().items()},
                  str(cache / "model.safetensors"))
        recorded = {**settings, "seconds": time.perf_counter() - started}
        (cache / "config.json").write_text(json.dumps(recorded, indent=2) + "\n")
    return TextEncoderSource(model.text, tokenizer)


def pretraining_seconds(cache: Path) -> float:
    """How long the encoder in `cache` took to pretrain, so that a run which reads it
    still counts that time in its training time."""
    return float(json.loads((cache / "config.json").read_text())["seconds"])


def _encoder_model(tokenizer: ShopTokenizer):
    return text_model(tokenizer, hidden=192, layers=3, heads=4)


def _fingerprint(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _cached_settings(cache: Path) -> dict | None:
    """The settings the encoder in `cache` was pretrained with (None: no encoder there)."""
    path = cache / "config.json"
    if not path.is_file():
        return None
    settings = json.loads(path.read_text())
    settings.pop("seconds", None)
    return settings
