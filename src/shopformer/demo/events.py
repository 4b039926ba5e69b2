"""From visits and views to the rows of events.csv and orders.csv.

Inside a visit the order is fixed: search, then per item click → view → fav → cart, and the
carted items bought together at the end as one order. Returns come 3–12 days later, more
often for bad items, and open a visit of their own; so does a search for what the shop does
not sell (search_gaps.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shopformer.demo.behaviour import FRAUD, Sessions, Views
from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.config import CHANNELS
from shopformer.demo.persons import LANGUAGES
from shopformer.demo.search_gaps import lost_searches
from shopformer.demo.texts import search_query
from shopformer.demo.timeline import DAY, Timeline
from shopformer.schema.records import EVENT

EVENT_COLUMNS = (*EVENT.names, "order_id")  # order_id is an extra column, kept by ingest
TYPES = ("search", "click", "view", "fav", "cart", "purchase", "return")
_SEARCH, _CLICK, _VIEW, _FAV, _CART, _PURCHASE, _RETURN = range(len(TYPES))
RETURN_RATE = np.array([0.02, 0.05, 0.15])  # good, average, bad
PAYMENTS = ("alipay", "wechat_pay", "card", "cod")
# (channel or ring, payment) shares: the mini-program pays by WeChat, the ring by card.
PAYMENT_SHARES = np.array([[0.45, 0.20, 0.25, 0.10],
                           [0.45, 0.35, 0.15, 0.05],
                           [0.05, 0.90, 0.05, 0.00],
                           [0.30, 0.35, 0.35, 0.00],
                           [0.20, 0.00, 0.80, 0.00]])
_RING_ROW = 4


@dataclass(frozen=True)
class Orders:
    ids: np.ndarray  # (O,) str, numbered in time order
    session: np.ndarray  # (O,)
    t: np.ndarray
    amount: np.ndarray
    payment: np.ndarray  # (O,) str
    fraud: np.ndarray  # (O,) bool


@dataclass(frozen=True)
class Purchases:
    session: np.ndarray  # (B,)
    item: np.ndarray
    t: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    order: np.ndarray  # index into Orders


@dataclass(frozen=True)
class History:
    sessions: Sessions
    orders: Orders
    purchases: Purchases
    events: dict[str, list[str]]  # events.csv columns, in time order


def emit(rng: np.random.Generator, sessions: Sessions, views: Views, catalog: Catalog,
         timeline: Timeline) -> History:
    n_sessions = len(sessions.start)
    session_ids = _numbered("S", _rank(sessions.start), 7)
    end = np.zeros(n_sessions, dtype=np.int64)
    np.maximum.at(end, views.session, views.t)
    purchases, orders = _orders(rng, sessions, views, end)
    parts = [_searches(rng, sessions, views, catalog, session_ids)]
    for kind, mask, offset in ((_CLICK, views.click, -3), (_VIEW, None, 0),
                               (_FAV, views.fav, 8), (_CART, views.cart, 20)):
        rows = np.arange(len(views.item)) if mask is None else np.flatnonzero(mask)
        parts.append(_part(kind, views.session[rows], session_ids[views.session[rows]],
                           views.t[rows] + offset, views.item[rows], views.price[rows],
                           views.quantity[rows] if kind == _CART else 0))
    parts.append(_part(_PURCHASE, purchases.session, session_ids[purchases.session],
                       purchases.t, purchases.item, purchases.price, purchases.quantity,
                       order=purchases.order))
    parts.append(_returns(rng, sessions, purchases, catalog, timeline, n_sessions))
    parts.append(_lost(rng, sessions, timeline, n_sessions + len(parts[-1]["session"])))
    events = _columns(parts, sessions, orders, catalog, timeline)
    return History(sessions, orders, purchases, events)


def _rank(t: np.ndarray) -> np.ndarray:
    rank = np.empty(len(t), dtype=np.int64)
    rank[np.argsort(t, kind="stable")] = np.arange(len(t))
    return rank


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{n + 1:0{width}d}" for n in numbers.tolist()], dtype=str)


def _orders(rng: np.random.Generator, sessions: Sessions, views: Views, end: np.ndarray
            ) -> tuple[Purchases, Orders]:
    bought = np.flatnonzero(views.buy)
    session = views.session[bought]  # non-decreasing: views are grouped by visit
    position = np.arange(len(bought)) - np.searchsorted(session, session)
    t = end[session] + 30 + 5 * position
    order_session = np.unique(session)
    spent = np.bincount(session, views.price[bought] * views.quantity[bought],
                        minlength=len(end))
    order_t = end[order_session] + 30
    rank = _rank(order_t)
    order_of_session = np.full(len(end), -1)
    order_of_session[order_session] = rank
    fraud = sessions.kind[order_session] == FRAUD
    shares = PAYMENT_SHARES[np.where(fraud, _RING_ROW, sessions.channel[order_session])]
    payment = (np.cumsum(shares, axis=1) < rng.random(len(order_session))[:, None]).sum(axis=1)
    by_time = np.argsort(rank)
    orders = Orders(_numbered("O", np.arange(len(order_session)), 7), order_session[by_time],
                    order_t[by_time], np.round(spent[order_session], 2)[by_time],
                    np.array(PAYMENTS)[np.minimum(payment, 3)][by_time], fraud[by_time])
    purchases = Purchases(session, views.item[bought], t, views.price[bought],
                          views.quantity[bought], order_of_session[session])
    return purchases, orders


def _part(kind: int, session: np.ndarray, sid: np.ndarray, t: np.ndarray,
          item: np.ndarray | int = -1, price: np.ndarray | float = np.nan,
          quantity: np.ndarray | int = 0, query: list[str] | None = None,
          order: np.ndarray | int = -1) -> dict[str, object]:
    n = len(session)
    return {"kind": np.full(n, kind), "session": session, "sid": sid, "t": t,
            "item": np.broadcast_to(item, n), "price": np.broadcast_to(price, n),
            "quantity": np.broadcast_to(quantity, n),
            "query": np.array(query if query is not None else [""] * n, dtype=object),
            "order": np.broadcast_to(order, n)}


def _searches(rng: np.random.Generator, sessions: Sessions, views: Views, catalog: Catalog,
              session_ids: np.ndarray) -> dict[str, object]:
    """Each search names what the shopper then looks at first (or nothing in particular),
    so what shoppers choose after a query depends on its words, as in a real shop."""
    rows = np.flatnonzero(sessions.search_category >= 0)
    in_order = np.lexsort((views.t, views.session))
    sessions_seen, first = np.unique(views.session[in_order], return_index=True)
    first_item = np.zeros(len(sessions.start), dtype=np.int64)  # item 0 if none is seen
    first_item[sessions_seen] = views.item[in_order[first]]
    queries = [search_query(rng, CATEGORIES[c], LANGUAGES[lang],
                            int(catalog.noun[item]) if catalog.category[item] == c else None)
               for c, lang, item in zip(sessions.search_category[rows],
                                        sessions.language[rows], first_item[rows],
                                        strict=True)]
    return _part(_SEARCH, rows, session_ids[rows], sessions.start[rows], query=queries)


def _returns(rng: np.random.Generator, sessions: Sessions, purchases: Purchases,
             catalog: Catalog, timeline: Timeline, n_sessions: int) -> dict[str, object]:
    rate = RETURN_RATE[catalog.quality[purchases.item]]
    honest = sessions.kind[purchases.session] != FRAUD
    chosen = np.flatnonzero(honest & (rng.random(len(rate)) < rate))
    later = (purchases.t[chosen] + rng.integers(3, 13, len(chosen)) * DAY
             + rng.integers(0, 12 * 3600, len(chosen)))
    chosen, later = chosen[later < timeline.end_second], later[later < timeline.end_second]
    sid = _numbered("S", n_sessions + _rank(later), 7)
    return _part(_RETURN, purchases.session[chosen], sid, later, purchases.item[chosen],
                 purchases.price[chosen], purchases.quantity[chosen])


def _lost(rng: np.random.Generator, sessions: Sessions, timeline: Timeline, numbered: int
          ) -> dict[str, object]:
    """Searches that find nothing, each a visit of its own. Drawn last, so every other
    event, order and review is drawn the same with or without them; only the event ids,
    numbered in time order, move."""
    session, t, queries = lost_searches(rng, sessions, timeline)
    sid = _numbered("S", numbered + _rank(t), 7)
    return _part(_SEARCH, session, sid, t, query=queries)


def _columns(parts: list[dict[str, object]], sessions: Sessions, orders: Orders,
             catalog: Catalog, timeline: Timeline) -> dict[str, list[str]]:
    merged = {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in parts[0]}
    t = np.clip(merged["t"], 0, timeline.end_second - 1)
    order = np.lexsort((np.arange(len(t)), t))
    col = {key: value[order] for key, value in merged.items()}
    session, item, price = col["session"], col["item"], col["price"]
    quantity, linked_order = col["quantity"], col["order"]
    return {
        "event_id": _numbered("E", np.arange(len(t)), 8).tolist(),
        "ts": timeline.iso(t[order]).tolist(),
        "account": sessions.account[session].tolist(),
        "channel": np.array(CHANNELS)[sessions.channel[session]].tolist(),
        "type": np.array(TYPES)[col["kind"]].tolist(),
        "item_id": np.where(item >= 0, catalog.ids[item], "").tolist(),
        "query": col["query"].tolist(),
        "price": ["" if math.isnan(p) else f"{p:.2f}" for p in price.tolist()],
        "quantity": [str(q) if q else "" for q in quantity.tolist()],
        "session_id": col["sid"].tolist(),
        "device": sessions.device[session].tolist(),
        "ip": sessions.ip[session].tolist(),
        "order_id": np.where(linked_order >= 0, orders.ids[linked_order], "").tolist(),
    }
