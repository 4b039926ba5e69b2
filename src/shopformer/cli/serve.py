"""`shopformer serve` (the real-time server) and `shopformer keys` (its API keys)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from shopformer.cli.output import console, errors, text_table
from shopformer.core.errors import ShopformerError

WorkspaceOption = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar="SHOPFORMER_WORKSPACE", help="The shop directory.")]
keys_app = typer.Typer(help="API keys of the server: create, list, revoke.",
                       no_args_is_help=True)


def serve(
    workspace: WorkspaceOption = Path("."),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="No API keys: every request may do everything. Only for trying "
                          "it on loopback.")] = False,
    max_body: Annotated[int, typer.Option(help="Largest request body, bytes.")] = 1_048_576,
    rate: Annotated[float, typer.Option(
        help="Default requests per second per key (a key may set its own).")] = 200.0,
    burst: Annotated[int, typer.Option(help="Default burst per key.")] = 400,
) -> None:
    """Serve the workspace over HTTP: events in; recommendations, search, sentiment,
    opinions and support answers out (OpenAPI at /docs). Needs an API key per client:
    `shopformer keys create`."""
    from shopformer.serve.app import create_app, key_ring
    from shopformer.serve.config import ServeConfig
    from shopformer.workspace import Workspace

    try:
        config = ServeConfig(host=host, port=port, max_body_bytes=max_body,
                             requests_per_second=rate, burst=burst, auth=not no_auth)
        shop = Workspace.open(workspace)
        if config.auth and not len(key_ring(shop)):
            errors.print("[yellow]no API keys yet: every request will get 401; create one "
                         "with `shopformer keys create NAME -w …`[/yellow]")
        app = create_app(shop, config)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    run(app, workspace, host, port)


def run(app: object, workspace: Path, host: str, port: int) -> None:
    """Start uvicorn on the app (blocks until Ctrl-C)."""
    import uvicorn

    logging.getLogger("shopformer.serve").setLevel(logging.INFO)
    console.print(f"serving {workspace} on http://{host}:{port} (OpenAPI: /docs)")
    # uvicorn's own access log prints query strings, which may hold raw account ids; ours
    # (shopformer.serve.access) does not.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")


def curl_examples(base: str, token: str, channel: str, account: str,
                  query: str | None = None, review: str | None = None,
                  ads: list[dict] | None = None) -> str:
    """Working requests against a running server, for a person the shop knows; a search
    for `query`, a sentiment and a suggested-replies request for `review`, and an ad
    ranking of `ads` (candidates with the ranker's features), when those models are
    served."""
    auth = f'-H "Authorization: Bearer {token}"'
    lines = [
        f"curl -s {auth} '{base}/v1/recommend?channel={channel}&account={account}&k=5'",
        f"curl -s {auth} -H 'Content-Type: application/json' {base}/v1/events -d "
        f"'{{\"events\": [{{\"event_id\": \"try-1\", \"ts\": \"2026-11-01T10:00:00Z\", "
        f"\"account\": \"{account}\", \"channel\": \"{channel}\", \"type\": \"view\", "
        f"\"item_id\": \"SKU00001\"}}]}}'"]
    if query:
        lines.append(f"curl -s {auth} -G '{base}/v1/search' --data-urlencode 'q={query}' "
                     f"-d channel={channel} -d account={account} -d k=5")
    if review:
        body = json.dumps({"texts": [review]}, ensure_ascii=False)
        lines.append(f"curl -s {auth} -H 'Content-Type: application/json' {base}/v1/sentiment "
                     f"-d '{body}'")
        body = json.dumps({"review": review}, ensure_ascii=False)
        lines.append(f"curl -s {auth} -H 'Content-Type: application/json' {base}/v1/replies "
                     f"-d '{body}'")
    if ads:
        body = json.dumps({"candidates": ads, "k": 1, "account": account, "channel": channel},
                          ensure_ascii=False)
        lines.append(f"curl -s {auth} -H 'Content-Type: application/json' {base}/v1/ads/rank "
                     f"-d '{body}'")
    return "\n".join([*lines, f"curl -s {base}/readyz"])


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="Who or what uses the key.")],
    workspace: WorkspaceOption = Path("."),
    scope: Annotated[list[str], typer.Option(
        help="read, events:write or admin (repeat for several).")] = ["read"],  # noqa: B006
    rate: Annotated[float | None, typer.Option(help="Requests per second.")] = None,
    burst: Annotated[int | None, typer.Option(help="Burst.")] = None,
) -> None:
    """Create a key; it is printed once and only its hash is kept."""
    from shopformer.serve.app import key_ring
    from shopformer.workspace import Workspace

    try:
        shop = Workspace.open(workspace)
        record, token = key_ring(shop).create(name, tuple(scope), requests_per_second=rate,
                                              burst=burst)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    errors.print(f"key {record.key_id} ({', '.join(record.scopes)}) for {record.name}; "
                 "shown once, store it now:")
    print(token)


@keys_app.command("list")
def list_keys(workspace: WorkspaceOption = Path(".")) -> None:
    """The keys: id, name, scopes, limits (never the keys themselves)."""
    from shopformer.serve.app import key_ring
    from shopformer.workspace import Workspace

    table = text_table(None, ("id", "name", "scopes", "rate/s", "burst", "created"))
    try:
        for key in key_ring(Workspace.open(workspace)).list():
            table.add_row(key.key_id, key.name, ", ".join(key.scopes),
                          str(key.requests_per_second or "default"),
                          str(key.burst or "default"), key.created)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    console.print(table)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id.")],
               workspace: WorkspaceOption = Path(".")) -> None:
    """Revoke a key (a running server reads keys when it starts: restart it)."""
    from shopformer.serve.app import key_ring
    from shopformer.workspace import Workspace

    try:
        key_ring(Workspace.open(workspace)).revoke(key_id)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    errors.print(f"key {key_id} revoked")
