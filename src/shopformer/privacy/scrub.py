"""Scrub personal data out of shop free text (reviews, chats, queries) in Chinese and English.

Each finding is replaced by a typed placeholder (``<PHONE>``, ``<EMAIL>``, ``<ID_NUMBER>``,
``<BANK_CARD>``, ``<ADDRESS>``) so downstream models keep the *shape* of the text without
the person behind it. Patterns favour precision on ordinary review text (prices, dates,
order ids, product specs stay untouched) and use checksums where the format has one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

__all__ = ["Finding", "PiiScrubber", "ScrubConfig", "scrub_text"]


@dataclass(frozen=True)
class ScrubConfig:
    """Which kinds of personal data to scrub; all on by default."""

    phones: bool = True
    emails: bool = True
    id_numbers: bool = True
    bank_cards: bool = True
    addresses: bool = True


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (placeholder name) and span in the text."""

    kind: str
    start: int
    end: int


# A necessary condition shared by every pattern below (each needs '@', a 4-digit run, '+digit',
# a digit before 号/栋/幢, or a house number before a capitalised word). One search lets the
# vast majority of reviews skip the full scan.
_PRECHECK = re.compile(r"@|\d{4}|\+\d|\d[号栋幢]|\d[A-Za-z]?[ ]+[A-Z\d]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# Region code (first digit 1-8), then 18-char or legacy 15-digit form; validated in code.
_ID = re.compile(r"(?<!\d)[1-8]\d{5}(?:\d{11}[\dXx]|\d{9})(?![\dXx])")

# Contiguous 13-19 digits, or groups of 4 joined by one consistent space/hyphen. The lookarounds
# refuse a match that is only part of a longer (grouped) digit run.
_CARD = re.compile(
    r"(?<!\d)(?<!\d[ -])"
    r"(?:\d{13,19}|\d{4}([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,3})?(?!\1\d))(?!\d)"
)

_PHONE = re.compile(
    r"(?<![\d+])(?:"
    r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:\d{8}|([ -])\d{4}\1\d{4})"  # CN mobile
    r"|\(0[1-9]\d{1,2}\)[ -]?\d{7,8}|0[1-9]\d{1,2}-?\d{7,8}"  # CN landline
    r"|\+[1-9]\d{0,2}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){2,5}"  # E.164-style international
    r"|(?:\([2-9]\d\d\)[ ]?|[2-9]\d\d[-.])[2-9]\d\d[-.]\d{4}"  # North American
    r")(?!\d)"
)

_EN_SUFFIX = (
    "Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    "|Parkway|Pkwy|Terrace|Highway|Hwy"
)
# Words that follow a quantity in product text ("2 TB Hard Drive", "5 Stars All The Way") but
# never name a street; street-name words must be Capitalised (not all-caps like TB/USB).
_EN_NOT_NAME = (
    r"(?:The|All|Way|Hard|Flash|Stars?|Pack|Pairs?|Pieces?|Pcs|Person|People|Times"
    r"|Years?|Months?|Weeks?|Days?|Hours?|Inch(?:es)?|Feet)(?![A-Za-z])"
)
_EN_WORD = rf"(?!{_EN_NOT_NAME})(?:[A-Z][a-z'-]+\.?|[NSEW]\.?|\d+(?:st|nd|rd|th))"
_EN_ADDRESS = re.compile(
    r"(?<![\dA-Za-z.,])\d{1,6}[A-Za-z]?"
    rf"(?:[ ]+{_EN_WORD}){{1,4}}?"
    rf"[ ]+(?:{_EN_SUFFIX})(?![A-Za-z])\.?"
    r"(?:,?[ ]*(?:Apt|Suite|Unit|#)\.?[ ]*[A-Za-z0-9-]+)?"
)

# Place-name character: a CJK ideograph that is not a common function word, so that chatter
# like "地址是" / "寄到" / "我住在" in front of an address is not swallowed with it.
_N = r"(?:(?![的址是在我你他她们了到寄送为请给住从往把被说去就])[\u4e00-\u9fff])"
# Road suffixes; the lookbehinds drop everyday words ending in 道/路 (知道15号, 一路3号).
_ROAD = r"(?:大道|胡同|(?<![知味频渠通轨难地一顺厚霸报])道|(?<![一线电思套走出网道回])路|街|巷|弄)"
_PARTS = r"(?:\d+(?:号楼|栋|幢|单元|层|楼))"
_ZH_ADDRESS = re.compile(
    rf"(?:{_N}{{2,7}}?(?:省|自治区))?(?:{_N}{{2,4}}?市)?(?:{_N}{{1,4}}?[区县市])?"
    rf"(?:{_N}{{1,6}}?{_ROAD}\d+(?:-\d+)?号院?|{_N}{{0,8}}?小区\d+(?:号楼|栋|幢))"
    rf"(?:{_PARTS}+(?:\d+室|\d{{3,4}}(?!\d))?|\d+室)?"
)
# Cheap gate: a Chinese address always has a road suffix or 小区 right before a digit; scanning
# the backtracking pattern above only when this hits keeps digit-bearing reviews fast.
_ZH_HINT = re.compile(r"(?:[路街道巷弄同]|小区)\d")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # ISO 7064 MOD 11-2, indexed by weighted sum % 11


def _plausible_birth(ymd: str) -> bool:
    """A real calendar date between 1900 and 2099 (kills date-prefixed order ids)."""
    year, month, day = int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8])
    if not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _valid_id(value: str) -> bool:
    """18-char IDs need checksum + birth date; legacy 15-digit IDs only a 19YYMMDD date."""
    if len(value) == 15:
        return _plausible_birth("19" + value[6:12])
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper() and _plausible_birth(value[6:14])


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _valid_card(value: str) -> bool:
    """Luhn plus a card-network first digit (3-6, 9, or 22-27): order ids starting 20xx fail."""
    digits = re.sub(r"\D", "", value)
    if not 13 <= len(digits) <= 19:
        return False
    first = digits[0]
    network = first in "34569" or (first == "2" and "2" <= digits[1] <= "7")
    return network and _luhn(digits)


def _valid_phone(value: str) -> bool:
    """E.164 numbers have at most 15 digits; anything under 7 is not a phone number."""
    return 7 <= sum(ch.isdigit() for ch in value) <= 15


def _always(_: str) -> bool:
    return True


_Rule = tuple[str, re.Pattern[str], Callable[[str], bool], Callable[[str], object]]


def _has_at(text: str) -> bool:
    return "@" in text


class PiiScrubber:
    """Finds and replaces personal data; construct once and reuse (patterns are compiled)."""

    def __init__(self, config: ScrubConfig | None = None) -> None:
        cfg = config or ScrubConfig()
        # Order matters: an e-mail's digits are not a phone, an ID is not a bank card.
        candidates: list[tuple[bool, _Rule]] = [
            (cfg.emails, ("EMAIL", _EMAIL, _always, _has_at)),
            (cfg.id_numbers, ("ID_NUMBER", _ID, _valid_id, _always)),
            (cfg.bank_cards, ("BANK_CARD", _CARD, _valid_card, _always)),
            (cfg.phones, ("PHONE", _PHONE, _valid_phone, _always)),
            (cfg.addresses, ("ADDRESS", _EN_ADDRESS, _always, _always)),
            (cfg.addresses, ("ADDRESS", _ZH_ADDRESS, _always, _ZH_HINT.search)),
        ]
        self.config = cfg
        self._rules: tuple[_Rule, ...] = tuple(rule for on, rule in candidates if on)

    def findings(self, text: str) -> list[Finding]:
        """Non-overlapping findings sorted by position; earlier kinds win overlaps."""
        if not _PRECHECK.search(text):
            return []
        found: list[Finding] = []
        for kind, pattern, valid, gate in self._rules:
            if not gate(text):
                continue
            for m in pattern.finditer(text):
                start, end = m.span()
                if any(start < f.end and f.start < end for f in found):
                    continue
                if valid(m.group()):
                    found.append(Finding(kind, start, end))
        found.sort(key=lambda f: f.start)
        return found

    def scrub(self, text: str | None) -> str | None:
        """Return text with each finding replaced by ``<KIND>``; None and PII-free text as-is."""
        if text is None or not _PRECHECK.search(text):
            return text
        found = self.findings(text)
        if not found:
            return text
        parts: list[str] = []
        pos = 0
        for f in found:
            parts.append(text[pos : f.start])
            parts.append(f"<{f.kind}>")
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts)


_DEFAULT = PiiScrubber()


def scrub_text(text: str | None) -> str | None:
    """Scrub with the default configuration (all kinds on)."""
    return _DEFAULT.scrub(text)
