"""`shopformer …`: init, ingest, stats, erase, demo, pretrain, recommend, search,
search-report, opinions, review, support chat, ads train.

Exit codes: 0 done; 1 unexpected failure; 2 wrong settings or options; 3 bad input data
(the message names file, row and field); 4 the store refused.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, show_stats, show_summary
from shopformer.cli.progress import row_progress
from shopformer.core.errors import ShopformerError
from shopformer.ingest.mapping import ColumnMapping
from shopformer.ingest.readers import BATCH_ROWS
from shopformer.schema.validate import ParseOptions
from shopformer.workspace import Workspace

app = typer.Typer(help="Shopformer: a shop's own foundation model. Start with `shopformer demo`.",
                  no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode="markdown")

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE",
    help="The shop directory (made by `shopformer init`).")]


def _fail(error: ShopformerError) -> typer.Exit:
    errors.print(f"[red]error:[/red] {error}", highlight=False, markup=True)
    return typer.Exit(error.exit_code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False
         ) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def init(path: Annotated[Path, typer.Argument(help="Directory for the new shop.")] = Path("."),
         name: Annotated[str | None, typer.Option(help="The shop's name.")] = None) -> None:
    """Create a workspace: settings, an empty store and the pseudonymization key."""
    try:
        with Workspace.init(path, name) as workspace:
            console.print(f"workspace ready: {workspace.root} (store {workspace.settings.store})")
    except ShopformerError as error:
        raise _fail(error) from None


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A file, or a data set directory.")],
    workspace: WorkspaceOption = Path("."),
    adapter: Annotated[str | None, typer.Option(
        help="Adapter name (see `shopformer adapters`); found from the path when not given.")
    ] = None,
    kind: Annotated[str | None, typer.Option(
        help="Record kind of a plain file: event, item, review, turn, order, link, sample.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="TOML column mapping (see docs/ingest.md).")] = None,
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="our_field=their_column, repeatable.")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="our_field=value for every row, repeatable.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding; detected if absent.")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field delimiter of a CSV file.")] = None,
    time_format: Annotated[str | None, typer.Option(help="strptime layout of times.")] = None,
    timezone: Annotated[str | None, typer.Option(help="Zone of naive times (default UTC).")
    ] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Write bad rows with their reasons here and go on, instead of stopping.")] = None,
    batch_rows: Annotated[int, typer.Option(
        min=1, help="Rows per stored batch (one transaction each).")] = BATCH_ROWS,
) -> None:
    """Validate, pseudonymize, scrub and store a file or data set; re-running adds nothing."""
    try:
        column_mapping = _mapping(kind, mapping, map_ or [], set_ or [], encoding, delimiter,
                                  time_format, timezone)
        with Workspace.open(workspace) as shop, row_progress(f"ingest {path.name}") as advance:
            summary = shop.ingest(path, adapter=adapter, mapping=column_mapping,
                                  rejects=rejects, on_rows=advance, batch_rows=batch_rows)
        show_summary(summary)
    except ShopformerError as error:
        raise _fail(error) from None


def _mapping(kind: str | None, mapping: Path | None, maps: list[str], sets: list[str],
             encoding: str | None, delimiter: str | None, time_format: str | None,
             timezone: str | None) -> ColumnMapping | None:
    flags_given = any((kind, maps, sets, encoding, delimiter, time_format, timezone))
    if mapping is None and not flags_given:
        return None
    from_file = ColumnMapping.from_toml(mapping, kind) if mapping else None
    chosen_kind = kind or (from_file.kind if from_file else None)
    if chosen_kind is None:
        raise ShopformerError("with --map/--set/--encoding… say which records the file holds: "
                              "--kind event (or item, review, turn, order, link, sample)")
    from_flags = ColumnMapping.from_flags(
        chosen_kind, maps, sets, encoding=encoding,
        delimiter=delimiter.encode().decode("unicode_escape") if delimiter else None,
        parse=ParseOptions(time_format, timezone))
    return from_file.merged(from_flags) if from_file else from_flags


@app.command()
def adapters() -> None:
    """List the adapters `shopformer ingest` can use, and what each reads."""
    from shopformer.ingest.adapters import ADAPTERS, load_all

    load_all()
    for name, adapter in ADAPTERS.items():
        console.print(f"[bold]{name}[/bold]: {adapter.description}")


@app.command()
def stats(workspace: WorkspaceOption = Path(".")) -> None:
    """Counts per record kind, channel and type, and the time range of each kind."""
    try:
        with Workspace.open(workspace) as shop:
            show_stats(shop.store.stats(), shop.store.persons_count())
    except ShopformerError as error:
        raise _fail(error) from None


@app.command()
def erase(
    workspace: WorkspaceOption = Path("."),
    person: Annotated[str | None, typer.Option(help="A person id (p_…).")] = None,
    account: Annotated[str | None, typer.Option(
        help="A raw account id as the shop knows it; needs --channel.")] = None,
    channel: Annotated[str | None, typer.Option(help="The channel of --account.")] = None,
) -> None:
    """Remove a person everywhere (all their channels) and keep them out of later ingests."""
    try:
        with Workspace.open(workspace) as shop:
            if (person is None) == (account is None):
                raise ShopformerError("give either --person or --account with --channel")
            if account is not None:
                if not channel:
                    raise ShopformerError("--account needs --channel (web, app, mini, store, …)")
                person = shop.person_for_account(channel, account)
            deleted = shop.erase_person(person)  # type: ignore[arg-type]
        total = sum(deleted.values())
        details = ", ".join(f"{kind} {n:,}" for kind, n in deleted.items() if n)
        console.print(f"erased {person}: {total:,} rows ({details or 'none stored'})")
        if account is not None and total == 0:
            pseudonym = re.fullmatch(r"a_[0-9a-f]{16,}", account.strip()) is not None
            console.print(
                f"[yellow]nothing was stored for account {account!r} on {channel}"
                + (": that looks like its pseudonym (as the store shows it); give the raw "
                   "account id as the shop knows it" if pseudonym else "") +
                ". It is kept out of later ingests all the same.[/yellow]", highlight=False)
    except ShopformerError as error:
        raise _fail(error) from None


from shopformer.cli import ads as _ads  # noqa: E402  (commands in their own modules)
from shopformer.cli import demo as _demo  # noqa: E402
from shopformer.cli import opinions as _opinions  # noqa: E402
from shopformer.cli import pretrain as _pretrain  # noqa: E402
from shopformer.cli import recommend as _recommend  # noqa: E402
from shopformer.cli import review as _review  # noqa: E402
from shopformer.cli import search as _search  # noqa: E402
from shopformer.cli import search_report as _search_report  # noqa: E402
from shopformer.cli import serve as _serve  # noqa: E402
from shopformer.cli import support as _support  # noqa: E402

app.command(name="demo")(_demo.demo)
app.command(name="pretrain")(_pretrain.pretrain)
app.command(name="recommend")(_recommend.recommend)
app.command(name="search")(_search.search)
app.command(name="search-report")(_search_report.search_report)
app.command(name="opinions")(_opinions.opinions)
app.command(name="review")(_review.review)
app.add_typer(_support.app, name="support")
app.add_typer(_ads.app, name="ads")
app.command(name="serve")(_serve.serve)
app.add_typer(_serve.keys_app, name="keys")
