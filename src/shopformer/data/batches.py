"""Batches of person sequences, grouped by length so little compute goes to padding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from shopformer.data.sequences import PersonSequences


@dataclass
class SequenceBatch:
    """Right-padded (B, T) index arrays; 0 is padding."""

    items: np.ndarray
    types: np.ndarray
    channels: np.ndarray
    gaps: np.ndarray


def windows(sequences: PersonSequences, max_events: int,
            held_out: np.ndarray | None = None) -> np.ndarray:
    """(start, end) of training windows: each history cut into pieces of at most
    `max_events`, newest piece first, so long histories are used whole. `held_out[p]`
    events at the end of person p are left out (validation targets)."""
    spans = []
    ends = sequences.offsets[1:] - (0 if held_out is None else held_out)
    for start, end in zip(sequences.offsets[:-1], ends, strict=True):
        while end - start >= 2:
            spans.append((max(start, end - max_events), end))
            end -= max_events
    return np.array(spans, dtype=np.int64).reshape(-1, 2)


def span_positions(spans: np.ndarray) -> np.ndarray:
    """Flat event positions inside (start, end) spans, span after span, without a loop:
    each start repeated over its length, plus 0, 1, 2, …"""
    lengths = spans[:, 1] - spans[:, 0]
    return np.repeat(spans[:, 0], lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))


def item_frequency(sequences: PersonSequences, spans: np.ndarray, num_items: int
                   ) -> np.ndarray:
    """Each item's share of the events inside the training windows (float32, sums to 1)."""
    counts = np.bincount(sequences.items[span_positions(spans)], minlength=num_items)
    if not counts.sum():
        return np.zeros(num_items, np.float32)
    return (counts / counts.sum()).astype(np.float32)


def length_batches(spans: np.ndarray, batch_size: int, rng: np.random.Generator
                   ) -> Iterator[np.ndarray]:
    """Shuffle, sort within chunks of 50 batches by length, then shuffle the batches."""
    order = rng.permutation(len(spans))
    chunk = batch_size * 50
    batches = []
    for begin in range(0, len(order), chunk):
        part = order[begin:begin + chunk]
        lengths = spans[part, 1] - spans[part, 0]
        part = part[np.argsort(lengths, kind="stable")]
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    for index in rng.permutation(len(batches)):
        yield batches[index]


def collate(sequences: PersonSequences, spans: np.ndarray) -> SequenceBatch:
    lengths = spans[:, 1] - spans[:, 0]
    width = int(lengths.max()) if len(lengths) else 1
    arrays = {name: np.zeros((len(spans), width), np.int64)
              for name in ("items", "types", "channels", "gaps")}
    for row, (start, end) in enumerate(spans):
        for name, out in arrays.items():
            out[row, : end - start] = getattr(sequences, name)[start:end]
    return SequenceBatch(**arrays)
