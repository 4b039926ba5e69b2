"""What the server holds between requests: the loaded capabilities with the model versions
behind them, the live person state, and the one path events and links take into the store.

An event is answered only after its batch is committed to the store; then the person's live
state sees it (`Recommender.observe`), so the next recommendation reflects it, and so does
search's history of what shoppers chose after each query (`SearchRanker.observe`). Activating a
model version builds the capabilities that use it beside the serving ones and swaps them in
one step; events observed while they were built are replayed into the new ones. A version
that fails to load is refused and the pointer is left where it was.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from shopformer.core.errors import ConfigError, ShopformerError
from shopformer.core.files import file_stamp
from shopformer.ingest.identity import refresh_persons
from shopformer.ingest.order_lines import order_line_event
from shopformer.ingest.pipeline import IngestPipeline
from shopformer.ingest.readers import records_table
from shopformer.ingest.source import RawBatch
from shopformer.schema.identity import default_person_id
from shopformer.schema.records import channel_name, json_object
from shopformer.schema.validate import ParseOptions, Rejection
from shopformer.serve.commit import GroupCommit
from shopformer.serve.config import ServeConfig
from shopformer.storage.base import AppendResult
from shopformer.workspace import (
    ADS_MODEL,
    FAQ_FILE,
    INTENT_MODEL,
    POLICY_FILE,
    SEARCH_MODEL,
    SENTIMENT_MODEL,
    SHOP_MODEL,
    Workspace,
)

log = logging.getLogger("shopformer.serve")
MODEL_NAMES = (SHOP_MODEL, SEARCH_MODEL, SENTIMENT_MODEL, INTENT_MODEL, ADS_MODEL)
# capability → the models it is built from (the first one names it in answers)
CAPABILITIES: Mapping[str, tuple[str, ...]] = {
    "recommend": (SHOP_MODEL, SENTIMENT_MODEL),
    "search": (SEARCH_MODEL, SHOP_MODEL),
    "sentiment": (SENTIMENT_MODEL,),
    "replies": (SENTIMENT_MODEL,),  # built after sentiment, on the same loaded model
    "support": (INTENT_MODEL, SENTIMENT_MODEL),
    "ads": (ADS_MODEL,),
}
# how a missing model is made, for the 503 that says it is missing
TRAINED_BY: Mapping[str, str] = {
    SHOP_MODEL: "shopformer pretrain makes one",
    SEARCH_MODEL: "shopformer search QUERY makes one on first use",
    SENTIMENT_MODEL: "shopformer opinions or review makes one on first use",
    INTENT_MODEL: "shopformer support chat makes one on first use",
    ADS_MODEL: "shopformer ads train IMPRESSIONS_FILE makes one",
}
# used when active, else done without
OPTIONAL = {("support", SENTIMENT_MODEL), ("recommend", SENTIMENT_MODEL)}
REQUIRED = {capability: tuple(m for m in models if (capability, m) not in OPTIONAL)
            for capability, models in CAPABILITIES.items()}
CONVERSATIONS_KEPT = 10_000


def reader_form(values: dict) -> dict:
    """A record as a reader hands it on: text values, times in ISO 8601, nested values as
    JSON text."""
    out = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            out[name] = value.isoformat()
        elif isinstance(value, dict | list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif value is not None:
            out[name] = str(value)
    return out


class RejectedRows(ShopformerError):
    """Rows of a request that failed validation; nothing of the request was stored."""

    def __init__(self, collection: str, rejections: list[Rejection],
                 places: list[list] | None = None) -> None:
        """`places`: where in the body each row came from, when not `collection`[row − 1]
        (an order line's purchase: ["orders", 3, "lines", 1])."""
        super().__init__(f"{len(rejections)} {collection} rejected")
        self.details = [{"loc": ["body", *(places[(r.row or 1) - 1] if places
                                           else [collection, (r.row or 1) - 1]),
                                 *([r.field] if r.field else [])],
                         "msg": r.reason, "type": "value_error"} for r in rejections]


class InvalidField(Exception):
    """A request that is well-formed but wrong in a field (or a combination of fields):
    answered 422 with the field's path, like pydantic's own validation errors."""

    def __init__(self, loc: list, message: str) -> None:
        super().__init__(message)
        self.loc = loc


class NotServed(ShopformerError):
    """A capability without a usable model (503)."""


@dataclass
class Served:
    value: Any
    versions: dict[str, str]  # model name → version, the capability's own model first

    @property
    def answering(self) -> dict[str, str]:
        """The model an answer names: the capability's own (name and version)."""
        name, version = next(iter(self.versions.items()))
        return {"name": name, "version": version}


@dataclass
class Activation:
    name: str
    version: str
    previous: str | None
    seconds: float
    capabilities: list[str] = field(default_factory=list)


class ServingState:
    def __init__(self, workspace: Workspace, config: ServeConfig | None = None) -> None:
        self.workspace = workspace
        self.config = config or ServeConfig()
        self.pipeline = IngestPipeline(workspace.store, workspace.pseudonymizer)
        self.events = GroupCommit(workspace.store, "event")
        self.options = ParseOptions(timezone=workspace.settings.timezone)
        self.served: dict[str, Served] = {}
        self.problems: dict[str, str] = {}  # capability → why it is not served
        self.lock = threading.RLock()  # live state: observe, forget, swap
        self._activating = threading.Lock()
        self._replay: list[tuple[str, dict]] | None = None
        self.conversations: OrderedDict[str, Any] = OrderedDict()
        self._analyzer: tuple[str, Any] | None = None  # the last sentiment model loaded
        # what it read in the reviews: (version, reviews stored then, signals)
        self._signals: tuple[str, int, Any] | None = None
        # the policy and FAQ files as the serving support assistant read them
        self._support_files: tuple | None = None
        self._persons = self._read_persons()
        erased = workspace.store.erased_accounts()
        self._erased = set(zip(erased["channel"].to_pylist(), erased["account"].to_pylist(),
                               strict=True))  # their events are kept out of live state too

    # --- loading ------------------------------------------------------------------------
    def load(self) -> None:
        """Build every capability whose models are active; note why the others are not."""
        active = {name: self.workspace.models.active(name) for name in MODEL_NAMES}
        for capability in CAPABILITIES:
            missing = [m for m in REQUIRED[capability] if active[m] is None]
            if missing:
                self.problems[capability] = f"no active {', '.join(missing)} model (" + \
                    "; ".join(TRAINED_BY[m] for m in missing) + ")"
                continue
            try:
                self.served[capability] = self._build(capability, active)
                self.problems.pop(capability, None)
            except Exception as error:
                self.problems[capability] = f"{type(error).__name__}: {error}"
                log.warning("%s not served: %s", capability, error)

    def capability(self, name: str) -> Served:
        served = self.served.get(name)
        if served is None:
            raise NotServed(f"{name} is not served: {self.problems.get(name, 'not loaded')}")
        return served

    @property
    def ready(self) -> bool:
        return "recommend" in self.served

    def _build(self, capability: str, versions: Mapping[str, str | None]) -> Served:
        models = {m: versions[m] for m in CAPABILITIES[capability] if versions.get(m)}
        builder: Callable[[Mapping[str, str]], Any] = getattr(self, f"_build_{capability}")
        return Served(builder(models), dict(models))

    def _build_recommend(self, versions: Mapping[str, str]) -> Any:
        from shopformer.tasks.recommend import RecommendConfig, Recommender

        config = RecommendConfig(popular_by_channel=self.config.popularity_by_channel)
        version = versions.get(SENTIMENT_MODEL)
        return Recommender(config).fit(
            self.workspace.store, self.workspace.shop_model(versions[SHOP_MODEL]),
            reviews=None if version is None else self._review_signals(version))

    def _build_search(self, versions: Mapping[str, str]) -> Any:
        from shopformer.tasks.search.from_store import person_affinity

        engine = self.workspace.search_engine(versions[SEARCH_MODEL], personalize=False,
                                              shop_version=versions[SHOP_MODEL])
        recommend = self.served.get("recommend")
        if recommend is not None:  # the persons' live state, shared with recommendations
            engine.person_scores = person_affinity(recommend.value, engine.catalog_.ids)
        return engine

    def _build_ads(self, versions: Mapping[str, str]) -> Any:
        return self.workspace.ad_ranker(versions[ADS_MODEL])

    def _build_sentiment(self, versions: Mapping[str, str]) -> Any:
        return self._review_analyzer(versions[SENTIMENT_MODEL])

    def _build_replies(self, versions: Mapping[str, str]) -> Any:
        return self.workspace.reply_suggester(self._review_analyzer(versions[SENTIMENT_MODEL]))

    def _review_analyzer(self, version: str) -> Any:
        """The sentiment model loaded last when it is this version, not a second copy."""
        if self._analyzer is None or self._analyzer[0] != version:
            self._analyzer = (version, self.workspace.review_analyzer(version))
        return self._analyzer[1]

    def _review_signals(self, version: str) -> Any:
        """What this sentiment version reads in the store's reviews, read once for every
        capability that uses it (recommendations and support) until reviews are added."""
        stored = self.workspace.store.count("review")
        if self._signals is None or self._signals[:2] != (version, stored):
            self._signals = (version, stored, self.workspace.review_signals(
                version, analyzer=self._review_analyzer(version)))
        return self._signals[2]

    def support(self) -> Served:
        """The support assistant, built again when the workspace's policy or FAQ file
        changed since it was (edited while serving: before, a restart was needed). A file
        that no longer reads keeps the assistant as it was, and the log says why."""
        served = self.capability("support")
        if self._support_stamp() == self._support_files:
            return served
        with self._activating:  # one rebuild at a time, never beside an activation
            served = self.capability("support")
            stamp = self._support_stamp()
            if stamp != self._support_files:
                try:
                    served = self._build("support", served.versions)
                except ShopformerError as error:
                    log.error("support: %s; the assistant keeps its earlier policy and FAQ",
                              error)
                    self._support_files = stamp  # not read again until it changes
                    return served
                with self.lock:
                    self.served = {**self.served, "support": served}
        return served

    def _support_stamp(self) -> tuple:
        return tuple(file_stamp(self.workspace.root / name) for name in (POLICY_FILE, FAQ_FILE))

    def _build_support(self, versions: Mapping[str, str]) -> Any:
        self._support_files = self._support_stamp()  # before reading: a later edit is seen
        policy = self.workspace.root / POLICY_FILE
        return self.workspace.support_assistant(
            policy=policy if policy.is_file() else None,
            intents_version=versions[INTENT_MODEL],
            sentiment_version=versions.get(SENTIMENT_MODEL),
            signals=None if SENTIMENT_MODEL not in versions
            else self._review_signals(versions[SENTIMENT_MODEL]))

    # --- models -------------------------------------------------------------------------
    def activate(self, name: str, version: str | None = None, *, rollback: bool = False
                 ) -> Activation:
        """Serve `version` of model `name` (or, with `rollback`, the one active before):
        load every capability using it beside the serving ones, then swap them in and move
        the pointer. A version that fails to load changes nothing."""
        if name not in MODEL_NAMES:
            raise ConfigError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
        registry = self.workspace.models
        with self._activating:
            started = time.perf_counter()
            previous = registry.active(name)
            if rollback:
                version = registry.previous(name)
                if version is None:
                    raise ConfigError(f"model {name} has no earlier version to roll back to")
            if version is None or version not in registry.versions(name):
                raise ConfigError(f"model {name} has no version {version!r}; known: "
                                  f"{', '.join(registry.versions(name)) or 'none'}")
            versions = {m: registry.active(m) for m in MODEL_NAMES} | {name: version}
            affected = [c for c, models in CAPABILITIES.items() if name in models
                        and all(versions[m] for m in REQUIRED[c])]
            with self.lock:
                self._replay = []
            try:
                built = {}
                for capability in sorted(affected, key=lambda c: c != "recommend"):
                    built[capability] = self._build(capability, versions)
                    if capability == "recommend":  # search reads the new live state
                        self.served, old = {**self.served, **built}, self.served
            except Exception as error:
                with self.lock:
                    if "recommend" in built:
                        self.served = old
                    self._replay = None
                raise ModelRefused(f"model {name} version {version} failed to load and was "
                                   f"not activated ({type(error).__name__}: {error}); "
                                   f"{previous or 'nothing'} keeps serving") from None
            with self.lock:
                recommender = built.get("recommend")
                for person, event in self._replay or []:
                    if recommender is not None:
                        recommender.value.observe(person, event)
                self._replay = None
                self.served = {**self.served, **built}
                for capability in built:
                    self.problems.pop(capability, None)
                registry.activate(name, version)
            return Activation(name, version, previous,
                              round(time.perf_counter() - started, 3), sorted(built))

    # --- persons ------------------------------------------------------------------------
    def person_of(self, channel: str, raw_account: str) -> str:
        """The person behind a raw account id (pseudonymized first), live links included."""
        account = self.workspace.pseudonymizer.one(raw_account.strip(), "account")
        return self._person(channel_name(channel), account)

    def asking_person(self, account: str | None, channel: str | None,
                      person: str | None = None, where: str = "query") -> str | None:
        """The person a request is for: `person` as given, or the one behind `account` on
        `channel`; None for neither. An account without its channel, or both an account
        and a person, is a 422 naming the field."""
        if account is not None and person is not None:
            raise InvalidField([where, "person"], "give account (with channel) or person, "
                                                  "not both")
        if (account is None) != (channel is None) and person is None:
            missing = "channel" if account is not None else "account"
            raise InvalidField([where, missing], "account and channel go together")
        if account is not None and channel is not None:
            return self.person_of(channel, account)
        return person

    def _person(self, channel: str, account: str) -> str:
        return self._persons.get((channel, account)) or default_person_id(channel, account)

    def _read_persons(self) -> dict[tuple[str, str], str]:
        mapping = self.workspace.store.persons_map()
        return {(c, a): p for c, a, p in zip(mapping["channel"].to_pylist(),
                                              mapping["account"].to_pylist(),
                                              mapping["person_id"].to_pylist(), strict=True)}

    def erase(self, person_id: str) -> dict[str, int]:
        """Remove a person everywhere: their stored rows (and keep them out of later
        ingests), their live state and their open conversations."""
        accounts = self.workspace.store.person_accounts(person_id)
        removed = self.workspace.erase_person(person_id)
        with self.lock:
            self._erased.update(accounts)
            recommend = self.served.get("recommend")
            if recommend is not None:
                recommend.value.forget(person_id)
            search = self.served.get("search")
            if search is not None:
                search.value.forget(person_id)
            support = self.served.get("support")
            if support is not None and support.value.orders is not None:
                support.value.orders.forget(person_id)
            for key in [k for k, c in self.conversations.items() if c.person_id == person_id]:
                del self.conversations[key]
        return removed

    # --- ingestion ----------------------------------------------------------------------
    def ingest_events(self, records: list[dict]) -> AppendResult:
        """Validate, pseudonymize and store a batch (all or nothing), then let the live state
        see the new events. Raises `RejectedRows` with every bad row."""
        clean = self._prepare("event", "events", records)
        result = self.events.append(clean)
        self._observe(clean)
        return result

    def ingest_orders(self, orders: list[dict], lines: list[list[dict]]
                      ) -> tuple[AppendResult, AppendResult]:
        """Store orders (a known one is updated where it changed) and a purchase event per
        line, all validated before any is stored: (orders, purchases). The serving support
        assistant knows the orders at once, and the live state sees the purchases."""
        events, places = [], []
        for i, (order, its_lines) in enumerate(zip(orders, lines, strict=True)):
            for n, line in enumerate(its_lines, 1):
                own = {k: v for k, v in line.items() if k != "place"}  # place keys it
                events.append({**own, **order_line_event(order, int(line.get("place") or n))})
                places.append(["orders", i, "lines", n - 1])
        clean_orders = self._prepare("order", "orders", orders)
        clean_events = self._prepare("event", "orders", events, places) if events else None
        named = self._named_items(lines)
        stored = self.workspace.store.append("order", clean_orders)
        purchases = AppendResult()
        if clean_events is not None:
            purchases = self.events.append(clean_events)
            self._observe(clean_events)
        if named is not None:
            self.workspace.store.append("item", named)
        support = self.served.get("support")
        if support is not None and support.value.orders is not None:
            support.value.orders.remember(self.workspace.store.read_keys(
                "order", clean_orders["order_id"].to_pylist()))
        if support is not None and support.value.products is not None and named is not None:
            support.value.products.remember(named)
        return stored, purchases

    def _named_items(self, lines: list[list[dict]]) -> pa.Table | None:
        """The items order lines name (a Shopify line's `name`) that the catalog lacks, with
        the line's name and unit price, validated, as the orders export's lines make them:
        a shop that sends orders before its catalog gets answers that say what an item
        is."""
        named: dict[str, dict] = {}
        for line in (line for its_lines in lines for line in its_lines):
            title = line.get("name") or line.get("title")
            if title and str(title).strip():
                named.setdefault(str(line["item_id"]), {
                    "item_id": str(line["item_id"]), "title": str(title).strip(),
                    "price": line.get("price")})
        if not named:
            return None
        stored = set(self.workspace.store.read_keys("item", list(named))
                     .column("item_id").to_pylist())
        new = [item for key, item in named.items() if key not in stored]
        return self._prepare("item", "orders", new) if new else None

    def ingest_items(self, given: list[dict]) -> tuple[AppendResult, int]:
        """Store catalog items (a known item keeps the fields not given, its `extra` merged)
        and let the serving capabilities see them: (stored, how many the recommender or
        search do not know yet)."""
        keys = [str(item["item_id"]) for item in given]
        stored = {row["item_id"]: row for row in
                  self.workspace.store.read_keys("item", keys).to_pylist()}
        records = []
        for item in given:
            before = dict(stored.get(str(item["item_id"])) or {})
            extra = json_object(before.pop("extra", None))
            records.append(reader_form({**before, **extra, **item}))
        clean = self._prepare("item", "items", records)
        result = self.workspace.store.append("item", clean)
        rows = self.workspace.store.read_keys("item", keys)
        listed = [{**row, "extra": json_object(row["extra"])} for row in rows.to_pylist()]
        unknown = 0
        with self.lock:
            for capability in ("recommend", "search"):
                served = self.served.get(capability)
                if served is not None:
                    unknown = max(unknown, served.value.update_items(listed))
            support = self.served.get("support")
            if support is not None and support.value.products is not None:
                support.value.products.remember(rows)
        return result, unknown

    def ingest_reviews(self, records: list[dict]) -> AppendResult:
        """Store reviews (all or nothing); opinion reports read the store, so they count
        them at once."""
        return self.workspace.store.append("review", self._prepare("review", "reviews",
                                                                   records))

    def ingest_links(self, records: list[dict]) -> tuple[AppendResult, int]:
        """Store identity links and merge persons at once: (stored, accounts that changed
        person). The merged persons' live state is read again from the store."""
        clean = self._prepare("link", "links", records)
        accounts = {(c, a) for side in ("a", "b") for c, a in zip(
            clean[f"channel_{side}"].to_pylist(), clean[f"account_{side}"].to_pylist(),
            strict=True)}
        touched = {self._person(*account) for account in accounts}  # before the merge
        result = self.workspace.store.append("link", clean)
        changed = refresh_persons(self.workspace.store) if result.inserted else 0
        with self.lock:
            self._persons = self._read_persons()
            touched |= {self._person(*account) for account in accounts}  # and after
            recommend = self.served.get("recommend")
            if recommend is not None:
                for person in touched:
                    recommend.value.forget(person)
        return result, changed

    def _prepare(self, kind: str, collection: str, records: list[dict],
                 places: list[list] | None = None) -> pa.Table:
        batch = RawBatch(kind, records_table(records), np.arange(1, len(records) + 1),
                         collection, self.options)
        clean, rejections = self.pipeline.prepare(batch)
        if rejections:
            raise RejectedRows(collection, rejections, places)
        return clean

    def _observe(self, clean: pa.Table) -> None:
        columns = {name: clean[name].to_pylist() for name in
                   ("event_id", "ts", "account", "channel", "type", "item_id", "session_id",
                    "query")}
        with self.lock:
            recommend, search = self.served.get("recommend"), self.served.get("search")
            for row in zip(*columns.values(), strict=True):
                event = dict(zip(columns, row, strict=True))
                account = event.pop("account")
                if (event["channel"], account) in self._erased:
                    continue
                person = self._person(event["channel"], account)
                if search is not None:  # what shoppers choose after a query, live
                    search.value.observe(person, event)
                if not event["item_id"]:
                    continue
                if recommend is not None:
                    recommend.value.observe(person, event)
                if self._replay is not None:
                    self._replay.append((person, event))


class ModelRefused(ShopformerError):
    """A model version that could not be loaded (409): the old one keeps serving."""

