"""How the CLI shows things: summaries and stats as rich tables, errors in one red line."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shopformer.ingest.pipeline import IngestSummary
from shopformer.storage.base import KindStats

console = Console()
errors = Console(stderr=True)


def text_table(title: str | None, columns: Iterable[str], right: Collection[str] = ()
               ) -> Table:
    """A table whose long cells fold onto the next line and never end in "…": rich wraps
    cells holding Chinese badly and cut words short ("Variety Pac…") at some widths.
    `right`: the columns aligned right (numbers)."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left",
                         overflow="fold")
    return table


FEW_HELD_OUT = 100  # held-out events under which validation numbers say little


def show_summary(summary: IngestSummary) -> None:
    table = Table(title=f"ingest {summary.source} ({summary.adapter}) in {summary.seconds:.1f}s")
    for column in ("kind", "accepted", "duplicate", "updated", "rejected", "erased"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, counts in [*summary.kinds.items(), ("total", summary.total)]:
        table.add_row(kind, f"{counts.accepted:,}", f"{counts.duplicates:,}",
                      f"{counts.updated:,}", f"{counts.rejected:,}", f"{counts.erased:,}")
    console.print(table)
    if summary.persons_changed:
        console.print(f"identity: {summary.persons_changed:,} accounts joined or changed person")
    if summary.rejects_file and summary.total.rejected:
        console.print(f"rejected rows and their reasons: {summary.rejects_file}")
    for file, read_as in summary.read_as.items():
        console.print(f"{Path(file).name}: columns read by their common names: "
                      + ", ".join(f"{theirs} as {ours}" for ours, theirs in read_as.items())
                      + " (--map our_field=their_column reads them otherwise)")
    for file, note in summary.notes.items():
        console.print(f"{Path(file).name}: {note}")
    for file, maybe in summary.maybe.items():
        console.print(f"{Path(file).name}: kept in extra, though named like our fields: "
                      + ", ".join(f"{theirs} ({ours})" for ours, theirs in maybe.items())
                      + "; read them so with " + " ".join(
                          f"--map {ours}={theirs}" for ours, theirs in maybe.items())
                      + " (its rows are keyed by their content, so a file stored before "
                        "would be stored again)")


def _held_out(metrics: dict) -> str:
    """On how many held-out events the validation numbers stand, and a word when they are
    too few to mean much (4 events read NDCG@10 1.0)."""
    events = metrics.get("validation_events")
    if events is None:
        return ""
    few = events < FEW_HELD_OUT
    return (f", on {events:,} held-out event{'s' if events != 1 else ''}"
            + (": too few to tell a good model from a poor one" if few else ""))


def show_stats(stats: dict[str, KindStats], persons: int) -> None:
    table = Table(title="what is in the store")
    for column in ("kind", "rows", "from", "to", "by channel", "by type / data set"):
        table.add_column(column)
    for kind, kind_stats in stats.items():
        table.add_row(kind, f"{kind_stats.rows:,}", _day(kind_stats.first_ts),
                      _day(kind_stats.last_ts), _counts(kind_stats.by_channel),
                      _counts(kind_stats.by_type))
    console.print(table)
    console.print(f"persons (across channels): {persons:,}")


def show_model(version: str, path: object, metrics: dict) -> None:
    table = Table(title=f"shop model {version}")
    table.add_column("")
    table.add_column("")
    rows = [("saved in", str(path)), ("persons / events / items",
             f"{metrics.get('persons', 0):,} / {metrics.get('events', 0):,} / "
             f"{metrics.get('items', 0):,}"),
            ("objectives", ", ".join(metrics.get("objectives", []))),
            ("epochs (best)", f"{metrics.get('epochs')} ({metrics.get('best_epoch')})"),
            ("validation NDCG@10", f"{metrics.get('validation_ndcg@10', 0):.4f}" + (
                f" (the most popular items for everyone: "
                f"{metrics['popularity_ndcg@10']:.4f})"
                if "popularity_ndcg@10" in metrics else "") + _held_out(metrics)),
            ("events per second", f"{metrics.get('events_per_second') or 0:,.0f}"),
            ("training time", f"{metrics.get('train_seconds', 0):.0f} s")]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _day(moment: object) -> str:
    return "" if moment is None else str(moment)[:16]


def _counts(counts: dict[str, int], most: int = 6) -> str:
    items = list(counts.items())
    shown = ", ".join(f"{name} {count:,}" for name, count in items[:most])
    return shown + (f", … (+{len(items) - most})" if len(items) > most else "")
