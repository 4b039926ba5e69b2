"""The shop tokenizer: Chinese by character, English by word piece, deterministic, saved whole."""

from __future__ import annotations

import csv
import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordPiece

from shopformer.core.errors import ConfigError, InputError
from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REVIEWS_ZH = SHARED_DATA / "reviews_zh" / "online_shopping_10_cats.csv"

REVIEWS = [
    "质量很好，物流很快！",
    "这款炒锅很好用，quality超赞!",
    "Great quality, fast delivery.",
    "The quality is great and the price is fair.",
    "包装很好，价格实惠。",
    "Delivery was slow but the wok is great.",
    "用了一周，质量不错。",
]
SMALL = TokenizerConfig(vocab_size=200, max_tokens=8)


@pytest.fixture(scope="module")
def tokenizer() -> ShopTokenizer:
    return ShopTokenizer.train(REVIEWS * 5, SMALL)


def _saved_vocab(tokenizer: ShopTokenizer, directory: Path) -> dict[str, int]:
    tokenizer.save(directory)
    return json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]


def test_chinese_is_split_into_characters(tokenizer: ShopTokenizer) -> None:
    assert tokenizer.tokens("质量很好") == ["质", "量", "很", "好"]
    assert tokenizer.tokens("\ufeff价格实惠。") == ["价", "格", "实", "惠", "。"]  # BOM dropped


def test_english_is_lower_cased_and_a_rare_word_becomes_word_pieces(tokenizer) -> None:
    assert tokenizer.tokens("QUALITY") == ["quality"]  # frequent: one token
    pieces = tokenizer.tokens("Deliverability")  # never seen: pieces of seen letters
    assert len(pieces) > 1 and "[UNK]" not in pieces
    assert not pieces[0].startswith("##") and all(p.startswith("##") for p in pieces[1:])
    assert "".join(p.removeprefix("##") for p in pieces) == "deliverability"


def test_mixed_chinese_and_english(tokenizer: ShopTokenizer) -> None:
    assert tokenizer.tokens("这款炒锅Quality超赞！") == [
        "这", "款", "炒", "锅", "quality", "超", "赞", "！"]


def test_full_width_punctuation_emoji_and_unseen_characters_become_unk_not_errors(tokenizer):
    assert tokenizer.tokens("很好，。！") == ["很", "好", "，", "。", "！"]
    assert tokenizer.tokens("好😀【】") == ["好", "[UNK]", "[UNK]", "[UNK]"]
    ids, _ = tokenizer.encode_batch(["😀🙂", "[MASK]"])
    assert ids[0, :2].tolist() == [tokenizer.cls_id, tokenizer.unk_id]
    assert tokenizer.mask_id not in ids[1]  # typed brackets are text, not the mask token


def test_special_tokens_have_ids_zero_to_four(tokenizer, tmp_path: Path) -> None:
    vocab = _saved_vocab(tokenizer, tmp_path)
    assert [vocab[token] for token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [
        0, 1, 2, 3, 4]
    assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.mask_id) == (
        0, 1, 2, 4)
    assert tokenizer.vocab_size == len(vocab)


def test_encode_batch_starts_with_cls_and_pads_to_the_longest_text(tokenizer) -> None:
    ids, mask = tokenizer.encode_batch(["质量很好", "好", ""])
    assert ids.dtype == np.int64 and mask.dtype == np.bool_
    assert ids.shape == mask.shape == (3, 5)  # [CLS] + 4 characters, not max_tokens
    assert (ids[:, 0] == tokenizer.cls_id).all()
    assert mask.sum(axis=1).tolist() == [5, 2, 1]
    assert (ids[~mask] == tokenizer.pad_id).all() and (ids[mask] != tokenizer.pad_id).all()
    assert tokenizer.unk_id not in ids[0]
    assert ids[1, 1] == ids[0, 4]  # 好 is 好 wherever it stands


def test_encode_batch_truncates_at_max_tokens(tokenizer: ShopTokenizer) -> None:
    ids, mask = tokenizer.encode_batch(["质量很好，物流很快！质量很好", "好"])
    assert ids.shape == (2, SMALL.max_tokens) and mask[0].all()
    head, _ = tokenizer.encode_batch(["质量很好，物流"])  # exactly [CLS] + 7 tokens
    assert ids[0].tolist() == head[0].tolist()


def test_encode_batch_edge_cases(tokenizer: ShopTokenizer) -> None:
    ids, mask = tokenizer.encode_batch([])
    assert ids.shape == mask.shape == (0, 0)
    with pytest.raises(TypeError, match="sequence of texts"):
        tokenizer.encode_batch("质量很好")


def test_save_and_load_give_identical_ids_and_files(tokenizer, tmp_path: Path) -> None:
    texts = [*REVIEWS, "好😀 Deliverability " * 5, ""]
    tokenizer.save(tmp_path / "a")
    loaded = ShopTokenizer.load(tmp_path / "a")
    assert loaded.config == tokenizer.config and loaded.vocab_size == tokenizer.vocab_size
    for got, expected in zip(loaded.encode_batch(texts), tokenizer.encode_batch(texts),
                             strict=True):
        np.testing.assert_array_equal(got, expected)
    loaded.save(tmp_path / "b")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_load_names_the_directory_when_files_are_missing_or_corrupt(tokenizer, tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere.*tokenizer\.json"):
        ShopTokenizer.load(tmp_path / "nowhere")
    tokenizer.save(tmp_path / "broken")
    (tmp_path / "broken" / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.tokenizer\.json"):
        ShopTokenizer.load(tmp_path / "broken")
    tokenizer.save(tmp_path / "bad_config")
    (tmp_path / "bad_config" / "tokenizer_config.json").write_text(
        json.dumps({"format_version": 1, "vocab_size": 10}), encoding="utf-8")
    with pytest.raises(InputError, match=r"bad_config.tokenizer_config\.json.*vocab_size"):
        ShopTokenizer.load(tmp_path / "bad_config")
    (tmp_path / "bad_config" / "tokenizer_config.json").unlink()
    with pytest.raises(ConfigError, match=r"bad_config.*tokenizer_config\.json missing"):
        ShopTokenizer.load(tmp_path / "bad_config")


def test_load_refuses_a_tokenizer_with_other_special_token_ids(tokenizer, tmp_path) -> None:
    tokenizer.save(tmp_path)
    foreign = Tokenizer(WordPiece({"[UNK]": 0, "[PAD]": 1, "好": 2}, unk_token="[UNK]"))
    foreign.save(str(tmp_path / "tokenizer.json"))
    with pytest.raises(InputError, match=r"special token ids \[1, 0, None, None, None\]"):
        ShopTokenizer.load(tmp_path)


def test_training_is_deterministic(tmp_path: Path) -> None:
    # Many equally frequent letter pairs: the merge order hinges on how ties are broken.
    rng = random.Random(3)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 9)))
             for _ in range(300)]
    texts = [" ".join(rng.choices(words, k=12)) + " 质量很好" for _ in range(400)]
    config = TokenizerConfig(vocab_size=400)
    runs = [ShopTokenizer.train(texts, config), ShopTokenizer.train(iter(texts), config),
            ShopTokenizer.train(reversed(texts), config)]
    saved = []
    for i, run in enumerate(runs):
        run.save(tmp_path / str(i))
        saved.append((tmp_path / str(i) / "tokenizer.json").read_bytes())
    assert saved[0] == saved[1] == saved[2]


def test_training_needs_some_text() -> None:
    with pytest.raises(InputError, match="no non-blank text"):
        ShopTokenizer.train(["", "  ", "\n"])


@pytest.mark.parametrize("settings", [
    {"vocab_size": 199}, {"max_tokens": 7}, {"min_frequency": 0},
    {"vocab_size": True}, {"max_tokens": 64.0}, {"vocab_size": "8000"},
])
def test_config_is_validated(settings: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(settings))):
        TokenizerConfig(**settings)
    assert TokenizerConfig(vocab_size=200, max_tokens=8, min_frequency=1).vocab_size == 200


def test_real_chinese_reviews_leave_few_unknown_tokens() -> None:
    if not REVIEWS_ZH.is_file():
        pytest.skip(f"the shared Chinese review data is not beside the repo ({REVIEWS_ZH})")
    with REVIEWS_ZH.open(encoding="utf-8", newline="") as handle:
        reviews = [row["review"] for row in itertools.islice(csv.DictReader(handle), 2999)]
    tokenizer = ShopTokenizer.train(reviews[:2500], TokenizerConfig(max_tokens=512))
    ids, mask = tokenizer.encode_batch(reviews[2500:])
    real = ids[mask & (ids != tokenizer.cls_id)]
    assert real.size > 10_000
    assert (real == tokenizer.unk_id).mean() < 0.02
