"""Aligning a text encoder on (query, document) pairs makes it retrieve the documents."""

from __future__ import annotations

import numpy as np
import pytest

from shopformer.core.errors import ConfigError
from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.train.finetune import TextEncoderSource
from shopformer.train.text_alignment import AlignConfig, align_text_encoder, text_vectors
from shopformer.train.text_pretrain import text_model

# a shop's words for its products that no text of the product uses
SLANG = {"kicks": "running shoes with foam soles", "shades": "sunglasses with uv lenses",
         "lappy": "laptop computer with keyboard", "brolly": "umbrella for rain and wind",
         "cuppa": "tea bags of black leaf", "telly": "television with hd screen",
         "trainers": "sport sneakers for the gym", "jumper": "wool sweater for winter"}


def recall_at_1(source: TextEncoderSource) -> float:
    encode = text_vectors(source)
    queries, documents = encode(list(SLANG)), encode(list(SLANG.values()))
    return float(np.mean((queries @ documents.T).argmax(1) == np.arange(len(SLANG))))


def test_alignment_teaches_the_shops_words():
    texts = list(SLANG) + list(SLANG.values())
    tokenizer = ShopTokenizer.train(texts * 3, TokenizerConfig(vocab_size=200, max_tokens=16))
    source = TextEncoderSource(text_model(tokenizer, hidden=32, layers=1, heads=2).text,
                               tokenizer)
    before = recall_at_1(source)
    pairs = [(q, d) for q, d in SLANG.items()] * 16
    aligned = align_text_encoder(source, [q for q, _ in pairs], [d for _, d in pairs],
                                 AlignConfig(batch_size=8, learning_rate=3e-3, epochs=6,
                                             max_minutes=None))
    assert recall_at_1(aligned) == 1.0 > before
    assert recall_at_1(source) == before  # the source is left as it was
    vectors = text_vectors(aligned)(["kicks", "a much longer text about shoes"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_bad_settings():
    with pytest.raises(ConfigError):
        AlignConfig(batch_size=1)
