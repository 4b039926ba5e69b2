"""A review as a bag of character and word n-grams, weighted like TF-IDF.

Character n-grams need no word boundaries (Chinese reviews have none) and survive typos;
word n-grams (stemmed English, jieba words for Chinese) add the pairs that flip a
polarity ("not bad", "不 好"). The vocabulary is the shop's own: n-grams seen in at least
`min_count` of its reviews, the most frequent `max_features` of them.

A bag loses what a negation word does to the words after it, so with `negation_scope`
the character n-grams inside a negated stretch are marked: in "不是很好" the stretch
after 不 gives "¬很好" instead of "很好", and "not bad" gives "¬bad" (negation tagging,
Das & Chen 2001; Pang et al. 2002). A stretch ends at punctuation, a contrast word or
`negation_reach` characters; the regression learns what each marked n-gram means
("¬错" of 不错 is praise).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from shopformer.core.errors import ConfigError
from shopformer.data.chinese_script import simplified
from shopformer.tasks.search.analyze import Analyzer, AnalyzerConfig, normalize

VOCABULARY_FILE = "ngrams.json"
NEGATION_MARK = "¬"
# A negation cue and the stretch it governs: up to punctuation or a contrast word.
NEGATION_CUE = re.compile(r"(?:不(?!过)|没|沒|无|無|未|别|別|非|勿|\b(?:not|no|never|without|"
                          r"hardly|nothing|nor|neither)\b|n't)")
SCOPE_END = re.compile(r"[，。！？；、,.!?;:：\n~～]|但|却|可是|不过|\b(?:but|however|though)\b")


@dataclass(frozen=True)
class NgramConfig:
    char_min: int = 1
    char_max: int = 3
    word_max: int = 2  # word unigrams … word n-grams of this length; 0: no word n-grams
    min_count: int = 2  # reviews an n-gram must appear in to be kept
    max_features: int = 600_000
    negation_scope: bool = False  # mark the n-grams inside negated stretches (module doc)
    negation_reach: int = 10  # characters a negation governs at most
    # Traditional characters read as Simplified (差勁 as 差劲), so a review in either script
    # meets the n-grams learned from the other. Vocabularies saved before it read as written.
    simplified_chinese: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.char_min <= self.char_max:
            raise ConfigError(f"n-grams: need 1 <= char_min <= char_max, got "
                              f"{self.char_min}..{self.char_max}")
        if self.word_max < 0 or self.min_count < 1 or self.max_features < 1:
            raise ConfigError("n-grams: word_max must be >= 0, min_count and max_features >= 1")


def saved_ngram_config(saved: dict) -> NgramConfig:
    """The settings of a saved vocabulary: one saved before the script fold holds
    Traditional n-grams as written, and reads text as written."""
    return NgramConfig(**{"simplified_chinese": False, **saved})


def negated_positions(text: str, reach: int) -> list[bool]:
    """Per character of a normalized text: does a negation cue govern it (module doc)?"""
    out = [False] * len(text)
    for cue in NEGATION_CUE.finditer(text):
        rest = text[cue.end():cue.end() + reach]
        end = SCOPE_END.search(rest)
        for i in range(cue.end(), cue.end() + (end.start() if end else len(rest))):
            out[i] = True
    return out


class NgramVectorizer:
    """texts → sparse rows of sublinear TF × IDF, each row of unit length."""

    def __init__(self, config: NgramConfig | None = None) -> None:
        self.config = config or NgramConfig()
        # it is given text `normalized` has folded already (when the config folds)
        self.analyzer = Analyzer(AnalyzerConfig(simplified_chinese=False))
        self.index: dict[str, int] = {}
        self.idf = np.zeros(0, np.float32)

    def grams(self, text: str) -> list[str]:
        """Every n-gram of one text, repeats kept; word n-grams carry a leading space so
        they never meet a character n-gram."""
        text = self.normalized(text)
        c = self.config
        negated = negated_positions(text, c.negation_reach) if c.negation_scope else None
        out = [(NEGATION_MARK if negated and negated[i] and negated[i + n - 1] else "")
               + text[i:i + n]
               for n in range(c.char_min, c.char_max + 1) for i in range(len(text) - n + 1)]
        out.extend(self._word_grams(text))
        return out

    def word_grams(self, text: str) -> list[str]:
        """The word n-grams of one text (as `grams` writes them), for readable reasons."""
        return self._word_grams(self.normalized(text))

    def _word_grams(self, normal: str) -> list[str]:
        """`word_grams` of a text already `normalized`."""
        if not self.config.word_max:
            return []
        words = self.analyzer.terms(normal)
        return [" " + " ".join(words[i:i + n]) for n in range(1, self.config.word_max + 1)
                for i in range(len(words) - n + 1)]

    def normalized(self, text: str) -> str:
        """The text as the n-grams read it: normalized, in Simplified characters."""
        text = normalize(text)
        return simplified(text) if self.config.simplified_chinese else text

    def fit(self, texts: Sequence[str]) -> NgramVectorizer:
        if not texts:
            raise ConfigError("n-grams: no texts to learn a vocabulary from")
        seen: Counter[str] = Counter()
        for text in texts:
            seen.update(set(self.grams(text)))
        kept = [(g, n) for g, n in seen.items() if n >= self.config.min_count]
        kept.sort(key=lambda pair: (-pair[1], pair[0]))
        kept = kept[:self.config.max_features]
        self.index = {g: i for i, (g, _) in enumerate(kept)}
        counts = np.array([n for _, n in kept], np.float64)
        self.idf = (np.log((1 + len(texts)) / (1 + counts)) + 1).astype(np.float32)
        return self

    def extend(self, texts: Sequence[str]) -> int:
        """Add the n-grams of `texts` that the vocabulary lacks (each at the rarest IDF
        seen: new words are specific); returns how many. Columns only ever grow at the end,
        so a model's weights for the old columns stay valid."""
        fresh = sorted({g for text in texts for g in self.grams(text)} - self.index.keys())
        room = max(0, self.config.max_features - len(self.index))
        fresh = fresh[:room]
        start = len(self.index)
        self.index.update((g, start + i) for i, g in enumerate(fresh))
        rarest = float(self.idf.max()) if len(self.idf) else 1.0
        self.idf = np.concatenate([self.idf, np.full(len(fresh), rarest, np.float32)])
        return len(fresh)

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        indptr, indices, values = [0], [], []
        for text in texts:
            counts = Counter(i for g in self.grams(text) if (i := self.index.get(g)) is not None)
            columns = np.fromiter(counts.keys(), np.int64, len(counts))
            weights = (1 + np.log(np.fromiter(counts.values(), np.float32, len(counts))))
            weights *= self.idf[columns]
            norm = math.sqrt(float(weights @ weights)) or 1.0
            indices.append(columns)
            values.append(weights / norm)
            indptr.append(indptr[-1] + len(columns))
        return sparse.csr_matrix(
            (np.concatenate(values) if values else np.zeros(0, np.float32),
             np.concatenate(indices) if indices else np.zeros(0, np.int64), indptr),
            shape=(len(indptr) - 1, len(self.index)), dtype=np.float32)

    def save(self, directory: Path) -> None:
        grams = sorted(self.index, key=self.index.__getitem__)
        payload = {"config": asdict(self.config), "grams": grams, "idf": self.idf.tolist()}
        (directory / VOCABULARY_FILE).write_text(json.dumps(payload, ensure_ascii=False),
                                                 encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> NgramVectorizer:
        payload = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        vectorizer = cls(saved_ngram_config(payload["config"]))
        vectorizer.index = {g: i for i, g in enumerate(payload["grams"])}
        vectorizer.idf = np.asarray(payload["idf"], np.float32)
        return vectorizer
