"""`shopformer demo`: build the seeded demo shop, ingest it, and show what is in it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, show_model, show_stats, show_summary
from shopformer.cli.progress import row_progress
from shopformer.core.errors import ShopformerError
from shopformer.workspace import SETTINGS_FILE, Workspace


def demo(
    path: Annotated[Path, typer.Argument(help="Workspace to create or reuse.")] = Path("demo-shop"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same shop.")] = 7,
    persons: Annotated[int, typer.Option(help="How many shoppers.")] = 1000,
    items: Annotated[int, typer.Option(help="How many catalog items.")] = 300,
    days: Annotated[int, typer.Option(help="Days of history.")] = 120,
    ingest: Annotated[bool, typer.Option(help="Ingest the files after building them.")] = True,
    pretrain: Annotated[bool, typer.Option(
        help="Pretrain the shop model on the ingested shop and save a version.")] = True,
    minutes: Annotated[float, typer.Option(help="Pretraining budget in minutes.")] = 3.0,
    data_dir: Annotated[Path | None, typer.Option(
        help="Where the demo's raw files go (default: beside the workspace, PATH-data). "
             "They hold raw ids and planted personal data, so never inside the workspace.")
    ] = None,
) -> None:
    """Build a synthetic multi-channel shop with planted truths (tastes, seasonality, a
    complaint burst, a fraud ring, price elasticities), ingest it, print the store's stats
    and pretrain a shop model on it."""
    from shopformer.demo import DemoConfig, build_demo_shop

    try:
        config = DemoConfig(seed=seed, persons=persons, items=items, days=days)
    except ValueError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    try:
        workspace = Workspace.init(path) if not (path / SETTINGS_FILE).exists() \
            else Workspace.open(path)
        with workspace:
            raw_files = data_dir or path.resolve().with_name(path.resolve().name + "-data")
            manifest = build_demo_shop(raw_files, config)
            counts = ", ".join(f"{kind} {n:,}" for kind, n in manifest.counts.items())
            console.print(f"demo shop files in {manifest.out_dir}: {counts}")
            console.print(f"planted truths: {manifest.truth_path}")
            if ingest:
                with row_progress("ingest demo shop") as advance:
                    summary = workspace.ingest(manifest.out_dir, adapter="shop", on_rows=advance)
                show_summary(summary)
                show_stats(workspace.store.stats(), workspace.store.persons_count())
                if pretrain:
                    _pretrain(workspace, seed, minutes)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None


def _pretrain(workspace: Workspace, seed: int, minutes: float) -> None:
    from shopformer.train.config import PretrainConfig

    config = PretrainConfig(seed=seed, max_minutes=minutes, epochs=20)
    version, bundle = workspace.pretrain(config, show_progress=errors.is_terminal)
    show_model(version, workspace.models.path("shop", version), bundle.metrics)
