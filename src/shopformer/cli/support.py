"""`shopformer support chat`: try the customer-service assistant on the shop's own data."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors
from shopformer.cli.progress import working
from shopformer.core.errors import ConfigError, ShopformerError
from shopformer.workspace import (  # POLICY_FILE: when --policy is not given
    FAQ_FILE,
    POLICY_FILE,
    SUPPORT_LOGS,
)

app = typer.Typer(help="The customer-service assistant.", no_args_is_help=True)

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]


@app.command()
def chat(
    workspace: WorkspaceOption = Path("."),
    person: Annotated[str | None, typer.Option(
        help="Chat as this person (p_…): the one whose orders may be discussed.")] = None,
    account: Annotated[str | None, typer.Option(
        help="Chat as the person behind this raw account id (with --channel).")] = None,
    channel: Annotated[str | None, typer.Option(help="The account's channel.")] = None,
    item: Annotated[str | None, typer.Option(
        help="Chat from this item's product page: what a message naming no item is about.")
    ] = None,
    order: Annotated[str | None, typer.Option(
        help="Chat from this order's page: what a message naming no order is about.")
    ] = None,
    policy: Annotated[Path | None, typer.Option(
        help=f"The shop's policy file (Markdown); default: {POLICY_FILE} in the workspace "
             "when it exists.")] = None,
    message: Annotated[list[str] | None, typer.Option(
        "--message", "-m", help="Send these messages in order instead of reading the "
        "keyboard (repeat the option).")] = None,
    retrain: Annotated[bool, typer.Option(
        help="Train a new intent model from the store's labelled conversations first.")
    ] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print each reply as JSON (intent, grounds, facts, hand-off).")] = False,
) -> None:
    """Chat with the assistant: it answers from the store's orders, the policy file, the
    catalog and past answers, and hands off to a person with a summary when it should.
    The conversation's log, with personal data scrubbed, is saved under support/logs/."""
    from shopformer.tasks.support.conversation import Conversation
    from shopformer.workspace import INTENT_MODEL, Workspace

    try:
        if person is not None and account is not None:
            raise ConfigError("give --person or --account, not both")
        with Workspace.open(workspace) as shop:
            if account is not None:
                if not channel:
                    raise ConfigError("--account needs --channel (web, app, mini, store, …)")
                person = shop.person_for_account(channel, account)
            if policy is None and (shop.root / POLICY_FILE).is_file():
                policy = shop.root / POLICY_FILE
            if retrain or shop.models.active(INTENT_MODEL) is None:
                if shop.intent_examples()[2]:
                    console.print("the store's conversations carry no intent labels: training "
                                  "the intent model from the built-in examples of common "
                                  "shop questions (Chinese and English); ingest conversations "
                                  "with an `intent` column for your shop's own intents")
                else:
                    console.print("training the intent model from the store's conversations…")
                with working("training intents"):
                    version, _ = shop.train_intents()
                console.print(f"intent model {version}")
            assistant = shop.support_assistant(policy=policy)
            conversation = Conversation(f"cli-{uuid.uuid4().hex[:12]}", person_id=person)
            interactive = not message
            if interactive:
                console.print("[dim]type a message; an empty line or Ctrl-D ends the chat[/dim]")
            page = {"item_id": item, "order_id": order}  # where the chat starts from
            for text in message or _keyboard():
                reply = assistant.reply(conversation, text, **page)
                page = {}
                if as_json:
                    console.print_json(json.dumps(reply.to_dict(), ensure_ascii=False))
                else:
                    console.print(f"[bold]assistant[/bold] {reply.text}", highlight=False)
                    if reply.handoff is not None:
                        console.print(f"[yellow]handed off ({reply.handoff.reason})[/yellow] "
                                      f"{json.dumps(reply.handoff.summary, ensure_ascii=False)}",
                                      highlight=False, markup=True)
                    else:
                        read = (f"{reply.intent} {reply.confidence:.2f} · "
                                if reply.intent else "")
                        console.print(f"[dim]{read}{', '.join(reply.grounds)}[/dim]",
                                      highlight=False)
            saved = conversation.save(shop.root / SUPPORT_LOGS)
        if not as_json:
            console.print(f"[dim]log: {saved}[/dim]", highlight=False)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(error.exit_code) from None


def _keyboard():
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            return
        if not text:
            return
        yield text


@app.command("add-intent")
def add_intent(
    name: Annotated[str, typer.Argument(help="The new intent's label.")],
    example: Annotated[list[str], typer.Option(
        "--example", "-e", help="A customer message meaning it (repeat; at least two).")],
    workspace: WorkspaceOption = Path("."),
    answer: Annotated[str | None, typer.Option(
        help="What the assistant answers it with (kept in faq.jsonl in the workspace); "
             "without one the intent is recognised and handed to a person.")] = None,
) -> None:
    """Teach the active intent model a new intent from a handful of examples, without
    retraining; saved as a new version (the old one can be rolled back to)."""
    from shopformer.workspace import Workspace

    try:
        with Workspace.open(workspace) as shop:
            version = shop.add_intent(name, example, answer)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(error.exit_code) from None
    console.print(f"intent {name!r} added from {len(example)} examples: intents version "
                  f"{version}", highlight=False)
    if answer is not None:
        console.print(f"its answer is kept in {FAQ_FILE} in the workspace", highlight=False)
