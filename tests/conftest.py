"""Fixtures shared by the whole suite: fresh workspaces, the shared public data, and one
small demo shop with a pretrained shop model (the task and server suites read it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shopformer.demo import DemoConfig, build_demo_shop
from shopformer.train.config import PretrainConfig
from shopformer.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT.parent / "shared" / "data").resolve()


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.init(tmp_path / "shop") as shop:
        yield shop


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared public data sets are not beside the repo ({SHARED_DATA})")
    return SHARED_DATA


def csv_text(columns: list[str], rows: list[dict]) -> str:
    """Rows as a CSV file's text, each row's missing columns left empty (as a shop system
    exports them)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Test-sized networks run faster on one thread than on two that wait for each other."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory):
    """(workspace, shop model bundle, truth.json) of a 160-person demo shop."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("demo-shop")
    manifest = build_demo_shop(folder / "raw", DemoConfig(persons=160, items=80, days=60,
                                                         conversations=20))
    workspace = Workspace.init(folder / "shop")
    workspace.ingest(manifest.out_dir)
    settings = PretrainConfig(epochs=12, max_minutes=None, batch_size=32, hidden=32, layers=1,
                              heads=2, text_hidden=32, text_layers=1, text_heads=2,
                              negatives=64, threads=1, patience=12, seed=3)
    _, bundle = workspace.pretrain(settings, show_progress=False)
    torch.set_num_threads(threads)
    truth = json.loads((folder / "raw" / "truth.json").read_text())
    yield workspace, bundle, truth
    workspace.close()
