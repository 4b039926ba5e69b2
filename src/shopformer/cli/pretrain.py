"""`shopformer pretrain`: learn the shop model from everything in the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, show_model
from shopformer.core.errors import ShopformerError

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


def pretrain(
    workspace: WorkspaceOption = Path("."),
    config: Annotated[Path | None, typer.Option(
        help="TOML file of pretraining settings (see docs/model.md).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Most epochs to run.")] = None,
    minutes: Annotated[float | None, typer.Option(help="Wall-clock budget in minutes.")] = None,
    resume: Annotated[bool, typer.Option(
        help="Continue an interrupted run from its checkpoint.")] = True,
) -> None:
    """Self-supervised pretraining on the shop's own events and text; saves and activates a
    new model version under models/shop/."""
    from shopformer.train.config import PretrainConfig
    from shopformer.workspace import Workspace

    try:
        settings = PretrainConfig.from_toml(config) if config else PretrainConfig()
        if epochs is not None:
            settings.epochs = epochs
        if minutes is not None:
            settings.max_minutes = minutes
        settings.__post_init__()
        with Workspace.open(workspace) as shop:
            version, bundle = shop.pretrain(settings, resume=resume,
                                            show_progress=errors.is_terminal)
            show_model(version, shop.models.path("shop", version), bundle.metrics)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    console.print("active model: shop/" + version)
