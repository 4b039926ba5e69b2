"""The shop's past agent answers, and which of them may be reused for another customer.

Support retrieval and suggested review replies both draw on what agents answered before.
An answer naming an order number, a date or another long number ("your refund for O123
arrives by 9月10日") was true for that customer only: reused, it would tell someone else
about a stranger's order, so both leave it out. An answer about one product ("The Cotton
Duvet Cover Set has a one-year warranty") is true of that product only: suggested beside a
review of another it is wrong: review replies leave out answers that repeat what the
customer named (`repeated_run`), and support reuses them only for a question that names
the same (`said_in`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import pyarrow.compute as pc

from shopformer.storage.base import Store

SPECIFIC = re.compile(
    r"\d{4,}|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"[a-z]+\d{3,}", re.IGNORECASE)

# a run of characters or words: each CJK character one, each Latin word or number two
RUN_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_\u3400-\u9fff]+")
ECHO_WEIGHT = 5  # "防晒霜 Plus", "the Foldable Phone", 长款羽绒服; not 投诉, "order number"


@dataclass(frozen=True)
class PastAnswer:
    conversation_id: str
    customer: str
    agent: str


def is_specific(answer: str) -> bool:
    """Does an answer name an order or tracking number, a date, or another long number?"""
    return SPECIFIC.search(answer) is not None


def repeated_run(answer: PastAnswer) -> str:
    """The run of the customer's words the agent repeats — the product, order or place the
    customer named, which makes the answer theirs alone — as `said_in` reads it; "" when
    the answer repeats no such run."""
    said = RUN_TOKEN.findall(answer.customer.lower())
    answered = RUN_TOKEN.findall(answer.agent.lower())
    match = SequenceMatcher(None, said, answered, autojunk=False).find_longest_match(
        0, len(said), 0, len(answered))
    run = said[match.a:match.a + match.size]
    weight = sum(1 if len(t) == 1 and t >= "\u3400" else 2 for t in run)
    return " ".join(run) if weight >= ECHO_WEIGHT else ""


def repeats_the_customer(answer: PastAnswer) -> bool:
    return bool(repeated_run(answer))


def said_in(run: str, text: str) -> bool:
    """Does `text` name `run` (a `repeated_run`), whatever its case and spacing?"""
    return f" {run} " in f" {' '.join(RUN_TOKEN.findall(text.lower()))} "


def past_answers(store: Store) -> list[PastAnswer]:
    """(customer message, the agent's next answer) pairs from the store's conversations."""
    table = store.read_table("turn", ["conversation_id", "turn", "ts", "role", "text"])
    if table.num_rows == 0:
        return []
    table = table.take(pc.sort_indices(table, [("conversation_id", "ascending"),
                                               ("turn", "ascending"), ("ts", "ascending")]))
    out: list[PastAnswer] = []
    previous: tuple[str, str, str] | None = None
    for conversation, role, text in zip(table["conversation_id"].to_pylist(),
                                        table["role"].to_pylist(),
                                        table["text"].to_pylist(), strict=True):
        if previous and previous[0] == conversation and previous[1] == "customer" \
                and role == "agent" and text and previous[2]:
            out.append(PastAnswer(conversation, previous[2], text))
        previous = (conversation, role, text or "")
    return out
