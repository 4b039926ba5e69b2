"""`shopformer search`: try search on the workspace, as a person or anonymously."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, text_table
from shopformer.core.errors import ConfigError, ShopformerError

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


def search(
    query: Annotated[str, typer.Argument(help="What the shopper types.")],
    workspace: WorkspaceOption = Path("."),
    person: Annotated[str | None, typer.Option(help="A person id (p_…): their taste counts.")
                      ] = None,
    account: Annotated[str | None, typer.Option(
        help="A raw account id as the shop knows it (with --channel), instead of --person.")
                       ] = None,
    channel: Annotated[str | None, typer.Option(
        help="The channel asking: only items sold there.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many items.")] = 10,
    category: Annotated[str | None, typer.Option(help="Only this category (prefix).")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="Only these brands (repeat).")
                     ] = None,
    min_price: Annotated[float | None, typer.Option(help="Lowest price.")] = None,
    max_price: Annotated[float | None, typer.Option(help="Highest price.")] = None,
    sort: Annotated[str, typer.Option(
        help="relevance, price (low to high) or -price (high to low); a price sort orders "
             "the results that match the query.")] = "relevance",
    retrain: Annotated[bool, typer.Option(
        help="Train a new search model from the store first (else the active one is used, "
             "and trained only if there is none).")] = False,
    explain: Annotated[bool, typer.Option(help="Say why each item ranks where it does.")
                       ] = False,
    align_minutes: Annotated[float, typer.Option(
        help="When training: first align the shop model's text encoder on the search log "
             "for this many minutes (better dense retrieval; 0: off).")] = 0.0,
) -> None:
    """Search the catalog: spelling-tolerant, hybrid retrieval, ranked by what shoppers
    engaged with after the same searches and by the person's own taste."""
    from shopformer.tasks.search.catalog import SearchFilters
    from shopformer.workspace import SEARCH_MODEL, Workspace

    try:
        if person is not None and account is not None:
            raise ConfigError("give --person or --account, not both")
        filters = SearchFilters(category_prefix=category, brands=frozenset(brand or ()),
                                min_price=min_price, max_price=max_price, channel=channel)
        with Workspace.open(workspace) as shop:
            if account is not None:
                if not channel:
                    raise ConfigError("--account needs --channel (web, app, mini, store, …)")
                person = shop.person_for_account(channel, account)
            if retrain or shop.models.active(SEARCH_MODEL) is None:
                console.print("training the search model from the store's search sessions…")
                shop.train_search(show_progress=True, align_minutes=align_minutes)
            engine = shop.search_engine(personalize=person is not None)
            result = engine.search(query, k=k, person_id=person, filters=filters, sort=sort)
            reasons = [engine.explain(query, h.item_id, person, filters) if explain else []
                       for h in result.hits]
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    if not engine.learned:
        console.print("[yellow]ranked by word match: the store holds no search followed by "
                      "a click, view, cart or purchase yet (train again with --retrain once "
                      "it does)[/yellow]")
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")
    table = text_table(f"“{query}”: {result.matches} matches"
                       + (f", for {person}" if person else ""),
                       ("#", "item", "title", "price", "score",
                        *(["why"] if explain else [])))
    for rank, (hit, why) in enumerate(zip(result.hits, reasons, strict=True), 1):
        table.add_row(str(rank), hit.item_id, hit.title,
                      "" if hit.price is None else f"{hit.price:.2f}", f"{hit.score:.3f}",
                      *(["; ".join(why[1:])] if explain else []))
    console.print(table)
    if result.facets:
        console.print("facets: " + "; ".join(
            f"{name}: " + ", ".join(f"{value} ({count})" for value, count in values[:5])
            for name, values in result.facets.items() if values))
