"""The shop's own free text, read from the store: what the tokenizer learns from and what the
item encoder and text↔item alignment read for each item.

Everything streams in store batches, so a catalogue or review history larger than memory is
never loaded at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from shopformer.core.errors import ConfigError
from shopformer.storage.base import Store

ITEM_TEXT_FIELDS = ("title", "description", "category")
PART_SEPARATOR = " | "


@dataclass(frozen=True)
class ItemText:
    """One item's text, for the item encoder and text↔item alignment."""

    item_id: str
    text: str  # title | description | category, empty parts left out


def item_texts(store: Store) -> list[ItemText]:
    """Every item that has any text, ordered by `item_id` so that row i means the same item on
    every call."""
    out: list[ItemText] = []
    batches = store.read_batches("item", columns=["item_id", *ITEM_TEXT_FIELDS],
                                 order_by=["item_id"])
    for batch in batches:
        parts = [batch.column(name).to_pylist() for name in ITEM_TEXT_FIELDS]
        for item_id, *fields in zip(batch.column("item_id").to_pylist(), *parts, strict=True):
            text = PART_SEPARATOR.join(_non_blank(fields))
            if text:
                out.append(ItemText(item_id, text))
    return out


def shop_texts(store: Store, *, limit: int | None = None) -> Iterator[str]:
    """All free text of the shop, streamed: item titles, descriptions and categories, review
    texts, conversation turns, then search queries; blank texts are skipped and `limit` caps
    how many are given."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be a non-negative integer or None, got {limit!r}")
    texts = _all_texts(store)  # a plain function, so a bad limit fails at the call
    return texts if limit is None else itertools.islice(texts, limit)


def _all_texts(store: Store) -> Iterator[str]:
    yield from _column_texts(store, "item", ITEM_TEXT_FIELDS, order_by=["item_id"])
    yield from _column_texts(store, "review", ("text",), order_by=["review_id"])
    yield from _column_texts(store, "turn", ("text",), order_by=["conversation_id", "turn", "ts"])
    yield from _search_queries(store)


def _column_texts(store: Store, kind: str, fields: tuple[str, ...], *,
                  order_by: list[str]) -> Iterator[str]:
    """Row by row, the non-blank values of `fields` in field order."""
    for batch in store.read_batches(kind, columns=list(fields), order_by=order_by):
        columns = [batch.column(name).to_pylist() for name in fields]
        for values in zip(*columns, strict=True):
            yield from _non_blank(values)


def _search_queries(store: Store) -> Iterator[str]:
    # Events are by far the largest kind; they are read in stored order (no sort) and only the
    # two columns needed, so this stays a single streaming scan.
    for batch in store.read_batches("event", columns=["type", "query"]):
        searches = pc.fill_null(pc.equal(batch.column("type"), pa.scalar("search")), False)
        yield from _non_blank(batch.column("query").filter(searches).to_pylist())


def _non_blank(values: Iterable[str | None]) -> Iterator[str]:
    for value in values:
        if value is not None and value.strip():
            yield value.strip()
