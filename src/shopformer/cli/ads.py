"""`shopformer ads train`: an ad ranker from the shop's ad impression log, for the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shopformer.cli.output import console, errors
from shopformer.cli.progress import working
from shopformer.core.errors import ShopformerError

app = typer.Typer(help="Ad ranking: calibrated pCTR and pCVR, ranked by expected value.",
                  no_args_is_help=True)

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


@app.command()
def train(
    path: Annotated[Path, typer.Argument(
        help="The impression log (csv, tsv, jsonl, parquet, xlsx): one row per impression, "
             "clicked and converted 1/0, and the features known when it was shown.")],
    workspace: WorkspaceOption = Path("."),
    numeric: Annotated[list[str] | None, typer.Option(
        help="A numeric feature column (repeat); default: read off the columns.")] = None,
    categorical: Annotated[list[str] | None, typer.Option(
        help="A categorical feature column (repeat).")] = None,
    objective: Annotated[str | None, typer.Option(
        help="Rank by bid*ctr*cvr (CPA or value bids; the default) or bid*ctr (CPC bids; "
             "the default for a log of clicks alone).")] = None,
) -> None:
    """Train the ad ranker on an impression log: pCTR on every impression, pCVR on the
    clicked ones, both calibrated; report them on a held-out fifth (the latest impressions
    when the log has a time column), then learn from every row and activate it (the
    server's /v1/ads/rank ranks with it)."""
    from shopformer.workspace import Workspace

    try:
        with Workspace.open(workspace) as shop, working("training the ad ranker"):
            version, report = shop.train_ads(path, numeric=tuple(numeric or ()),
                                             categorical=tuple(categorical or ()),
                                             objective=objective)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(error.exit_code) from None
    converted = report["conversions"]
    console.print(f"{report['rows']:,} impressions, {report['clicks']:,} clicks, " +
                  (f"{converted:,} conversions" if converted is not None else
                   "no conversions logged (pCTR only)") +
                  f"; ranked by {report['objective']}", highlight=False)
    console.print("features: " + ", ".join(
        [f"{n} (numeric)" for n in report["numeric"]] +
        [f"{n} (categorical)" for n in report["categorical"]]), highlight=False)
    for name, why in report["left_out"].items():
        console.print(f"[dim]left out: {name} — {why}[/dim]", highlight=False)
    which = "latest" if report["held_out_by"] == "time" else "random"
    table = Table(title=f"held out: the {report['held_out']:,} {which} impressions")
    for column in ("head", "rows", "AUC", "log-loss", "base-rate log-loss", "ECE"):
        table.add_column(column, justify="left" if column == "head" else "right")
    for head, label in (("ctr", "pCTR"), ("cvr", "pCVR (clicked rows)")):
        if head not in report["scores"]:
            continue
        s = report["scores"][head]
        table.add_row(label, f"{s['rows']:,.0f}", f"{s['auc']:.4f}", f"{s['logloss']:.4f}",
                      f"{report['base_rate_logloss'][head]:.4f}", f"{s['ece']:.4f}")
    console.print(table)
    console.print(f"ad ranker {version} (active)", highlight=False)
