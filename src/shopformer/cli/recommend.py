"""`shopformer recommend`: try the recommender on one person of the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, text_table
from shopformer.core.errors import ConfigError, ShopformerError

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


def recommend(
    account: Annotated[str | None, typer.Argument(
        help="A raw account id as the shop knows it (with --channel).")] = None,
    workspace: WorkspaceOption = Path("."),
    channel: Annotated[str | None, typer.Option(
        help="The channel asking: the account's channel, and only items sold there.")] = None,
    person: Annotated[str | None, typer.Option(help="A person id (p_…) instead.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many items.")] = 10,
    category: Annotated[str | None, typer.Option(help="Only this category (prefix).")] = None,
    min_price: Annotated[float | None, typer.Option(help="Lowest price.")] = None,
    max_price: Annotated[float | None, typer.Option(help="Highest price.")] = None,
    per_category: Annotated[int | None, typer.Option(
        help="Diversity: at most this many items of one category.")] = None,
    min_review_positive: Annotated[float | None, typer.Option(
        help="Leave out items whose reviews read positive less often than this share "
             "(needs a sentiment model).")] = None,
) -> None:
    """The next items for a person, from their history on every channel, with the rules a
    shop needs, the past events behind each item and, when a sentiment model is active,
    what its reviews say."""
    from shopformer.tasks.recommend import Filters, RecommendConfig, Recommender
    from shopformer.workspace import Workspace

    try:
        if (person is None) == (account is None):
            raise ConfigError("give either an ACCOUNT (with --channel) or --person")
        with Workspace.open(workspace) as shop:
            if account is not None:
                if not channel:
                    raise ConfigError("an ACCOUNT needs --channel (web, app, mini, store, …)")
                person = shop.person_for_account(channel, account)
            config = RecommendConfig(max_per_category=per_category)
            filters = Filters(category_prefix=category, min_price=min_price,
                              max_price=max_price, min_review_positive=min_review_positive)
            recommender = Recommender(config).fit(shop.store, shop.shop_model(),
                                                  reviews=shop.review_signals())
            found = recommender.recommend(person, k=k, channel=channel, filters=filters)
            history = len(recommender.history(person))  # type: ignore[arg-type]
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    reviewed = recommender.reviews_ is not None
    table = text_table(f"{person}: {history} past events"
                       + (f", asking on {channel}" if channel else ""),
                       ("#", "item", "score", "why", *(("reviews",) if reviewed else ())))
    for rank, item in enumerate(found, 1):
        named = f"{item.item_id}\n{item.title}" if item.title else item.item_id
        table.add_row(str(rank), named, f"{item.score:.3f}", "; ".join(item.reasons),
                      *((said(item.reviews),) if reviewed else ()))
    console.print(table)


def said(reviews: dict | None) -> str:
    """An item's review summary in a few words: "14 reviews, ~92 % positive; weakest:
    logistics 40 %". The share is an estimate (shrunk toward the shop's): "100 % of 1"
    would overstate one review."""
    if reviews is None:
        return "-"
    count = reviews["reviews"]
    text = (f"{count} review{'' if count == 1 else 's'}, "
            f"~{100 * reviews['positive']:.0f} % positive")
    weakest = reviews.get("weakest_aspect")
    if weakest:
        text += f"; weakest: {weakest['aspect']} {100 * weakest['positive']:.0f} %"
    return text
