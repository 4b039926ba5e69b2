"""What the store says about search: the catalog to index, and graded judgments read from
behaviour — a search followed, in the same session, by a click, view, cart or purchase of
an item is that item judged for that query by that person (the strongest engagement wins;
each further item along the search's trail counts less: `trail.py`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.model.config import FIRST_ID
from shopformer.schema.records import json_object, text_number
from shopformer.storage.base import Store
from shopformer.tasks.search.ranker import Judgment, SearchRanker
from shopformer.tasks.search.trail import ENGAGEMENT_GAINS, SearchTrail

SESSION_COLUMNS = ["person_id", "session_id", "ts", "event_id", "type", "item_id", "query"]
CATALOG_COLUMNS = ["item_id", "title", "description", "category", "brand", "price",
                   "attributes", "channels"]


@dataclass
class SearchLog:
    judgments: list[Judgment]
    queries: list[str]  # every query typed (spelling correction learns the shop's words)
    popularity: Counter[str]  # item → engagements after searches and views
    latest: datetime | None = None  # time of the newest event read


def catalog_rows(store: Store) -> list[dict]:
    """The catalog in key order (the same store always builds the same engine). An items
    export's own text columns (颜色 浅蓝, 材质 冰丝: kept in `extra`) are searched with its
    attributes; its numbers (库存 120, 销量 3000) are not words a shopper types."""
    rows = store.read_table("item", [*CATALOG_COLUMNS, "extra"],
                            order_by=["item_id"]).to_pylist()
    for row in rows:
        extra = json_object(row.pop("extra"))
        words = {k: v for k, v in extra.items()
                 if isinstance(v, str) and text_number(v) is None}
        if words:
            row["attributes"] = json.dumps({**words, **json_object(row["attributes"])},
                                           ensure_ascii=False)
    return rows


def search_log(store: Store, gains: dict[str, float] | None = None) -> SearchLog:
    """Judgments from every session in the store (one ordered read)."""
    gains = gains or ENGAGEMENT_GAINS
    events = store.read_table("event", SESSION_COLUMNS)
    if events.num_rows == 0:
        return SearchLog([], [], Counter())
    latest = pc.max(events["ts"]).as_py()
    events = _in_session_order(events)
    persons = events["person_id"].to_pylist()
    sessions = events["session_id"].to_pylist()
    types = events["type"].to_pylist()
    items = events["item_id"].to_pylist()
    queries = events["query"].to_pylist()
    judged: dict[tuple[str, str, str], float] = {}
    popularity: Counter[str] = Counter()
    typed: list[str] = []
    trail: SearchTrail | None = None  # the last search of the current session
    where: tuple[str, str] | None = None  # its (person, session)
    for person, session, kind, item, query in zip(persons, sessions, types, items, queries,
                                                  strict=True):
        if trail is not None and where != (person, session):
            trail = None
        if kind == "search" and query:
            trail, where = SearchTrail(query, gains), (person, session)
            typed.append(query)
        elif item and kind in gains:
            popularity[item] += 1
            if trail is not None:
                key = (trail.query, str(item), person)
                gain = trail.credit(kind, str(item)) or 0.0
                judged[key] = max(judged.get(key, 0.0), gain)
    judgments = [Judgment(query, item, gain, person) for (query, item, person), gain
                 in judged.items()]
    return SearchLog(judgments, typed, popularity, latest)


def replay_searches(store: Store, engine: SearchRanker) -> int:
    """Hand the engine every search and engagement stored after its log was read
    (`SearchRanker.observe`), so a loaded engine knows what the live one had learned.
    Returns the events replayed."""
    if engine.log_until_ is None:
        return 0
    events = _in_session_order(store.read_table(
        "event", SESSION_COLUMNS, since=datetime.fromisoformat(engine.log_until_)))
    for row in events.to_pylist():
        engine.observe(row.pop("person_id"), row)
    return events.num_rows


def _in_session_order(events: pa.Table) -> pa.Table:
    """The events that belong to a session, each person's sessions in time order."""
    events = events.filter(pc.is_valid(events["session_id"]))
    return events.take(pc.sort_indices(events, [
        ("person_id", "ascending"), ("session_id", "ascending"), ("ts", "ascending"),
        ("event_id", "ascending")]))


def person_affinity(recommender, catalog_ids: list[str]):
    """`PersonScores` from a fitted Recommender: the shop model's live score of every
    catalog item for the person's recent history (None for someone without history)."""
    vocabulary = recommender.bundle_.vocab.items
    positions = np.asarray(vocabulary.lookup(catalog_ids))

    unknown = positions < FIRST_ID  # items the shop model has not seen yet

    def scores(person_id: str) -> np.ndarray | None:
        every = recommender.person_scores(person_id)
        if every is None:
            return None
        out = every[positions]
        if unknown.any():
            out[unknown] = np.median(out[~unknown]) if (~unknown).any() else 0.0
        return out

    return scores
