"""Recognising a data set's files by their first lines, so adapters never trust names alone.

Several public data sets share file names (`train.csv` is both BANKING77 and Home Depot), so
each adapter recognises a file by its header (or, for header-less files, by the shape of its
first rows) and a directory by the files inside it.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from pathlib import Path

from shopformer.core.errors import InputError, Location

_PEEK_BYTES = 1 << 16
Recognise = Callable[[Path], bool]


def first_lines(path: Path, count: int = 1) -> list[str]:
    """The first `count` lines, BOM and line ends removed; [] for an unreadable file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_PEEK_BYTES)
    except OSError:
        return []
    head = head.removeprefix(codecs.BOM_UTF8)
    lines = head.decode("utf-8", errors="replace").splitlines()
    return [line.lstrip("\ufeff") for line in lines[:count]]


def header(path: Path, delimiter: str = ",") -> list[str]:
    """The column names of the first line, as the csv module splits them."""
    lines = first_lines(path)
    if not lines:
        return []
    return [name.strip() for name in next(csv.reader(lines, delimiter=delimiter), [])]


def has_header(path: Path, *names: str, delimiter: str = ",", suffixes: tuple[str, ...] = (
        ".csv", ".txt", ".tsv")) -> bool:
    """True when the file's header starts with `names` (in that order)."""
    if not path.is_file() or path.suffix.lower() not in suffixes:
        return False
    return header(path, delimiter)[: len(names)] == list(names)


def has_columns(path: Path, *names: str, suffixes: tuple[str, ...] = (".csv",)) -> bool:
    """True when the file's header holds all of `names`, in any order and among others (a
    shop system's export, whose columns shift between versions)."""
    if not path.is_file() or path.suffix.lower() not in suffixes:
        return False
    return set(names) <= set(header(path))


def matches(path: Path, recognise: Recognise) -> bool:
    """A recognised file, or a directory holding at least one."""
    if path.is_dir():
        return any(recognise(child) for child in path.iterdir())
    return recognise(path)


def data_files(path: Path, recognise: Recognise) -> list[Path]:
    """The files to read: the file itself, or a directory's recognised files in name order."""
    if not path.is_dir():
        return [path]
    found = sorted(child for child in path.iterdir() if recognise(child))
    if not found:
        raise InputError("no file of this data set in the directory", Location(str(path)))
    return found
