"""A private copy of the demo shop per test (the server writes to its store), keys of
every scope, and a client that runs the app's lifespan (its models load)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from tests.serve.helpers import make_keys

from shopformer.serve.app import create_app
from shopformer.serve.config import ServeConfig
from shopformer.workspace import Workspace


@dataclass
class Served:
    client: TestClient
    workspace: Workspace
    truth: dict
    keys: dict[str, str]  # scope → key

    def headers(self, scope: str = "read") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}


@pytest.fixture(scope="session")
def trained_shop(tmp_path_factory):
    """A demo shop of its own with every capability's model trained (small settings): its
    own, so the server suite never touches the demo shop the task suites train on."""
    import json

    import torch

    from shopformer.demo import DemoConfig, build_demo_shop
    from shopformer.tasks.reviews.sentiment import SentimentConfig
    from shopformer.tasks.search.ranker import SearchConfig
    from shopformer.tasks.support.intents import IntentConfig
    from shopformer.train.config import PretrainConfig

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("served")
    manifest = build_demo_shop(folder / "raw", DemoConfig(persons=160, items=80, days=60,
                                                         conversations=20))
    root = folder / "shop"
    with Workspace.init(root) as shop:
        shop.ingest(manifest.out_dir)
        shop.pretrain(PretrainConfig(epochs=8, max_minutes=None, batch_size=32, hidden=32,
                                     layers=1, heads=2, text_hidden=32, text_layers=1,
                                     text_heads=2, negatives=64, threads=1, patience=8,
                                     seed=3), show_progress=False)
    truth = json.loads((folder / "raw" / "truth.json").read_text())
    with Workspace.open(root) as copy:
        copy.train_sentiment(SentimentConfig(encoder_epochs=1))
        copy.train_search(SearchConfig(candidates=40, train_rows=40, epochs=10, hidden=32),
                          show_progress=False)
        copy.train_intents(IntentConfig(encoder_epochs=1))
        publish_ad_ranker(copy)
    torch.set_num_threads(threads)
    return root, truth


def publish_ad_ranker(workspace: Workspace) -> None:
    """An ad ranker from impressions where shoes get clicked most and the app converts."""
    import numpy as np

    from shopformer.tasks.ads import AdRanker, AdRankerConfig
    from shopformer.train.tabular import TabularTrainingConfig
    from shopformer.workspace import ADS_MODEL

    rng = np.random.default_rng(5)
    rows = 4_000
    category = rng.choice(["shoes", "toys"], rows)
    device = rng.choice(["app", "web"], rows)
    clicked = rng.uniform(size=rows) < np.where(category == "shoes", 0.4, 0.05)
    converted = clicked & (rng.uniform(size=rows) < np.where(device == "app", 0.6, 0.1))
    training = TabularTrainingConfig(hidden=(16,), ensemble=1, max_epochs=10, patience=3,
                                     seed=1)
    ranker = AdRanker(AdRankerConfig(categorical=("category", "device"),
                                     ctr_training=training, cvr_training=training))
    ranker.fit({"category": category, "device": device, "clicked": clicked.astype(int),
                "converted": converted.astype(int), "bid": np.ones(rows),
                "ad_id": np.array([f"ad{i % 20}" for i in range(rows)]),
                "campaign_id": np.array([f"c{i % 4}" for i in range(rows)])})
    staged = workspace.models.staging_dir(ADS_MODEL)
    ranker.save(staged)
    workspace.models.publish(ADS_MODEL, staged)


@pytest.fixture
def shop_copy(trained_shop, tmp_path):
    root, truth = trained_shop
    shutil.copytree(root, tmp_path / "shop")
    with Workspace.open(tmp_path / "shop") as copy:
        yield copy, truth


@pytest.fixture
def served(shop_copy):
    workspace, truth = shop_copy
    keys = make_keys(workspace)
    with TestClient(create_app(workspace, ServeConfig())) as client:
        yield Served(client, workspace, truth, keys)


