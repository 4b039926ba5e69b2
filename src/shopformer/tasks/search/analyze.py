"""Text → search terms, the same way for queries and item texts, so they can meet.

English: NFKC (full-width → half-width), HTML entities decoded, lower case, numbers split
from their units ("12in" → "12 in"), unit words unified ("inches", "in.", '"' → "in"),
Snowball stemming ("drills" → "drill"). Chinese: in Simplified characters (OpenCC), so a
customer in Hong Kong typing 防曬霜 meets a catalog's 防晒霜, then jieba's search-mode words,
so "保温杯" also matches "保温" and "杯". Digits stay whole ("1/2", "3.5").
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba
import Stemmer

from shopformer.data.chinese_script import simplified

jieba.setLogLevel(logging.WARNING)

UNITS = {
    "inch": "in", "inches": "in", "foot": "ft", "feet": "ft", "lbs": "lb", "pound": "lb",
    "pounds": "lb", "gallon": "gal", "gallons": "gal", "ounce": "oz", "ounces": "oz",
    "square": "sq", "cubic": "cu", "v": "volt", "volts": "volt", "w": "watt", "watts": "watt",
    "amps": "amp", "ampere": "amp", "quart": "qt", "quarts": "qt", "yard": "yd", "yards": "yd",
    "millimeter": "mm", "millimetre": "mm", "centimeter": "cm", "centimetre": "cm",
    "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g", "liter": "l", "litre": "l",
    "liters": "l", "litres": "l", "毫升": "ml", "升": "l", "公斤": "kg", "千克": "kg", "克": "g",
}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
INCH_MARK = re.compile(r"(\d)\s*(?:\"|''|”|″)")
FOOT_MARK = re.compile(r"(\d)\s*(?:'|’|′)(?=\s|$|\d|x)")
DIGIT_LETTER = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
TIMES = re.compile(r"(?<=\d)\s*[x×*]\s*(?=\d)")
WORD = re.compile(r"\d+(?:[./]\d+)*|[a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class AnalyzerConfig:
    stem: bool = True  # English Snowball stemming
    units: bool = True  # unify unit spellings and split "12in"
    chinese_words: bool = True  # jieba words; off: one term per character
    # Traditional characters read as Simplified. Off only for what was learned before the
    # fold (a saved model keeps the terms it was trained with).
    simplified_chinese: bool = True


TAG = re.compile(r"<[^<>]{1,200}>")


def without_tags(text: str) -> str:
    """HTML as its text: a product export's "Body (HTML)" ("<p>Breathable <strong>linen
    </strong> shirt.</p>") was shown and indexed with its tags."""
    if "<" not in text:
        return text
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def normalize(text: str) -> str:
    """The text as a person meant it: NFKC, entities decoded, lower case, spaces collapsed."""
    text = unicodedata.normalize("NFKC", html.unescape(text or "")).lower()
    return " ".join(text.split())


class Analyzer:
    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self._stem = Stemmer.Stemmer("english").stemWord
        self.terms = lru_cache(maxsize=200_000)(self._terms)

    def words(self, text: str) -> list[str]:
        """Unstemmed words of a normalized text (what spelling correction works on)."""
        text = normalize(text)
        if self.config.simplified_chinese:
            text = simplified(text)
        return WORD.findall(self._prepare(text))

    def _prepare(self, text: str) -> str:
        if self.config.units:
            text = INCH_MARK.sub(r"\1 in ", text)
            text = FOOT_MARK.sub(r"\1 ft ", text)
            text = DIGIT_LETTER.sub(" ", text)
            text = TIMES.sub(" x ", text)
        return text

    def _terms(self, text: str) -> tuple[str, ...]:
        """Search terms of `text`, in order (repeats kept: they are term frequencies)."""
        out: list[str] = []
        for word in self.words(text):
            if CJK.match(word):
                out.extend(self._chinese(word))
            elif word[0].isdigit():
                out.append(word)
            else:
                if self.config.units:
                    word = UNITS.get(word, word)
                out.append(self._stem(word) if self.config.stem else word)
        return tuple(out)

    def _chinese(self, word: str) -> list[str]:
        if not self.config.chinese_words:
            return list(word)
        pieces = [p for p in jieba.cut_for_search(word) if p.strip()]
        if self.config.units:
            pieces = [UNITS.get(p, p) for p in pieces]
        return pieces
