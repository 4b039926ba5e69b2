"""Which text encoding a file uses: UTF-8 (with or without BOM) first, otherwise a guess.

Chinese shops still export GBK/GB18030 and Excel writes cp1252 or UTF-16; guessing is better
than garbage, and the guess is reported so a person can override it with --encoding.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from shopformer.core.errors import InputError, Location

_SAMPLE = 1 << 20
_SAME_AS = {"gb2312": "gb18030", "gbk": "gb18030", "ascii": "utf-8", "utf_8": "utf-8",
            "big5hkscs": "big5", "windows-1252": "cp1252", "iso-8859-1": "cp1252",
            "latin_1": "cp1252"}


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(sample):
        return "utf-8"
    if _looks_chinese(sample):
        return "gb18030"
    best = from_bytes(sample).best()
    if best is None:
        raise InputError("cannot tell the text encoding; pass --encoding (e.g. gb18030, cp1252)",
                         Location(str(path)))
    name = best.encoding.lower()
    return _SAME_AS.get(name, name)


def check_encoding(path: Path, encoding: str) -> None:
    """Fail early, with the row, when a file is not in the encoding it was declared to be in."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_SAMPLE):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                offset = handle.tell() - len(chunk) + error.start
                line += _count_lines(path, offset)
                raise InputError(
                    f"not valid {encoding} at byte {offset} (line {line}); "
                    f"it looks like {detect_encoding(path)}: pass --encoding to say which",
                    Location(str(path), line - 1)) from None


def _count_lines(path: Path, upto: int) -> int:
    with path.open("rb") as handle:
        return handle.read(upto).count(b"\n")


def _is_utf8(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < _SAMPLE)
    except UnicodeDecodeError:
        return False
    return True


def _looks_chinese(sample: bytes) -> bool:
    """GB18030 (a superset of GBK and GB2312) is what Chinese exports use; short samples fool
    statistical guessers into Big5, so accept GB18030 when it decodes to common Han text."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    wide = [i for i, ch in enumerate(text) if ord(ch) > 127]
    han = [i for i in wide if _is_han(text[i])]
    # Latin-1 text misread as GB18030 gives lone Han characters between letters ("Caf齟);
    # Chinese text comes in runs. Ask for mostly Han, mostly in runs.
    in_runs = sum(1 for i in han if (i > 0 and _is_han(text[i - 1]))
                  or (i + 1 < len(text) and _is_han(text[i + 1])))
    return bool(han) and len(han) / len(wide) >= 0.9 and in_runs / len(han) >= 0.6


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
