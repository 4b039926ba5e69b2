"""`python -m shopformer.cli` runs the same command as `shopformer`."""

from shopformer.cli.main import app

app(prog_name="shopformer")
