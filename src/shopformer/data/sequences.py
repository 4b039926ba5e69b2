"""Each person's events across channels, in time order, as index arrays for the model.

Kept flat (one array per field plus offsets) so a million persons cost a few arrays, not a
million Python lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.data.vocab import FIRST_ID, ShopVocabulary
from shopformer.storage.base import Store

GAP_BUCKETS = 16  # 0 pad, 1 first event, 2..15 log-spaced gaps from under a minute to months


@dataclass
class PersonSequences:
    person_ids: list[str]
    offsets: np.ndarray  # (P + 1,) start of each person's events
    items: np.ndarray  # (E,) item index
    types: np.ndarray
    channels: np.ndarray
    gaps: np.ndarray

    def __len__(self) -> int:
        return len(self.person_ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def events(self) -> int:
        return int(self.offsets[-1])

    def person(self, index: int) -> dict[str, np.ndarray]:
        part = slice(self.offsets[index], self.offsets[index + 1])
        return {"items": self.items[part], "types": self.types[part],
                "channels": self.channels[part], "gaps": self.gaps[part]}

    def subset(self, persons: np.ndarray, drop_last: int = 0) -> PersonSequences:
        """Some persons, each without their last `drop_last` events (for held-out targets)."""
        starts, ends = self.offsets[persons], self.offsets[persons + 1] - drop_last
        keep = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)]
                              or [np.array([], np.int64)])
        offsets = np.concatenate([[0], np.cumsum(ends - starts)])
        return PersonSequences([self.person_ids[i] for i in persons], offsets,
                               self.items[keep], self.types[keep], self.channels[keep],
                               self.gaps[keep])


def gap_buckets(seconds: np.ndarray, first: np.ndarray) -> np.ndarray:
    minutes = np.maximum(seconds, 0) / 60.0
    buckets = FIRST_ID + np.minimum(np.floor(np.log2(1.0 + minutes)), GAP_BUCKETS - 3)
    return np.where(first, 1, buckets).astype(np.int64)


def build_sequences(store: Store, vocab: ShopVocabulary) -> PersonSequences:
    """Item events of every person, ordered by time; searches (no item) are left out."""
    columns = ["person_id", "ts", "item_id", "type", "channel"]
    batches = list(store.read_batches("event", columns=columns,
                                      order_by=["person_id", "ts", "event_id"]))
    if not batches:
        empty = np.zeros(0, np.int64)
        return PersonSequences([], np.zeros(1, np.int64), empty, empty, empty, empty)
    table = pa.Table.from_batches(batches)
    table = table.filter(pc.is_valid(table["item_id"]))
    persons = table["person_id"].to_numpy(zero_copy_only=False)
    change = np.concatenate([[True], persons[1:] != persons[:-1]]) if len(persons) else \
        np.zeros(0, bool)
    starts = np.flatnonzero(change)
    offsets = np.concatenate([starts, [len(persons)]]).astype(np.int64)
    stamps = table["ts"].cast(pa.int64()).to_numpy(zero_copy_only=False) / 1e6
    seconds = np.diff(stamps, prepend=stamps[:1] if len(stamps) else stamps)
    return PersonSequences(
        person_ids=[str(p) for p in persons[starts]], offsets=offsets,
        items=vocab.items.index(table["item_id"]), types=vocab.types.index(table["type"]),
        channels=vocab.channels.index(table["channel"]), gaps=gap_buckets(seconds, change))
