"""`shopformer opinions`: what customers are unhappy about, where, and since when."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from shopformer.cli.output import console, errors, text_table
from shopformer.cli.progress import working
from shopformer.core.errors import ConfigError, ShopformerError

if TYPE_CHECKING:
    from shopformer.tasks.reviews.opinions import OpinionReport
    from shopformer.workspace import Workspace

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]
RetrainOption = Annotated[bool, typer.Option(
    help="Train a new sentiment model from the store's rated reviews first (else the active "
         "one is used, and trained only if there is none).")]


def ready_sentiment(shop: Workspace, retrain: bool) -> None:
    """Train the sentiment model when asked to, or when the workspace has none yet."""
    from shopformer.workspace import SENTIMENT_MODEL

    if retrain or shop.models.active(SENTIMENT_MODEL) is None:
        console.print("training the sentiment model from the store's rated reviews…")
        with working("training sentiment"):
            version, _ = shop.train_sentiment()
        console.print(f"sentiment model {version}")


def opinions(
    workspace: WorkspaceOption = Path("."),
    days: Annotated[int, typer.Option(min=1, help="Periods in the report's window.")] = 30,
    period: Annotated[int, typer.Option(min=1, help="Days per period (1: daily).")] = 1,
    baseline: Annotated[int, typer.Option(
        min=1, help="Periods before each one that form its baseline.")] = 28,
    alpha: Annotated[float, typer.Option(
        help="Chance of any false alert in the report (Bonferroni over its tests).")] = 0.01,
    min_negative: Annotated[int, typer.Option(
        min=1, help="Fewest negative reviews in a period for an alert.")] = 5,
    until: Annotated[str | None, typer.Option(
        help="Last day of the report, YYYY-MM-DD (default: the latest review's).")] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows shown per section.")] = 10,
    retrain: RetrainOption = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the whole report as JSON instead of tables.")] = False,
) -> None:
    """Negative share per item, category and brand; alerts where it or the number of
    negative reviews rose significantly over its own baseline; the top complaint themes."""
    from shopformer.tasks.reviews.monitor import MonitorConfig
    from shopformer.tasks.reviews.opinions import opinion_report
    from shopformer.workspace import Workspace

    try:
        last = _day(until)
        config = MonitorConfig(period_days=period, window_periods=days,
                               baseline_periods=baseline,
                               min_baseline_periods=min(7, baseline), alpha=alpha,
                               min_negative=min_negative)
        with Workspace.open(workspace) as shop:
            ready_sentiment(shop, retrain)
            report = opinion_report(shop.store, shop.review_analyzer(), config, until=last,
                                    timezone=shop.settings.timezone, top=top)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        show_report(report, top)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--until: {text!r} is not a date (YYYY-MM-DD)") from None


def show_report(report: OpinionReport, top: int) -> None:
    share = report.negatives / report.reviews if report.reviews else 0.0
    console.print(f"reviews {report.since} to {report.until}: {report.reviews:,}, "
                  f"{report.negatives:,} negative ({share:.0%}); {report.tests:,} tests",
                  highlight=False)
    # one sentence per alert: a ten-column table cut every cell short on 80 columns
    console.print(f"[bold]alerts[/bold]: {len(report.alerts) or 'none'}"
                  + (f", the first {top} shown" if len(report.alerts) > top else ""),
                  highlight=False)
    for a in report.alerts[:top]:
        # wrapped by hand, indented under the mark: a grid cell (rich 15) cut a word short
        # ("negativ…") on lines with Chinese titles
        lines = Text(a.reason(report.title(a))).wrap(console, max(20, console.width - 3))
        for number, line in enumerate(lines):
            console.print(Text(" ▲ " if number == 0 else "   ") + line, highlight=False)
    table = text_table("complaint themes", ("theme", "aspect", "clauses", "share", "for example"))
    for t in report.themes[:top]:
        table.add_row(t.label, t.aspect or "-", str(t.clauses), f"{t.share:.0%}",
                      " | ".join(e["text"] for e in t.examples[:2]))
    _print(table)
    table = text_table("highest negative share", ("level", "key", "reviews", "negative", "share"))
    for s in report.worst[:top]:
        title = report.title(s)
        table.add_row(s.level, f"{s.key} {title}" if title else s.key, str(s.reviews),
                      str(s.negatives),
                      f"{s.negative_share:.0%}")
    _print(table)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)


def _print(table: Table) -> None:
    if not table.row_count:
        table.caption = "none"
    console.print(table)
