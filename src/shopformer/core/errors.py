"""Errors a person can act on: each says what was wrong and where (file, row, field)."""

from __future__ import annotations

from dataclasses import dataclass


class ShopformerError(Exception):
    """Base class of every error Shopformer raises on purpose."""

    exit_code = 1


class ConfigError(ShopformerError):
    """A setting, mapping or command-line option is wrong."""

    exit_code = 2


class NotFittedError(ShopformerError):
    """A task was asked to predict before `fit`."""


@dataclass(frozen=True)
class Location:
    """Where a bad value sits: the file, the 1-based data row (header excluded) and the field."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) or "input"


class InputError(ShopformerError):
    """Input data is malformed; the message names the file, row, field and what was expected."""

    exit_code = 3

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location or Location()
        self.reason = message
        super().__init__(f"{self.location}: {message}")


class StoreError(ShopformerError):
    """The store cannot do what was asked (wrong schema version, locked file, …)."""

    exit_code = 4
