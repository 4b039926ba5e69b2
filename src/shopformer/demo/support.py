"""Customer-service conversations: an intent-labelled customer opener, agent replies that fit,
order ids that exist in orders.csv, escalations, and planted personal data."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from shopformer.demo.catalog import Catalog
from shopformer.demo.categories import CATEGORIES, Category
from shopformer.demo.config import CHANNELS, STORE, DemoConfig
from shopformer.demo.events import History
from shopformer.demo.persons import LANGUAGES
from shopformer.demo.pii import PiiLog, address, sentence
from shopformer.demo.support_texts import (
    ANSWERS,
    ASK_ORDER,
    ESCALATIONS,
    GIVE_ORDER,
    GIVE_ORDER_AND_ADDRESS,
    INTENT_SHARES,
    INTENTS,
    OPENERS,
    ORDER_INTENTS,
    PRODUCT_QA,
)
from shopformer.demo.timeline import DAY, Timeline
from shopformer.schema.records import TURN

TURN_COLUMNS = TURN.names
MENTION_ORDER_SHARE = 0.6  # the opener already names the order, else the agent asks for it
COMPLAINT_ORDER_SHARE = 0.5
ESCALATION_SHARE = 0.25
PII_SHARE = 0.10  # of customer turns, counting the addresses change_address turns carry


def build_turns(rng: np.random.Generator, history: History, catalog: Catalog,
                timeline: Timeline, config: DemoConfig, pii: PiiLog
                ) -> tuple[list[dict[str, object]], dict[str, dict[str, str]]]:
    """(turn rows, conversation id → its intent, order id and item id, "" where none)."""
    sessions, orders = history.sessions, history.orders
    online_orders = np.flatnonzero(~orders.fraud & (sessions.channel[orders.session] != STORE))
    # Real customers' online visits (the complaint burst guarantees some), never the ring's.
    online_visits = np.flatnonzero((sessions.person >= 0) & (sessions.channel != STORE))
    conversations = []
    for _ in range(config.conversations):
        intent = INTENTS[rng.choice(len(INTENTS), p=INTENT_SHARES)]
        wants_order = intent in ORDER_INTENTS or (
            intent == "complaint" and rng.random() < COMPLAINT_ORDER_SHARE)
        if wants_order and len(online_orders):
            order = int(rng.choice(online_orders))
            session, start = orders.session[order], orders.t[order] + rng.integers(3600, 5 * DAY)
        else:
            intent = "product_question" if intent in ORDER_INTENTS else intent
            order, session = -1, int(rng.choice(online_visits))
            start = sessions.start[session] + rng.integers(60, 3600)
        conversations.append((int(min(start, timeline.end_second - 3600)), intent, order, session))
    conversations.sort(key=lambda c: c[0])  # numbered in time order; ties keep draw order
    rows: list[dict[str, object]] = []
    languages: list[str] = []
    subjects: dict[str, dict[str, str]] = {}
    for n, (start, intent, order, session) in enumerate(conversations):
        language = LANGUAGES[sessions.language[session]]
        order_id = str(orders.ids[order]) if order >= 0 else ""
        texts, item = _dialogue(rng, intent, order_id, language, catalog, timeline, start,
                                pii)
        subjects[f"C{n + 1:05d}"] = {"intent": intent, "order_id": order_id,
                                     "item_id": str(catalog.ids[item]) if item >= 0 else ""}
        gaps = np.cumsum(rng.integers(15, 180, len(texts))) - 15
        stamps = timeline.iso(np.minimum(start + gaps, timeline.end_second - 1)).tolist()
        for turn, (role, label, text) in enumerate(texts):
            rows.append({"conversation_id": f"C{n + 1:05d}", "turn": turn, "role": role,
                         "text": text, "ts": stamps[turn], "intent": label,
                         "account": str(sessions.account[session]),
                         "channel": CHANNELS[sessions.channel[session]]})
            languages.append(language)
    _plant_contacts(rng, rows, languages, pii)
    return rows, subjects


def _plant_contacts(rng: np.random.Generator, rows: list[dict[str, object]],
                    languages: list[str], pii: PiiLog) -> None:
    """Top up to exactly PII_SHARE of customer turns with a phone number or an e-mail."""
    customer = [i for i, row in enumerate(rows) if row["role"] == "customer"]
    carrying = {i for i in customer if any(v in str(rows[i]["text"]) for v in pii.values)}
    free = [i for i in customer if i not in carrying]
    missing = max(0, round(PII_SHARE * len(customer)) - len(carrying))
    for i in sorted(rng.choice(free, min(missing, len(free)), replace=False).tolist()):
        language = languages[i]
        kind = ("phone", "email")[rng.integers(2)]
        glue = "，" if language == "zh" else ". "
        rows[i]["text"] = f"{rows[i]['text']}{glue}{sentence(rng, language, pii, kind)}"


def _dialogue(rng: np.random.Generator, intent: str, order_id: str, language: str,
              catalog: Catalog, timeline: Timeline, start: int, pii: PiiLog
              ) -> tuple[list[tuple[str, str, str]], int]:
    """(role, intent label or "", text) per turn — customers carry the label, agents do
    not — and the item asked about (-1: none)."""
    zh = language == "zh"
    fill = {"order": order_id, "date": _date(timeline, start, rng, zh), "address": ""}
    if intent == "change_address":
        fill["address"] = address(rng, language)
        pii.values.append(fill["address"])
    turns: list[tuple[str, str, str]] = []
    item = -1
    if intent == "product_question":
        item = int(rng.choice(np.flatnonzero(~catalog.cold)))
        topics = _topics(CATEGORIES[catalog.category[item]])
        q_zh, q_en, a_zh, a_en = PRODUCT_QA[topics[rng.integers(len(topics))]]
        name = catalog.names[item][0 if zh else 1]
        turns += [("customer", intent, (q_zh if zh else q_en).format(item=name)),
                  ("agent", "", (a_zh if zh else a_en).format(item=name))]
    else:
        with_order, without = OPENERS[intent][0:2] if zh else OPENERS[intent][2:4]
        mention = bool(order_id) and rng.random() < MENTION_ORDER_SHARE
        turns.append(("customer", intent, _pick(rng, with_order if mention else without)))
        if order_id and not mention:
            given = GIVE_ORDER_AND_ADDRESS if intent == "change_address" else GIVE_ORDER
            turns += [("agent", "", ASK_ORDER[0 if zh else 1]),
                      ("customer", intent, _pick(rng, given[0 if zh else 1]))]
        turns.append(("agent", "", _pick(rng, ANSWERS[intent][0 if zh else 1])))
    if intent not in ("product_question", "human_agent") and rng.random() < ESCALATION_SHARE:
        escalation = "human_agent" if rng.random() < 0.5 else "complaint"
        turns += [("customer", escalation, _pick(rng, ESCALATIONS[escalation][0 if zh else 1])),
                  ("agent", "", _pick(rng, ANSWERS[escalation][0 if zh else 1]))]
    return [(role, label, text.format(**fill)) for role, label, text in turns], item


def _topics(category: Category) -> list[str]:
    """Questions that make sense for the product: sizes for clothes, shelf life for food."""
    food = "taste" in category.aspects
    topics = ["stock", "shelf_life" if food else "warranty"]
    if "size" in category.aspects:
        topics.append("size")
    if "color" in category.attributes:
        topics.append("colour")
    return topics


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[rng.integers(len(options))]


def _date(timeline: Timeline, start: int, rng: np.random.Generator, zh: bool) -> str:
    day = timeline.first_day + timedelta(days=start // DAY + int(rng.integers(1, 5)))
    return f"{day.month}月{day.day}日" if zh else day.strftime("%b %d").replace(" 0", " ")
