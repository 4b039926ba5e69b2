"""Training windows and the item frequencies the log-Q correction reads from them."""

from __future__ import annotations

import numpy as np

from shopformer.data.batches import item_frequency, windows
from shopformer.data.sequences import PersonSequences


def sequences(*histories: list[int]) -> PersonSequences:
    items = np.array([i for h in histories for i in h], np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(h) for h in histories])])
    zeros = np.zeros_like(items)
    return PersonSequences([f"p{n}" for n in range(len(histories))], offsets, items,
                           zeros + 1, zeros + 1, zeros + 1)


def test_item_frequency_counts_only_events_inside_the_training_windows():
    data = sequences([2, 3, 3, 4], [5, 2, 9])
    held_out = np.array([1, 1])  # the last event of each person is a validation target
    spans = windows(data, max_events=50, held_out=held_out)
    frequency = item_frequency(data, spans, num_items=10)
    expected = np.zeros(10)
    expected[[2, 3, 5]] = [2, 2, 1]  # 4 and 9 are held out, never counted
    assert np.allclose(frequency, expected / 5)
    assert frequency.dtype == np.float32 and np.isclose(frequency.sum(), 1.0)


def test_item_frequency_of_no_windows_is_zero():
    data = sequences([2])
    assert not item_frequency(data, windows(data, 50), 4).any()
