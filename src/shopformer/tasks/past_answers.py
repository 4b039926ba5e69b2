"""The shop's past agent answers, and which of them may be reused for another customer.

Support retrieval and suggested review replies both draw on what agents answered before.
An answer naming an order number, a date or another long number ("your refund for O123
arrives by 9月10日") was true for that customer only: reused, it would tell someone else
about a stranger's order, so both leave it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow.compute as pc

from shopformer.storage.base import Store

SPECIFIC = re.compile(
    r"\d{4,}|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"[a-z]+\d{3,}", re.IGNORECASE)


@dataclass(frozen=True)
class PastAnswer:
    conversation_id: str
    customer: str
    agent: str


def is_specific(answer: str) -> bool:
    """Does an answer name an order or tracking number, a date, or another long number?"""
    return SPECIFIC.search(answer) is not None


def past_answers(store: Store) -> list[PastAnswer]:
    """(customer message, the agent's next answer) pairs from the store's conversations."""
    table = store.read_table("turn", ["conversation_id", "turn", "role", "text"])
    if table.num_rows == 0:
        return []
    table = table.take(pc.sort_indices(table, [("conversation_id", "ascending"),
                                               ("turn", "ascending")]))
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
