"""The shop's own small text encoder, as the benchmarks train it: a tokenizer learnt from
the texts, a 3-layer transformer 192 wide, masked-language pretraining for some minutes."""

from __future__ import annotations

import logging

from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.train.finetune import TextEncoderSource
from shopformer.train.text_pretrain import pretrain_text, text_model

log = logging.getLogger("bench.own-text")


def pretrained_encoder(texts: list[str], minutes: float, *, vocab_size: int, max_tokens: int,
                       epochs: float) -> TextEncoderSource:
    """Pretrained for `minutes` or `epochs` passes over `texts`, whichever ends first."""
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=vocab_size,
                                                           max_tokens=max_tokens))
    model = text_model(tokenizer, hidden=192, layers=3, heads=4)
    result = pretrain_text(model, tokenizer, texts, minutes=minutes, epochs=epochs,
                           batch_size=64)
    log.info("text pretraining: %d steps, %.0f tokens/s", result.steps,
             result.tokens_per_second)
    return TextEncoderSource(model.text, tokenizer)
