"""The demo shop's settings, checked once so every later step can trust them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Channel order is an index everywhere in demo/: arrays carry 0..3, files carry the names.
CHANNELS: tuple[str, ...] = ("web", "app", "mini", "store")
ONLINE = (0, 1, 2)
STORE = 3

MIN_ITEMS = 40  # every leaf category needs a few items, some of them planted
MIN_DAYS = 30  # the complaint burst sits in the last 30 days


@dataclass(frozen=True)
class DemoConfig:
    """How big the demo shop is and how its history looks.

    The defaults give about 60k events, a laptop minute from build to a trained model.
    """

    seed: int = 7
    persons: int = 1000
    items: int = 300
    days: int = 120  # history length, ending at end_date (inclusive)
    end_date: str = "2026-10-31"
    events_per_person: float = 60.0  # mean over persons; activity varies per person
    review_rate: float = 0.3  # share of purchases that get a review (the burst comes on top)
    conversations: int = 400
    fraud_ring_size: int = 12

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        _at_least("persons", self.persons, 20)
        _at_least("items", self.items, MIN_ITEMS)
        _at_least("days", self.days, MIN_DAYS)
        _at_least("conversations", self.conversations, 1)
        _at_least("fraud_ring_size", self.fraud_ring_size, 2)
        if not self.events_per_person > 0:
            raise ValueError(
                f"events_per_person must be positive, got {self.events_per_person!r}")
        if not 0.0 <= self.review_rate <= 1.0:
            raise ValueError(f"review_rate is a share and must lie in [0, 1], "
                             f"got {self.review_rate!r}")
        try:
            date.fromisoformat(self.end_date)
        except (TypeError, ValueError):
            raise ValueError(f"end_date must be an ISO date like 2026-10-31, "
                             f"got {self.end_date!r}") from None

    @property
    def last_day(self) -> date:
        return date.fromisoformat(self.end_date)


def _at_least(name: str, value: object, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")
