"""The shop's own WordPiece tokenizer, trained from its text; nothing is downloaded.

Chinese becomes one token per character (BERT's CJK handling), English is lower-cased and
split into word pieces, anything never seen becomes [UNK]. Training is deterministic: the
same texts always give the same `tokenizer.json`, so a model and its tokenizer can be rebuilt.
"""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.processors import TemplateProcessing
from tokenizers.trainers import WordPieceTrainer

from shopformer.core.errors import ConfigError, InputError, Location

log = logging.getLogger(__name__)

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)  # ids 0..4, in this order
PREFIX = "##"  # marks a piece that continues a word
TOKENIZER_FILE, CONFIG_FILE = "tokenizer.json", "tokenizer_config.json"
FORMAT_VERSION = 1
MAX_WORD_CHARS = 100  # longer "words" (URLs, hashes) become [UNK] instead of 100 pieces


def _at_least(name: str, value: object, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"TokenizerConfig.{name} must be an integer of at least {minimum}, "
                          f"got {value!r}")


@dataclass(frozen=True)
class TokenizerConfig:
    vocab_size: int = 8000
    max_tokens: int = 64  # [CLS] included; longer texts are cut in `encode_batch`
    min_frequency: int = 2  # a merge seen fewer times is not learnt

    def __post_init__(self) -> None:
        _at_least("vocab_size", self.vocab_size, 200)
        _at_least("max_tokens", self.max_tokens, 8)
        _at_least("min_frequency", self.min_frequency, 1)


class ShopTokenizer:
    """Text → token ids for the shop model. Build with `train` or `load`."""

    PAD, UNK, CLS, SEP, MASK = SPECIAL_TOKENS

    def __init__(self, tokenizer: Tokenizer, config: TokenizerConfig) -> None:
        self._tokenizer = tokenizer
        self.config = config

    @classmethod
    def train(cls, texts: Iterable[str], config: TokenizerConfig = TokenizerConfig()
              ) -> ShopTokenizer:
        """Learn a vocabulary from `texts` (streamed once; blank ones skipped)."""
        started = time.perf_counter()
        learner = _assemble({token: i for i, token in enumerate(SPECIAL_TOKENS)})
        with tempfile.TemporaryDirectory(prefix="shopformer-tokenizer-") as tmp:
            spool = Path(tmp) / "corpus.txt"
            count, chars = _spool(texts, spool)
            if count == 0:
                raise InputError("no non-blank text to learn a vocabulary from; ingest items, "
                                 "reviews or conversations first")
            # Pre-registering every continuation piece fixes its id before training; otherwise
            # the trainer numbers them in hash order and breaks ties between equally frequent
            # merges differently on every run (huggingface/tokenizers#1794).
            trainer = WordPieceTrainer(
                vocab_size=config.vocab_size, min_frequency=config.min_frequency,
                special_tokens=[*SPECIAL_TOKENS, *_continuation_pieces(chars, learner)],
                continuing_subword_prefix=PREFIX, show_progress=False)
            learner.train_from_iterator(_read_spool(spool), trainer=trainer, length=count)
        tokenizer = _assemble(learner.get_vocab(with_added_tokens=False))
        log.info("tokenizer: %d tokens learnt from %d texts in %.1fs",
                 tokenizer.get_vocab_size(), count, time.perf_counter() - started)
        return cls(_limited(tokenizer, config), config)

    def encode_batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids (N, L) int64 and attention mask (N, L) bool: [CLS] first, cut at
        `max_tokens`, padded with [PAD] only to the batch's longest text."""
        if isinstance(texts, str):
            raise TypeError("encode_batch takes a sequence of texts; wrap one text in a list")
        if len(texts) == 0:
            return np.zeros((0, 0), np.int64), np.zeros((0, 0), bool)
        encodings = self._tokenizer.encode_batch_fast(list(texts))  # no offsets: faster
        n, length = len(encodings), len(encodings[0].ids)  # padded: every row is as long
        flat = itertools.chain.from_iterable(encoding.ids for encoding in encodings)
        ids = np.fromiter(flat, np.int64, count=n * length).reshape(n, length)  # (N, L)
        # [PAD] never comes from text (typed special tokens are read as text), so the mask is
        # exactly where padding is not; cheaper than converting every attention_mask.
        return ids, ids != self.pad_id

    def tokens(self, text: str) -> list[str]:
        """The whole text's pieces, untruncated and without [CLS], to show how it is read."""
        normalized = self._tokenizer.normalizer.normalize_str(text)
        words = self._tokenizer.pre_tokenizer.pre_tokenize_str(normalized)
        return [token.value for word, _ in words for token in self._tokenizer.model.tokenize(word)]

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    @property
    def pad_id(self) -> int:
        return SPECIAL_TOKENS.index(PAD)

    @property
    def unk_id(self) -> int:
        return SPECIAL_TOKENS.index(UNK)

    @property
    def cls_id(self) -> int:
        return SPECIAL_TOKENS.index(CLS)

    @property
    def mask_id(self) -> int:
        return SPECIAL_TOKENS.index(MASK)

    @property
    def special_ids(self) -> tuple[int, ...]:
        return tuple(range(len(SPECIAL_TOKENS)))

    def save(self, directory: Path) -> None:
        """Write `tokenizer.json` (readable by any Hugging Face tokenizer) and the config."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._tokenizer.save(str(directory / TOKENIZER_FILE), pretty=True)
        settings = {"format_version": FORMAT_VERSION, **asdict(self.config)}
        (directory / CONFIG_FILE).write_text(json.dumps(settings, indent=2) + "\n",
                                             encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> ShopTokenizer:
        directory = Path(directory)
        missing = [name for name in (TOKENIZER_FILE, CONFIG_FILE)
                   if not (directory / name).is_file()]
        if missing:
            raise ConfigError(f"{directory}: no saved tokenizer here ({', '.join(missing)} "
                              "missing); train one and save it with ShopTokenizer.save")
        config = _read_config(directory / CONFIG_FILE)
        path = directory / TOKENIZER_FILE
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # the Rust side raises plain Exception for any bad file
            raise InputError(f"not a readable tokenizer ({exc})",
                             Location(file=str(path))) from None
        ids = [tokenizer.token_to_id(token) for token in SPECIAL_TOKENS]
        if not isinstance(tokenizer.model, WordPiece) or ids != list(range(len(SPECIAL_TOKENS))):
            raise InputError(f"not a Shopformer WordPiece tokenizer (special token ids {ids}, "
                             f"expected 0..4 for {', '.join(SPECIAL_TOKENS)})",
                             Location(file=str(path)))
        return cls(_limited(tokenizer, config), config)


def _assemble(vocab: dict[str, int]) -> Tokenizer:
    """The full pipeline around a WordPiece vocabulary."""
    tokenizer = Tokenizer(WordPiece(vocab, unk_token=UNK, continuing_subword_prefix=PREFIX,
                                    max_input_chars_per_word=MAX_WORD_CHARS))
    # strip_accents=False: lower-casing is the only change, so Chinese (and kana, pinyin tone
    # marks) stay exactly as written; each CJK character is spaced into its own word.
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix=PREFIX)
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    tokenizer.encode_special_tokens = True  # "[MASK]" typed in a review is text, not the mask
    tokenizer.post_processor = TemplateProcessing(
        single=f"{CLS} $A", special_tokens=[(CLS, SPECIAL_TOKENS.index(CLS))])
    return tokenizer


def _limited(tokenizer: Tokenizer, config: TokenizerConfig) -> Tokenizer:
    tokenizer.encode_special_tokens = True  # not kept in tokenizer.json, so set on load too
    tokenizer.enable_truncation(max_length=config.max_tokens)
    tokenizer.enable_padding(pad_id=SPECIAL_TOKENS.index(PAD), pad_token=PAD)  # to the longest
    return tokenizer


def _spool(texts: Iterable[str], path: Path) -> tuple[int, set[str]]:
    """Write the non-blank texts one per line (line breaks are word breaks anyway) and collect
    their characters, so the corpus is read once yet trained from without holding it."""
    count, chars = 0, set()
    with path.open("w", encoding="utf-8", errors="replace", newline="\n") as out:
        for text in texts:
            if text is None or not text.strip():
                continue
            line = text.replace("\r", " ").replace("\n", " ")
            chars.update(line)
            out.write(line + "\n")
            count += 1
    return count, chars


def _read_spool(path: Path, lines_per_batch: int = 1000) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as lines:
        while batch := list(itertools.islice(lines, lines_per_batch)):
            yield batch


def _continuation_pieces(chars: set[str], tokenizer: Tokenizer) -> list[str]:
    """`##c` for every character c that can continue a word, asked of the pipeline itself:
    c continues "a" unless it is a space, punctuation or a CJK character."""
    pieces: set[str] = set()
    for char in chars:
        try:
            normalized = tokenizer.normalizer.normalize_str("a" + char)
        except UnicodeEncodeError:  # a lone surrogate; the spool holds "?" for it
            continue
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normalized):
            pieces.update(word[1:])
    return sorted(PREFIX + piece for piece in pieces)


def _read_config(path: Path) -> TokenizerConfig:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        version = settings.pop("format_version", None)
        if version != FORMAT_VERSION:
            raise ValueError(f"format_version {version!r}, this Shopformer reads {FORMAT_VERSION}")
        return TokenizerConfig(**settings)
    except (OSError, ValueError, TypeError, AttributeError, ConfigError) as exc:
        raise InputError(f"not a valid tokenizer config ({exc})",
                         Location(file=str(path))) from None

