"""Group commit: batches from concurrent requests share one store transaction.

Each request queues its batch, then waits for the commit lock. Whoever gets it first
commits every batch queued by then (its own included) and hands each its own result; the
others find theirs done. Under load, N concurrent requests cost one duplicate check and
one commit instead of N; alone, a request commits at once. No request is answered before
its batch is committed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyarrow as pa

from shopformer.storage.base import AppendResult, Store


@dataclass
class _Ticket:
    table: pa.Table
    result: AppendResult | None = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, store: Store, kind: str, max_rows: int = 50_000) -> None:
        self.store = store
        self.kind = kind
        self.max_rows = max_rows  # at most this many rows in one transaction
        self._queue: list[_Ticket] = []
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()

    def append(self, table: pa.Table) -> AppendResult:
        ticket = _Ticket(table)
        with self._queue_lock:
            self._queue.append(ticket)
        while True:
            with self._commit_lock:
                if ticket.result is None and ticket.error is None:
                    self._commit_queued()
            if ticket.error is not None:
                raise ticket.error
            if ticket.result is not None:
                return ticket.result

    def _commit_queued(self) -> None:
        with self._queue_lock:
            taken, rows = [], 0
            while self._queue and (not taken or rows + self._queue[0].table.num_rows
                                   <= self.max_rows):
                rows += self._queue[0].table.num_rows
                taken.append(self._queue.pop(0))
        if not taken:
            return
        try:
            results = self.store.append_parts(self.kind, [t.table for t in taken])
        except BaseException as error:  # every batch of the group failed: each caller hears
            for ticket in taken:
                ticket.error = error
            return
        for ticket, result in zip(taken, results, strict=True):
            ticket.result = result
