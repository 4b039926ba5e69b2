"""`shopformer review "text"`: what one review says, per aspect, and how to answer it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shopformer.cli.opinions import RetrainOption, WorkspaceOption, ready_sentiment
from shopformer.cli.output import console, errors, text_table
from shopformer.core.errors import ShopformerError

if TYPE_CHECKING:
    from shopformer.tasks.reviews.analysis import ReviewOpinion
    from shopformer.tasks.reviews.replies import SuggestedReply

def review(
    text: Annotated[str, typer.Argument(help="The review's text (Chinese or English).")],
    workspace: WorkspaceOption = Path("."),
    category: Annotated[str | None, typer.Option(
        help="The reviewed item's catalog category: a model trained with categories reads "
             "the review in its own.")] = None,
    retrain: RetrainOption = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the analysis and the replies as JSON.")] = False,
) -> None:
    """Polarity, predicted stars and aspects of one review, and suggested replies grounded
    in its aspects and the shop's past agent answers."""
    from shopformer.tasks.reviews.domains import domain_of
    from shopformer.workspace import SENTIMENT_MODEL, Workspace

    try:
        with Workspace.open(workspace) as shop:
            ready_sentiment(shop, retrain)
            opinion, replies = shop.reply_suggester().suggest(
                text, None if category is None else domain_of(category))
            version = shop.models.active(SENTIMENT_MODEL)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    if as_json:
        typer.echo(json.dumps({"model": {"sentiment": version}, "review": opinion.to_dict(),
                               "replies": [r.to_dict() for r in replies]},
                              ensure_ascii=False, indent=2))
    else:
        show(opinion, replies)


def show(opinion: ReviewOpinion, replies: list[SuggestedReply]) -> None:
    stars = "" if opinion.rating is None else f", reads like {opinion.rating:.1f} stars"
    console.print(f"{opinion.polarity}: P(positive) {opinion.probability:.2f}{stars}",
                  highlight=False)
    table = text_table("clauses", ("clause", "aspects", "P(positive)"))
    for clause in opinion.clauses:
        table.add_row(clause.text, ", ".join(clause.aspects) or "-",
                      f"{clause.probability:.2f}")
    console.print(table)
    for n, reply in enumerate(replies, 1):
        grounds = reply.grounds
        if reply.kind == "retrieved":
            why = (f"an agent's answer to “{grounds['customer_said']}” "
                   f"(similarity {grounds['similarity']:.2f})")
        else:
            aspects = ", ".join(f"{a} {p}" for a, p in grounds.get("aspects", {}).items())
            why = f"{grounds.get('polarity')} review" + (f"; {aspects}" if aspects else "")
            if reply.kind == "rewritten":
                why += f"; reworded by {grounds['endpoint']}"
        if grounds.get("note"):  # the rewrite endpoint failed or added a fact
            why += f"; {grounds['note']}"
        console.print(f"reply {n} ({reply.kind}: {why}):", highlight=False)
        console.print(f"  {reply.text}", highlight=False, markup=False)
