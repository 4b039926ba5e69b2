"""One small demo shop with a pretrained shop model, shared by the task suites."""

from __future__ import annotations

import json

import pytest

from shopformer.demo import DemoConfig, build_demo_shop
from shopformer.train.config import PretrainConfig
from shopformer.workspace import Workspace


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
