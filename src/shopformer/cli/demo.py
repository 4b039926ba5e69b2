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
    capabilities: Annotated[bool, typer.Option(
        help="After pretraining, also train the search, review sentiment and support "
             "intent models on the shop, so the server answers those too.")] = True,
    data_dir: Annotated[Path | None, typer.Option(
        help="Where the demo's raw files go (default: beside the workspace, PATH-data). "
             "They hold raw ids and planted personal data, so never inside the workspace.")
    ] = None,
    serve: Annotated[bool, typer.Option(
        help="Then start the server on the shop (a new API key and curl examples are "
             "printed); Ctrl-C stops it.")] = False,
    port: Annotated[int, typer.Option(help="The server's port (with --serve).")] = 8000,
) -> None:
    """Build a synthetic multi-channel shop with planted truths (tastes, seasonality, a
    complaint burst, a fraud ring, price elasticities), ingest it, print the store's stats,
    pretrain a shop model on it and train search, sentiment and support intents."""
    from shopformer.demo import DemoConfig, build_demo_shop
    from shopformer.demo.policy import write_policy
    from shopformer.workspace import POLICY_FILE

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
            written = write_policy(workspace.root, POLICY_FILE)
            if written is not None:
                console.print(f"support policy (edit it, the assistant answers from it): "
                              f"{written}")
            if ingest:
                with row_progress("ingest demo shop") as advance:
                    summary = workspace.ingest(manifest.out_dir, adapter="shop", on_rows=advance)
                show_summary(summary)
                show_stats(workspace.store.stats(), workspace.store.persons_count())
                if pretrain:
                    _pretrain(workspace, seed, minutes)
                    if capabilities:
                        _train_capabilities(workspace, manifest.ads)
            if serve:
                app = _serve(workspace, manifest.truth_path, port)
    except ShopformerError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(error.exit_code) from None
    if serve:
        from shopformer.cli.serve import run

        run(app, path, "127.0.0.1", port)


# two candidates for the printed /v1/ads/rank request, with the demo ad log's features: its
# planted rule has top placements and Apparel ads clicked most
AD_EXAMPLE = [{"ad_id": "AD-SKU00001", "campaign_id": "CP-apparel", "bid": 1.0,
               "placement": "top", "device": "app", "category": "Apparel", "price": 199.0},
              {"ad_id": "AD-SKU00002", "campaign_id": "CP-home", "bid": 1.0,
               "placement": "side", "device": "web", "category": "Home", "price": 199.0}]


def _serve(workspace: Workspace, truth_path: Path, port: int) -> object:
    """The app over the demo shop, after printing a fresh key and requests that work."""
    import json

    from shopformer.cli.serve import curl_examples
    from shopformer.serve.app import create_app, key_ring
    from shopformer.serve.config import ServeConfig

    if workspace.models.active("shop") is None:
        raise ShopformerError("--serve needs a pretrained shop model (leave --pretrain on)")
    _, token = key_ring(workspace).create("demo", ("read", "events:write"))
    persons = json.loads(truth_path.read_text(encoding="utf-8"))["persons"]
    channel, account = next(iter(persons.values()))["accounts"][0]
    console.print("API key (read, events:write), shown once: " + token)
    query = _frequent_query(workspace) if workspace.models.active("search") else None
    review = ("质量不是很好，物流也慢"
              if workspace.models.active("sentiment") else None)
    ads = AD_EXAMPLE if workspace.models.active("ads") else None
    console.print("try, from another terminal:\n" + curl_examples(
        f"http://127.0.0.1:{port}", token, channel, account, query, review, ads),
        soft_wrap=True, markup=False)
    return create_app(Workspace.open(workspace.root), ServeConfig(port=port))


def _train_capabilities(workspace: Workspace, ads: Path | None = None) -> None:
    """The models the server builds its other answers from, each trained on the shop's
    own data with the settings a shop gets (`shopformer search`, `opinions` and `support
    chat` train the same on first use, `shopformer ads train` from the ad log). One the
    shop has no data for (a tiny demo with no search, say) is skipped with the reason, and
    the server serves the rest."""
    steps = (("search", "search sessions", lambda: workspace.train_search(show_progress=False)),
             ("sentiment", "rated reviews", workspace.train_sentiment),
             ("support intent", "conversations", workspace.train_intents),
             *((("ad", "ad impressions", lambda: workspace.train_ads(ads)),) if ads else ()))
    for name, source, train in steps:
        try:
            with console.status(f"training {name} from the shop's {source}…"):
                version, _ = train()
        except ShopformerError as error:
            console.print(f"[yellow]{name} model not trained:[/yellow] {error}")
            continue
        console.print(f"{name} model {version}")


def _frequent_query(workspace: Workspace) -> str | None:
    """The shop's most searched query in Latin letters (else any): an example that
    finds something."""
    from collections import Counter

    from shopformer.tasks.search.from_store import search_log

    quotable = [q for q, _ in Counter(search_log(workspace.store).queries).most_common()
                if "'" not in q]
    latin = [q for q in quotable if q.isascii()]
    return (latin or quotable or [None])[0]


def _pretrain(workspace: Workspace, seed: int, minutes: float) -> None:
    from shopformer.train.config import PretrainConfig

    config = PretrainConfig(seed=seed, max_minutes=minutes, epochs=20)
    version, bundle = workspace.pretrain(config, show_progress=errors.is_terminal)
    show_model(version, workspace.models.path("shop", version), bundle.metrics)
