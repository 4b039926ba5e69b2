"""Price limits typed into a query — "耳机 100元以下", "boots under $50", "50-100元",
"between 20 and 40 dollars" — read as a price filter and taken out of the words to match.

Shoppers type them as often as product words, and no title holds "以下" or "under": left in
the query they match stray numbers ("100" in a model name) and filter nothing. Only forms
that are a price are read: a number with a currency mark after "under" (or after "price
under" and nothing else), a number before 以下 with nothing but a currency between, a range
only with a currency mark. "under 50 gallon", "gifts for kids under 10", "3岁以下",
"50寸以上" and "2x4-8" stay words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"(\d+(?:\.\d+)?)"
SIGN = r"(?:[$¥€£]|rmb|usd)"  # before the number
EN_UNIT = r"(?:dollars?|bucks|usd|rmb|yuan|euros?)"  # after it (not "pounds": a weight)
ZH_UNIT = r"(?:元|块钱|块|rmb)"
# An English number is a price when a currency marks it, or when "price" names it and
# nothing follows it: alone it may be an age ("gifts for kids under 10", "women over 50").
EN_MONEY = rf"(?:{SIGN}\s*{NUMBER}(?:\s*{EN_UNIT})?|{NUMBER}\s*{EN_UNIT})"
EN_PRICED = rf"(?:{EN_MONEY}|{NUMBER}(?=\s*$|\s*[,;]))"
EN_BELOW = r"(?:under|below|less than|cheaper than|up to|at most|no more than|<=?)"
EN_ABOVE = r"(?:over|above|more than|at least|no less than|>=?)"
PRICE_WORD = r"(?:priced|price|prices)\s+"
ZH_PRICE_WORD = r"(?:价格|价位|售价)?"
ZH_BELOW = r"(?:低于|不超过|不到|少于|小于|不高于|最多)"
ZH_ABOVE = r"(?:高于|超过|大于|不低于|至少)"
RANGE_DASH = r"\s*(?:-|–|~|to|到|至)\s*"

# (pattern, which limit each captured number sets: "low", "high" or "range")
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind) for pattern, kind in (
        (rf"\bbetween\s+{SIGN}?\s*{NUMBER}\s*{EN_UNIT}?\s+and\s+{SIGN}?\s*{NUMBER}"
         rf"(?:\s*{EN_UNIT})?\b", "range"),
        (rf"{SIGN}\s*{NUMBER}{RANGE_DASH}{SIGN}?\s*{NUMBER}(?:\s*(?:{EN_UNIT}|{ZH_UNIT}))?",
         "range"),
        (rf"(?<![\d.]){NUMBER}(?:\s*{ZH_UNIT})?{RANGE_DASH}{NUMBER}\s*(?:{ZH_UNIT}|{EN_UNIT})"
         r"(?:之间)?", "range"),
        (rf"{ZH_PRICE_WORD}{ZH_BELOW}\s*¥?\s*{NUMBER}\s*{ZH_UNIT}?的?", "high"),
        (rf"{ZH_PRICE_WORD}{ZH_ABOVE}\s*¥?\s*{NUMBER}\s*{ZH_UNIT}?的?", "low"),
        (rf"{ZH_PRICE_WORD}¥?\s*(?<![\d.]){NUMBER}\s*(?:{ZH_UNIT}\s*(?:以下|以内|之内|内)"
         r"|以下|以内|之内)的?", "high"),
        (rf"{ZH_PRICE_WORD}¥?\s*(?<![\d.]){NUMBER}\s*{ZH_UNIT}?\s*以上的?", "low"),
        (rf"(?<![a-z]){PRICE_WORD}{EN_BELOW}\s*{EN_PRICED}", "high"),
        (rf"(?<![a-z]){PRICE_WORD}{EN_ABOVE}\s*{EN_PRICED}", "low"),
        (rf"(?<![a-z]){EN_BELOW}\s*{EN_MONEY}", "high"),
        (rf"(?<![a-z]){EN_ABOVE}\s*{EN_MONEY}", "low"),
    ))


@dataclass(frozen=True)
class PriceLimit:
    low: float | None
    high: float | None
    phrases: tuple[str, ...]  # as they were typed (normalized)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"price {_number(self.low)}–{_number(self.high)}"
        if self.high is not None:
            return f"price ≤ {_number(self.high)}"
        return f"price ≥ {_number(self.low)}"


def read_price_limit(text: str) -> tuple[str, PriceLimit | None]:
    """The normalized query without its price phrases, and the limit they set (None when
    there is none, or when they contradict each other: then the text stays as typed)."""
    low: float | None = None
    high: float | None = None
    phrases: list[str] = []
    rest = text
    for pattern, kind in PATTERNS:
        for match in pattern.finditer(rest):
            numbers = [float(n) for n in match.groups() if n is not None]
            if kind == "range":
                a, b = sorted(numbers[:2])
                low, high = _higher(low, a), _lower(high, b)
            elif kind == "high":
                high = _lower(high, numbers[0])
            else:
                low = _higher(low, numbers[0])
            phrases.append(match.group(0).strip())
        rest = pattern.sub(" ", rest)
    if not phrases or (low is not None and high is not None and low > high):
        return text, None
    return " ".join(rest.split()), PriceLimit(low, high, tuple(phrases))


def _lower(a: float | None, b: float) -> float:
    return b if a is None else min(a, b)


def _higher(a: float | None, b: float) -> float:
    return b if a is None else max(a, b)


def _number(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:g}"
