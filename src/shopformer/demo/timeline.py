"""The shop's history window and the demand curves planted on it.

Times inside demo/ are integer seconds since the window's first midnight (UTC); they only
become ISO strings when written, which keeps every step vectorized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAY = 86_400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Shoppers browse and buy more at the weekend; normalised to mean 1 so rates stay readable.
_WEEKLY_RAW = np.array([0.90, 0.86, 0.90, 0.95, 1.05, 1.24, 1.18])
WEEKLY = _WEEKLY_RAW / _WEEKLY_RAW.mean()
TREND_RATIO = 1.15  # last-30-days demand over first-30-days demand that counts as a trend


@dataclass(frozen=True)
class Timeline:
    first_day: date
    days: int

    @classmethod
    def ending(cls, last_day: date, days: int) -> Timeline:
        return cls(last_day - timedelta(days=days - 1), days)

    @property
    def end_second(self) -> int:
        return self.days * DAY

    @property
    def day_of_week(self) -> np.ndarray:
        return (np.arange(self.days) + self.first_day.weekday()) % 7  # (D,) Mon = 0

    @property
    def day_of_year(self) -> np.ndarray:
        start = self.first_day.timetuple().tm_yday
        return start + np.arange(self.days)  # (D,) may pass 365, the curves are periodic

    def weekly(self) -> np.ndarray:
        return WEEKLY[self.day_of_week]  # (D,)

    def day_iso(self, day: int) -> str:
        return (self.first_day + timedelta(days=int(day))).isoformat()

    def iso(self, seconds: np.ndarray) -> np.ndarray:
        """ISO 8601 UTC strings like 2026-07-03T10:15:00Z for an array of window seconds."""
        epoch = np.datetime64(self.first_day.isoformat(), "s")
        stamps = epoch + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
        return np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")


def season_curve(peak_day_of_year: int, amplitude: float, day_of_year: np.ndarray) -> np.ndarray:
    """A yearly cycle peaking on one day of the year: exp(a·cos(2π(d − peak)/365.25))."""
    phase = 2 * np.pi * (day_of_year - peak_day_of_year) / 365.25
    return np.exp(amplitude * np.cos(phase))


def season_matrix(seasons: list[tuple[int, float]], timeline: Timeline) -> np.ndarray:
    """(C, D) demand factor per category and day, each row normalised to mean 1 over the
    window so the categories' base rates stay comparable."""
    rows = [season_curve(peak, amp, timeline.day_of_year) for peak, amp in seasons]
    matrix = np.vstack(rows)
    return matrix / matrix.mean(axis=1, keepdims=True)


def trend(curve: np.ndarray) -> str:
    """'up', 'down' or 'flat': mean demand of the last 30 days against the first 30."""
    span = min(30, len(curve) // 2)
    ratio = curve[-span:].mean() / curve[:span].mean()
    if ratio > TREND_RATIO:
        return "up"
    if ratio < 1 / TREND_RATIO:
        return "down"
    return "flat"
