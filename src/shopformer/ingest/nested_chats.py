"""Chat exports with one conversation per record and its messages in a list, as help-desk
and chat APIs dump them: {"conversation_id": "T1", "messages": [{"author": "end-user",
"body": "…"}, …]}. Each message becomes a row of its own, with its conversation's other
fields, and its place in the list as its `turn` (unless it gives one): the list is the
conversation in order, so the same export always numbers it the same."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from shopformer.core.errors import InputError, Location
from shopformer.ingest.header_names import KIND_NAMES, normalized_name
from shopformer.ingest.readers import records_table, text_values
from shopformer.ingest.source import Chunk

MESSAGE_LISTS = ("messages", "turns", "conversationparts", "parts", "dialog", "dialogue",
                 "utterances", "消息", "消息列表", "对话", "聊天记录")
CONVERSATION_NAMES = KIND_NAMES["turn"]["conversation_id"]
TURN_NAMES = ("turn", *KIND_NAMES["turn"]["turn"])


def message_list_column(table: pa.Table) -> str | None:
    """The column holding each conversation's messages, when there is exactly one."""
    fitting = [n for n in table.column_names if normalized_name(n) in MESSAGE_LISTS]
    return fitting[0] if len(fitting) == 1 else None


def one_row_per_message(chunk: Chunk, file: str) -> Chunk:
    """The chunk with its conversations' message lists spread into rows (a chunk without
    such a column comes back as it was)."""
    table, rows, rejections = chunk
    column = message_list_column(table)
    if column is None:
        return chunk
    parents = table.drop_columns([column]).to_pylist()
    named = {normalized_name(n) for n in table.column_names}
    if "id" in table.column_names and not named & {"conversationid", *CONVERSATION_NAMES}:
        # the record is the conversation: its own id is the conversation's (named so, the
        # summary says it was read as conversation_id)
        parents = [{("conversation.id" if k == "id" else k): v for k, v in p.items()}
                   for p in parents]
    records: list[dict] = []
    numbers: list[int] = []
    for parent, raw, row in zip(parents, table[column].to_pylist(), rows.tolist(),
                                strict=True):
        for place, message in enumerate(_messages(raw, file, row, column)):
            given = {normalized_name(k) for k in message}
            record = {**parent, **message}
            if not given & set(TURN_NAMES):
                record["turn"] = str(place)
            records.append(record)
            numbers.append(row)
    return records_table(records), np.array(numbers, dtype=np.int64), rejections


def _messages(raw: object, file: str, row: int, column: str) -> list[dict]:
    if raw in (None, ""):
        return []
    try:
        messages = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        messages = None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise InputError("expected a list of message objects", Location(file, row, column))
    return [text_values(m) for m in messages]
