"""The demo shop: files in the record contract, and every planted truth recoverable."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest

from shopformer.demo import DemoConfig, DemoManifest, build_demo_shop
from shopformer.demo.fulfilment import FULFILMENT_COLUMNS
from shopformer.schema.records import (
    CHANNEL_ALIASES,
    EVENT_TYPES,
    ORDER_LABELS,
    RECORDS,
    REVIEW,
    ROLES,
)

SMALL = DemoConfig(persons=120, items=60, days=60, conversations=40)
CHANNELS = set(CHANNEL_ALIASES.values())
INTENTS = {"order_status", "return_request", "refund_status", "product_question",
           "delivery_delay", "change_address", "complaint", "human_agent"}


@dataclass
class Shop:
    manifest: DemoManifest
    truth: dict
    items: dict[str, dict]
    events: list[dict[str, str]]
    reviews: list[dict]
    turns: list[dict]
    orders: dict[str, dict[str, str]]
    links: list[dict[str, str]]
    headers: dict[str, list[str]]

    def person_of(self) -> dict[tuple[str, str], str]:
        return {(c, a): pid for pid, p in self.truth["persons"].items() for c, a in p["accounts"]}


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    manifest = build_demo_shop(tmp_path_factory.mktemp("shop"), SMALL)
    headers = {}
    csvs = {}
    for kind in ("event", "order", "link"):
        headers[kind], csvs[kind] = _csv(manifest.files[kind])
    return Shop(
        manifest, json.loads(manifest.truth_path.read_text(encoding="utf-8")),
        {r["item_id"]: r for r in _jsonl(manifest.files["item"])}, csvs["event"],
        _jsonl(manifest.files["review"]), _jsonl(manifest.files["turn"]),
        {o["order_id"]: o for o in csvs["order"]}, csvs["link"], headers)


def _file_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_byte_identical_files(shop: Shop, tmp_path: Path) -> None:
    again = build_demo_shop(tmp_path / "again", SMALL)
    first, second = _file_bytes(shop.manifest.out_dir), _file_bytes(again.out_dir)
    assert set(first) == {"items.jsonl", "events.csv", "reviews.jsonl", "turns.jsonl",
                          "orders.csv", "links.csv", "ads.csv", "truth.json", "README.md"}
    assert first == second


def test_another_seed_gives_other_files(shop: Shop, tmp_path: Path) -> None:
    other = build_demo_shop(tmp_path / "other", replace(SMALL, seed=8))
    first, second = _file_bytes(shop.manifest.out_dir), _file_bytes(other.out_dir)
    for name in ("items.jsonl", "events.csv", "reviews.jsonl", "turns.jsonl", "truth.json"):
        assert first[name] != second[name], name


def test_order_states_follow_the_orders_own_times(shop: Shop) -> None:
    """An order export's status columns: shipped after it was placed, delivered after it
    shipped, the fraud ring's orders cancelled, store orders collected on the spot."""
    path = shop.manifest.out_dir / "orders.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen = {row["status"] for row in rows}
    assert {"delivered", "collected in store"} <= seen
    for row in rows:
        if row["label"] == "fraud":
            assert row["status"] == "cancelled"
        if row["shipped_at"]:
            assert row["ts"] < row["shipped_at"] and row["carrier"] and row["tracking"]
        if row["status"] == "delivered":
            assert row["shipped_at"] < row["delivered_at"]
        if row["status"] == "shipped":
            assert not row["delivered_at"] and row["expected_delivery"] > row["ts"][:10]


def test_files_carry_exactly_the_record_columns(shop: Shop) -> None:
    assert shop.headers["event"] == [*RECORDS["event"].names, "order_id"]
    assert shop.headers["order"] == [*RECORDS["order"].names, *FULFILMENT_COLUMNS]
    assert shop.headers["link"] == list(RECORDS["link"].names)
    for kind, rows in (("item", shop.items.values()), ("review", shop.reviews),
                       ("turn", shop.turns)):
        assert rows, kind
        # the demo's reviews have stars and catalog items: no polarity flag, no own category
        names = [n for n in RECORDS[kind].names
                 if kind != "review" or n not in ("polarity", "category")]
        assert all(list(row) == names for row in rows), kind
    sizes = {"item": len(shop.items), "event": len(shop.events), "review": len(shop.reviews),
             "turn": len(shop.turns), "order": len(shop.orders), "link": len(shop.links)}
    assert shop.manifest.counts == sizes


def test_values_are_those_the_schema_allows(shop: Shop) -> None:
    assert {e["type"] for e in shop.events} <= EVENT_TYPES
    assert {e["channel"] for e in shop.events} == {"web", "app", "mini", "store"}
    assert {o["channel"] for o in shop.orders.values()} <= CHANNELS
    assert {o["label"] for o in shop.orders.values()} == ORDER_LABELS
    assert {t["role"] for t in shop.turns} <= ROLES
    assert {t["intent"] for t in shop.turns if t["role"] == "customer"} <= INTENTS
    assert all(t["intent"] == "" for t in shop.turns if t["role"] == "agent")
    assert {c for row in shop.links for c in (row["channel_a"], row["channel_b"])} <= CHANNELS
    assert all(set(i["channels"]) <= CHANNELS and i["channels"] for i in shop.items.values())
    rating = REVIEW.field("rating")
    assert all(rating.minimum <= r["rating"] <= rating.maximum for r in shop.reviews)


def test_timestamps_are_utc_and_inside_the_window(shop: Shop) -> None:
    window = shop.truth["window"]
    stamps = ([e["ts"] for e in shop.events] + [r["ts"] for r in shop.reviews]
              + [t["ts"] for t in shop.turns] + [o["ts"] for o in shop.orders.values()])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ts) for ts in stamps)
    assert window["start"] <= min(stamps)[:10] and max(stamps)[:10] <= window["end"]
    assert max(stamps)[:10] == window["end"] == SMALL.end_date


def test_events_name_known_items_and_cold_start_items_stay_unseen(shop: Shop) -> None:
    seen = {e["item_id"] for e in shop.events if e["item_id"]}
    assert seen <= set(shop.items)
    cold = set(shop.truth["cold_start_items"])
    assert cold and cold <= set(shop.items) and not cold & seen
    assert all(e["item_id"] == "" and e["query"] for e in shop.events if e["type"] == "search")


def test_item_texts_are_bilingual_in_a_small_category_tree(shop: Shop) -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    latin = re.compile(r"[A-Za-z]{3,}")
    for item in shop.items.values():
        assert cjk.search(item["title"]) and latin.search(item["title"]), item["title"]
        assert cjk.search(item["description"]) and latin.search(item["description"])
        assert isinstance(item["attributes"], dict) and item["attributes"]
    paths = {i["category"] for i in shop.items.values()}
    assert 8 <= len(paths) <= 12
    assert 4 <= len({p.split(" > ")[0] for p in paths}) <= 5


def test_funnel_narrows_and_purchases_add_up_to_orders(shop: Shop) -> None:
    kinds = Counter(e["type"] for e in shop.events)
    assert kinds["view"] > 5 * kinds["cart"] and kinds["cart"] > kinds["purchase"] > 0
    spent: dict[str, float] = defaultdict(float)
    for e in shop.events:
        if e["type"] == "purchase":
            spent[e["order_id"]] += float(e["price"]) * int(e["quantity"])
    assert set(spent) == set(shop.orders)
    assert all(abs(spent[o] - float(shop.orders[o]["amount"])) < 0.01 for o in spent)


def test_prices_follow_the_planted_promotions(shop: Shop) -> None:
    promo = {(p["item_id"], day): p["discount"] for p in shop.truth["promotions"]
             for day in _days(p["start"], p["end"])}
    checked = 0
    for e in shop.events:
        if e["type"] in ("view", "purchase"):
            discount = promo.get((e["item_id"], e["ts"][:10]), 0.0)
            base = shop.items[e["item_id"]]["price"]
            assert float(e["price"]) == pytest.approx(base * (1 - discount), abs=0.01)
            checked += discount > 0
    assert checked > 0


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first).toordinal(), date.fromisoformat(last).toordinal()
    return [date.fromordinal(d).isoformat() for d in range(start, end + 1)]


def test_planted_taste_is_recoverable_from_events(shop: Shop) -> None:
    person_of = shop.person_of()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    sizes: Counter[str] = Counter()
    for e in shop.events:
        person = person_of.get((e["channel"], e["account"]))
        if person is not None:
            sizes[person] += 1
            if e["item_id"]:
                counts[person][shop.items[e["item_id"]]["category"]] += 1
    active = [p for p, n in sizes.items() if n >= 10]
    assert len(active) >= 0.5 * SMALL.persons
    hits = sum(counts[p].most_common(1)[0][0]
               in shop.truth["persons"][p]["favourite_categories"] for p in active)
    assert hits >= 0.8 * len(active)


def test_complaint_burst_day_stands_out(shop: Shop) -> None:
    burst = shop.truth["complaint_burst"]
    assert burst["aspect"] == "logistics"
    end = date.fromisoformat(shop.truth["window"]["end"])
    assert 0 <= (end - date.fromisoformat(burst["day"])).days < 30
    negative = Counter(r["ts"][:10] for r in shop.reviews
                       if r["item_id"] == burst["item_id"] and r["rating"] <= 2)
    others = [n for day, n in negative.items() if day != burst["day"]]
    assert negative[burst["day"]] >= 3 * max(others, default=1)
    burst_reviews = [r for r in shop.reviews if r["item_id"] == burst["item_id"]
                     and r["ts"].startswith(burst["day"]) and r["rating"] <= 2]
    aspects = [shop.truth["review_aspects"][r["review_id"]] for r in burst_reviews]
    assert sum(a.get("logistics") == "negative" for a in aspects) >= 0.8 * len(aspects)


def test_fraud_ring_shares_devices_and_ips_and_owns_every_fraud_order(shop: Shop) -> None:
    ring = shop.truth["fraud_ring"]
    members = {tuple(a) for a in ring["accounts"]}
    assert len(members) == SMALL.fraud_ring_size
    fraud = {o for o, row in shop.orders.items() if row["label"] == "fraud"}
    assert fraud == set(ring["order_ids"])
    assert {(shop.orders[o]["channel"], shop.orders[o]["account"]) for o in fraud} == members
    users: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in shop.events:
        users[e["device"]].add((e["channel"], e["account"]))
    ring_devices = {d for d, accounts in users.items() if accounts & members}
    assert ring_devices == set(ring["devices"]) and len(ring_devices) <= 3
    assert all(users[d] <= members and len(users[d]) >= 2 for d in ring_devices)
    block = ring["ip_block"].rsplit(".", 1)[0] + "."
    assert all(shop.orders[o]["ip"].startswith(block) for o in fraud)
    mean = {label: sum(float(r["amount"]) for r in shop.orders.values() if r["label"] == label)
            / sum(r["label"] == label for r in shop.orders.values()) for label in ORDER_LABELS}
    assert mean["fraud"] > 3 * mean["legit"]


def test_links_tie_one_persons_accounts_and_need_union_find(shop: Shop) -> None:
    person_of = shop.person_of()
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    direct = set()
    for link in shop.links:
        a, b = (link["channel_a"], link["account_a"]), (link["channel_b"], link["account_b"])
        assert person_of[a] == person_of[b]
        parent[root(a)] = root(b)
        direct |= {(a, b), (b, a)}
    transitive = 0
    for pid, person in shop.truth["persons"].items():
        accounts = [tuple(a) for a in person["accounts"]]
        merged = {root(a) for a in accounts}
        assert (len(merged) == 1) == (person["linked"] or len(accounts) == 1), pid
        transitive += person["linked"] and any(
            (a, b) not in direct for a in accounts for b in accounts if a != b)
    unlinked = shop.truth["unlinked_multi_channel"]
    assert unlinked and all(not shop.truth["persons"][p]["linked"] for p in unlinked)
    assert transitive, "some person's accounts are tied only through a chain of links"


def test_seasonal_trends_show_in_purchases(shop: Shop) -> None:
    end = date.fromisoformat(shop.truth["window"]["end"])
    counts: dict[str, list[int]] = {"Cold Drinks": [0, 0], "Down Jackets": [0, 0]}
    for e in shop.events:
        leaf = shop.items[e["item_id"]]["category"].split(" > ")[1] if e["item_id"] else ""
        name = next((k for k in counts if leaf.endswith(k)), None)
        if e["type"] == "purchase" and name:
            age = (end - datetime.fromisoformat(e["ts"][:10]).date()).days
            if age >= SMALL.days - 30:
                counts[name][0] += 1
            elif age < 30:
                counts[name][1] += 1
    assert counts["Cold Drinks"][0] > counts["Cold Drinks"][1]
    assert counts["Down Jackets"][0] < counts["Down Jackets"][1]
    trends = {name: c["trend"] for path, c in shop.truth["categories"].items()
              for name in counts if path.endswith(name)}
    assert trends == {"Cold Drinks": "down", "Down Jackets": "up"}


def test_personal_data_is_planted_in_free_text(shop: Shop) -> None:
    samples = shop.truth["pii_planted_samples"]
    assert samples and shop.truth["pii_planted_count"] >= len(samples)
    texts = [r["text"] for r in shop.reviews] + [t["text"] for t in shop.turns]
    assert all(any(s in text for text in texts) for s in samples)
    personal = re.compile(r"1[3-9]\d{9}|\+1 \d{3}-555-\d{4}|\w@\w|\d+号\d+栋|"
                          r"\d+ \w+ (Street|Avenue)")

    def share(texts: list[str]) -> float:
        return sum(bool(personal.search(t)) for t in texts) / len(texts)

    assert 0.08 <= share([t["text"] for t in shop.turns if t["role"] == "customer"]) <= 0.12
    assert 0.02 <= share([r["text"] for r in shop.reviews]) <= 0.05


def test_conversations_reference_the_callers_own_orders(shop: Shop) -> None:
    referenced = 0
    for turn in shop.turns:
        for order_id in re.findall(r"O\d{7}", turn["text"]):
            order = shop.orders[order_id]
            assert (order["channel"], order["account"]) == (turn["channel"], turn["account"])
            assert order["ts"] <= turn["ts"]
            referenced += 1
    assert referenced >= 5
    languages = Counter(bool(re.search(r"[\u4e00-\u9fff]", t["text"])) for t in shop.turns)
    assert languages[True] and languages[False]


def test_readme_documents_every_truth_key(shop: Shop) -> None:
    readme = (shop.manifest.out_dir / "README.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in readme for key in shop.truth)
    assert all(p.name in readme for p in [*shop.manifest.files.values(), shop.manifest.ads])


def test_the_ad_ranker_finds_the_ad_logs_planted_rule(shop: Shop, tmp_path: Path) -> None:
    """`shopformer demo` trains the ad ranker on ads.csv: top placements and Apparel ads
    are clicked most, app clicks convert most."""
    from shopformer.workspace import Workspace

    planted = shop.truth["ads"]
    assert planted["clicks"] > 100 and planted["conversions"] > 30
    with Workspace.init(tmp_path / "ws") as workspace:
        _, report = workspace.train_ads(shop.manifest.ads)
        ranker = workspace.ad_ranker()
    assert set(report["numeric"]) == {"price"}
    assert set(report["categorical"]) == {"placement", "device", "category"}
    assert {"impression_id", "shown_at", "ad_id", "bid"} <= set(report["left_out"])
    rows = {"ad_id": ["a", "b", "c"], "campaign_id": ["c", "c", "c"], "bid": [1.0] * 3,
            "placement": ["top", "feed", "side"], "device": ["app", "mini", "web"],
            "category": ["Apparel"] * 3, "price": [100.0] * 3}
    ctr, cvr = ranker.predict_ctr(rows), ranker.predict_cvr(rows)
    assert ctr[0] > ctr[1] > ctr[2] and cvr[0] > cvr[2]
    # the request `shopformer demo --serve` prints carries the features the ranker reads
    from shopformer.cli.demo import AD_EXAMPLE

    example = {name: [ad[name] for ad in AD_EXAMPLE] for name in AD_EXAMPLE[0]}
    assert [c.ad_id for c in ranker.rank(example, k=2)] == ["AD-SKU00001", "AD-SKU00002"]


@pytest.mark.parametrize(("field", "value"), [
    ("persons", 0), ("items", -5), ("items", 10), ("days", 0), ("conversations", 0),
    ("fraud_ring_size", 1), ("events_per_person", 0.0), ("review_rate", 1.5),
    ("review_rate", -0.1), ("end_date", "31/10/2026"), ("seed", -1), ("persons", 2.5),
])
def test_config_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        DemoConfig(**{field: value})
