"""A rich progress bar for long work, counting rows; quiet when output is not a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shopformer.cli.output import errors


@contextmanager
def row_progress(label: str) -> Iterator[Callable[[int], None]]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,} rows"), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True,
                  disable=not errors.is_terminal) as progress:
        task = progress.add_task(label, total=None)
        yield lambda rows: progress.advance(task, rows)


@contextmanager
def working(label: str) -> Iterator[None]:
    """A spinner with the time elapsed, for work that cannot count its steps (training a
    model on 60,000 reviews took four minutes behind one printed line)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True,
                  disable=not errors.is_terminal) as progress:
        progress.add_task(label, total=None)
        yield
