"""The `shopformer` command: Typer sub-apps, each command a few lines over the library."""
