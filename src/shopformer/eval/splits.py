"""Leave-one-out per person: the last event is the test, the second last the validation.

Settings are chosen on the validation event only; the test event is looked at once, at the
end. Training sees every event before the validation one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopformer.data.sequences import PersonSequences


@dataclass
class LeaveOneOut:
    sequences: PersonSequences  # all events, for building the inputs of each case
    persons: np.ndarray  # persons with at least 3 events: they have train, valid and test
    train: PersonSequences  # those persons without their last two events
    valid_at: np.ndarray  # index (into sequences' flat arrays) of each person's valid event
    test_at: np.ndarray

    def cases(self, split: str) -> np.ndarray:
        if split not in ("valid", "test"):
            raise ValueError(f"split is 'valid' or 'test', got {split!r}")
        return self.valid_at if split == "valid" else self.test_at


def leave_one_out(sequences: PersonSequences, min_events: int = 3) -> LeaveOneOut:
    persons = np.flatnonzero(sequences.lengths >= min_events)
    last = sequences.offsets[persons + 1] - 1
    return LeaveOneOut(sequences, persons, sequences.subset(persons, drop_last=2), last - 1,
                       last)
