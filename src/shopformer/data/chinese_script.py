"""Traditional and Simplified Chinese. The built-in Chinese word lists (support's seed
intents and topics, its hand-off words) are written in Simplified characters; a shop in
Taiwan or Hong Kong, or a customer writing 訂單 / 退貨 / 轉人工, meets them through these
conversions (OpenCC's dictionaries: phrases, not one character at a time)."""

from __future__ import annotations

import re
from functools import cache

HAN = re.compile(r"[\u3400-\u9fff]")


@cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def simplified(text: str) -> str:
    """`text` in Simplified characters (text without Chinese comes back as it was)."""
    return _converter("t2s").convert(text) if HAN.search(text) else text


def traditional(text: str) -> str:
    """`text` in Traditional characters (text without Chinese comes back as it was)."""
    return _converter("s2tw").convert(text) if HAN.search(text) else text
