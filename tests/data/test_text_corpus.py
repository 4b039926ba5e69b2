"""The shop's free text read back from the store: the right texts, in the right order."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from shopformer.core.errors import ConfigError
from shopformer.data.text_corpus import ItemText, item_texts, shop_texts
from shopformer.demo import DemoConfig, build_demo_shop
from shopformer.schema import record_spec
from shopformer.schema.validate import validate_batch
from shopformer.storage import Store, open_store
from shopformer.workspace import Workspace


def typed(kind: str, **columns: list) -> pa.Table:
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    checked = validate_batch(record_spec(kind), table, np.arange(1, table.num_rows + 1))
    assert not checked.rejections, checked.rejections
    return checked.table


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "store.duckdb") as opened:
        opened.append("item", typed(
            "item", item_id=["i3", "i1", "i2", "i4"], title=["Wok", "  ", "Duvet", None],
            description=["thick base", "only a description", "", None],
            category=["Home > Cookware", "Home", None, "  "]))
        opened.append("review", typed("review", review_id=["r2", "r1"], text=["second", "first"]))
        opened.append("turn", typed("turn", conversation_id=["c1", "c1", "c0"],
                                    turn=["1", "0", "0"], role=["agent", "customer", "customer"],
                                    text=["c1 answer", "c1 question", "c0 question"]))
        opened.append("event", typed(
            "event", event_id=["e1", "e2", "e3", "e4"], ts=["2026-01-01T00:00:00Z"] * 4,
            account=["a"] * 4, channel=["web"] * 4, type=["search", "view", "search", "search"],
            item_id=[None, "i1", None, None],
            query=["rice cooker", "not a search", "  phone case ", "炒锅"]))
        yield opened


def test_item_texts_join_the_non_empty_parts_in_item_id_order(store: Store) -> None:
    assert item_texts(store) == [
        ItemText("i1", "only a description | Home"),
        ItemText("i2", "Duvet"),
        ItemText("i3", "Wok | thick base | Home > Cookware"),
    ]  # i4 has no text at all


def test_shop_texts_give_every_kind_in_order_and_skip_blanks(store: Store) -> None:
    texts = list(shop_texts(store))
    assert texts[:-3] == [
        "only a description", "Home", "Duvet", "Wok", "thick base", "Home > Cookware",
        "first", "second",
        "c0 question", "c1 question", "c1 answer",
    ]
    assert sorted(texts[-3:]) == sorted(["rice cooker", "phone case", "炒锅"])  # stored order


def test_limit_caps_the_stream_and_is_checked_at_the_call(store: Store) -> None:
    everything = list(shop_texts(store))
    assert list(shop_texts(store, limit=4)) == everything[:4]
    assert list(shop_texts(store, limit=0)) == []
    assert list(shop_texts(store, limit=1000)) == everything
    for bad in (-1, 2.5, True):
        with pytest.raises(ConfigError, match="limit"):
            shop_texts(store, limit=bad)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo")
    build_demo_shop(root / "files", DemoConfig(persons=120, items=60, days=60, conversations=40))
    with Workspace.init(root / "shop") as shop:
        shop.ingest(root / "files", adapter="shop")
        yield root / "files", shop.store


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_item_texts_of_the_demo_shop_carry_each_items_catalogue_text(demo) -> None:
    files, store = demo
    items = {row["item_id"]: row for row in _jsonl(files / "items.jsonl")}
    texts = item_texts(store)
    assert [text.item_id for text in texts] == sorted(items)
    for text in texts:
        item = items[text.item_id]
        assert text.text == " | ".join([item["title"], item["description"], item["category"]])


def test_shop_texts_of_the_demo_shop_hold_items_reviews_turns_and_searches(demo) -> None:
    files, store = demo
    items = _jsonl(files / "items.jsonl")
    reviews = [row["text"] for row in _jsonl(files / "reviews.jsonl")]
    turns = [row["text"] for row in _jsonl(files / "turns.jsonl")]
    with (files / "events.csv").open(encoding="utf-8", newline="") as handle:
        queries = [row["query"] for row in csv.DictReader(handle) if row["type"] == "search"]
    texts = list(shop_texts(store))

    parts = [item[name] for item in items for name in ("title", "description", "category")]
    blocks = np.cumsum([len(parts), len(reviews), len(turns), len(queries)])
    assert len(texts) == blocks[-1]
    assert Counter(texts[:blocks[0]]) == Counter(parts)
    # Reviews and turns with planted personal data come back scrubbed, the rest verbatim.
    verbatim_reviews = Counter(texts[blocks[0]:blocks[1]]) & Counter(reviews)
    assert verbatim_reviews.total() >= 0.9 * len(reviews)
    verbatim_turns = Counter(texts[blocks[1]:blocks[2]]) & Counter(turns)
    assert verbatim_turns.total() >= 0.9 * len(turns)
    assert Counter(texts[blocks[2]:]) == Counter(query.strip() for query in queries)
