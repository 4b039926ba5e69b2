"""`shopformer search-report`: rising, falling, zero-result and high-exit queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from shopformer.cli.output import console, errors, text_table
from shopformer.core.errors import ShopformerError

if TYPE_CHECKING:
    from shopformer.tasks.search.trends import SearchTrends
    from shopformer.workspace import Workspace

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


def search_report(
    workspace: WorkspaceOption = Path("."),
    days: Annotated[int, typer.Option(
        min=1, help="Length of the last window, compared with as many days before it.")] = 7,
    channel: Annotated[str | None, typer.Option(
        help="Only searches on this channel (web, app, mini, …); all when not given.")] = None,
    min_count: Annotated[int, typer.Option(
        min=1, help="Fewest searches for a query to be judged at all.")] = 5,
    top: Annotated[int, typer.Option(min=1, help="Rows shown per section.")] = 10,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the whole report as JSON instead of tables.")] = False,
) -> None:
    """Which search queries are rising or falling (significant changes only, not noise),
    which find nothing, and after which shoppers leave without looking at any item."""
    from shopformer.tasks.search.trends import search_trends
    from shopformer.workspace import Workspace

    try:
        with Workspace.open(workspace) as shop:
            trends = search_trends(shop.store, window_days=days, min_count=min_count,
                                   result_count=result_counter(shop), channel=channel)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    if as_json:
        typer.echo(json.dumps(trends.to_dict(), ensure_ascii=False, indent=2))
    else:
        show_trends(trends, top)


def result_counter(shop: Workspace) -> Callable[[str], int] | None:
    """How many results the shop's active search model finds for a query: what the
    zero-result section asks. None (the section is skipped, and the report says so) while
    the workspace has no search model yet (`shopformer search` trains one)."""
    from shopformer.workspace import SEARCH_MODEL

    if shop.models.active(SEARCH_MODEL) is None:
        return None
    engine = shop.search_engine(personalize=False)
    return lambda query: engine.search(query, k=1).matches if query.strip() else 0


def show_trends(trends: SearchTrends, top: int) -> None:
    rate = "" if trends.exit_rate is None else f"; {trends.exit_rate:.0%} left without an item"
    console.print(f"searches{f' on {trends.channel}' if trends.channel else ''}: "
                  f"{trends.searches:,} from {trends.since:%Y-%m-%d %H:%M} to "
                  f"{trends.until:%Y-%m-%d %H:%M}, {trends.searches_before:,} in the "
                  f"{trends.window_days} days before{rate}", highlight=False)
    if not trends.searches and not trends.searches_before:  # nothing to tabulate
        for note in trends.notes:
            console.print(f"note: {note}", highlight=False)
        return
    for title, entries in (("rising", trends.rising), ("falling", trends.falling)):
        table = _table(f"{title} queries", ("query", "now", "before", "share ×", "p", "typed as"))
        for t in entries[:top]:
            ratio = "new" if t.share_ratio is None else f"{t.share_ratio:.2f}"
            table.add_row(t.query, f"{t.count:,}", f"{t.count_before:,}", ratio,
                          f"{t.p_value:.1e}", " | ".join(t.examples))
        _print(table)
    if trends.zero_result is not None:
        table = _table("zero-result queries", ("query", "searches", "typed as"))
        for z in trends.zero_result[:top]:
            table.add_row(z.query, f"{z.count:,}", " | ".join(z.examples))
        _print(table)
    table = _table("high-exit queries", ("query", "searches", "exits", "exit rate",
                                         "at least", "typed as"))
    for e in trends.high_exit[:top]:
        table.add_row(e.query, f"{e.searches:,}", f"{e.exits:,}", f"{e.exit_rate:.0%}",
                      f"{e.exit_rate_low:.0%}", " | ".join(e.examples))
    _print(table)
    for note in trends.notes:
        console.print(f"note: {note}", highlight=False)


def _table(title: str, columns: tuple[str, ...]) -> Table:
    return text_table(title, columns, right=set(columns) - {"query", "typed as"})


def _print(table: Table) -> None:
    if not table.row_count:
        table.caption = "none"
    console.print(table)
