"""The adapter contract: turn one data set's files into batches of our records."""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.core.errors import ConfigError
from shopformer.core.registry import Registry
from shopformer.ingest.readers import BATCH_ROWS
from shopformer.ingest.source import RawBatch


class DatasetAdapter(ABC):
    """Reads one data set (a file or a directory) and yields `RawBatch`es of our records.

    Columns are renamed to our field names; anything else the source has stays as extra
    columns (kept in `extra`), so nothing is lost. Raw ids are passed through as they are:
    pseudonymizing and scrubbing happen later, in one place, for every source alike.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    # Columns (ours or the source's) holding personal ids the generic rules would miss,
    # e.g. a key built from a raw user id: the pipeline pseudonymizes them whole.
    pii_columns: ClassVar[tuple[str, ...]] = ()
    # the record kind of a shop system's own export layout (Shopify's orders: "order"), so
    # that `--kind order` without a mapping reads such a file through its adapter
    layout_kind: ClassVar[str | None] = None

    @classmethod
    @abstractmethod
    def matches(cls, path: Path) -> bool:
        """True when `path` (a file or directory) looks like this adapter's data set."""

    @abstractmethod
    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        """Yield the records; `keep_going` turns unparsable rows into rejections."""


ADAPTERS: Registry[type[DatasetAdapter]] = Registry("adapter")


def load_all() -> None:
    """Import every adapter module, registering it."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name != "base":
            importlib.import_module(f"shopformer.ingest.adapters.{module.name}")


def find_adapter(path: Path, name: str | None = None) -> DatasetAdapter:
    """The named adapter, or the one whose data set `path` looks like."""
    load_all()
    if name:
        return ADAPTERS.get(name)()
    found = [adapter for _, adapter in ADAPTERS.items() if adapter.matches(path)]
    if not found:
        raise ConfigError(f"{path}: no adapter recognises it; name one with --adapter "
                          f"({', '.join(ADAPTERS)}) or give --kind with a column mapping")
    if len(found) > 1:
        names = ", ".join(a.name for a in found)
        raise ConfigError(f"{path}: several adapters match ({names}); choose with --adapter")
    return found[0]()


def layout_adapter(path: Path, kind: str) -> DatasetAdapter | None:
    """The adapter of a shop system's export layout of `kind` that recognises `path`, if
    any: Shopify's products export given as `--kind item` stopped at its first image row."""
    load_all()
    for _, adapter in ADAPTERS.items():
        if adapter.layout_kind == kind and adapter.matches(path):
            return adapter()
    return None
