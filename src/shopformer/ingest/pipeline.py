"""The one path every record takes: validate → pseudonymize + scrub → store → resolve identity.

Each batch is stored in its own transaction, so an interrupted run leaves whole batches;
record keys make the re-run add only what is missing. A bad row either stops the run with
its file, row and field, or (with a rejects file) is written there with its reason.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc

from shopformer.core.errors import InputError
from shopformer.ingest.identity import refresh_persons
from shopformer.ingest.source import RawBatch
from shopformer.privacy.columns import looks_personal
from shopformer.privacy.pseudonymize import Pseudonymizer
from shopformer.privacy.scrub import PiiScrubber
from shopformer.schema.records import Pii, RecordSpec, record_spec
from shopformer.schema.validate import Rejection, validate_batch
from shopformer.storage.base import AppendResult, Store


@dataclass
class KindCounts:
    accepted: int = 0  # new rows stored
    duplicates: int = 0  # already stored (same key): re-ingesting adds nothing
    updated: int = 0  # items and orders whose fields changed
    rejected: int = 0  # malformed rows, each with a reason
    erased: int = 0  # rows of erased persons, kept out

    def add(self, result: AppendResult) -> None:
        self.accepted += result.inserted
        self.duplicates += result.duplicates
        self.updated += result.updated
        self.erased += result.erased


@dataclass
class IngestSummary:
    source: str
    adapter: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished: str | None = None
    seconds: float = 0.0
    kinds: dict[str, KindCounts] = field(default_factory=dict)
    persons_changed: int = 0
    rejects_file: str | None = None
    # file → {our field: its column} read by the column's common name (header_names.py)
    read_as: dict[str, dict[str, str]] = field(default_factory=dict)
    # file → {our field: its column} that looks like the field but was kept in extra
    maybe: dict[str, dict[str, str]] = field(default_factory=dict)
    # file → what was made of it beyond its rows as they are (orders' lines as purchases)
    notes: dict[str, str] = field(default_factory=dict)

    def counts(self, kind: str) -> KindCounts:
        return self.kinds.setdefault(kind, KindCounts())

    @property
    def total(self) -> KindCounts:
        total = KindCounts()
        for counts in self.kinds.values():
            for name, value in asdict(counts).items():
                setattr(total, name, getattr(total, name) + value)
        return total

    def to_dict(self) -> dict:
        return asdict(self)


def _stopped_at(rejections: list[Rejection], rows: int, before: KindCounts) -> InputError:
    """The first bad row's error, saying what was stored and how to go on: a file's earlier
    batches are in the store when a later one stops the run."""
    first = min(rejections, key=lambda r: r.row or 0)
    stored = before.accepted + before.updated + before.duplicates
    bad = len(rejections)
    return InputError(
        f"{first.reason} ({bad:,} bad row{'s' * (bad != 1)} of {rows:,} in this batch, "
        "which is not stored; "
        + (f"the {stored:,} row{'s' * (stored != 1)} before it "
           f"{'are' if stored != 1 else 'is'} stored, and " if stored else "")
        + "a run after the fix adds only what is not stored yet; or set bad rows aside "
        "with --rejects FILE and store the rest)", first.location)


class RejectsFile:
    """Bad rows and their reasons, one JSON object per line, so they can be fixed and re-fed.

    It holds rows exactly as received (that is what a person needs to fix them), so it is
    written where the caller says, never inside the workspace by default.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(self, rejection: Rejection) -> None:
        record = {"file": rejection.file, "row": rejection.row, "field": rejection.field,
                  "reason": rejection.reason, "values": rejection.raw}
        self._handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()


def _only_short_numbers(column: pa.ChunkedArray) -> bool:
    """Too short to hold a phone, card or ID number, and no '@': nothing to scrub."""
    matches = pc.match_substring_regex(column, r"^-?[0-9.,:]{0,10}$")
    return bool(pc.all(pc.fill_null(matches, True)).as_py())


def namespace_of(column: str) -> str:
    """The pseudonym family of a personal column, by its name."""
    lowered = column.lower()
    if "device" in lowered:
        return "device"
    if lowered == "ip" or lowered.endswith("_ip") or lowered.startswith("ip_"):
        return "ip"
    if lowered.startswith("account"):
        return "account"
    return "value"


class IngestPipeline:
    def __init__(self, store: Store, pseudonymizer: Pseudonymizer,
                 scrubber: PiiScrubber | None = None, rejects: Path | None = None,
                 on_rows: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.pseudonymizer = pseudonymizer
        self.scrubber = scrubber or PiiScrubber()
        self.rejects_path = rejects
        self.on_rows = on_rows or (lambda n: None)

    def run(self, batches: Iterable[RawBatch], *, source: str, adapter: str,
            pii_columns: tuple[str, ...] = ()) -> IngestSummary:
        summary = IngestSummary(source=source, adapter=adapter,
                                rejects_file=str(self.rejects_path) if self.rejects_path else None)
        sink = RejectsFile(self.rejects_path) if self.rejects_path else None
        clock = time.perf_counter()
        links_seen = False
        try:
            for batch in batches:
                links_seen |= batch.kind == "link"
                if batch.read_as:
                    summary.read_as.setdefault(batch.file, {}).update(batch.read_as)
                if batch.maybe:
                    summary.maybe.setdefault(batch.file, {}).update(batch.maybe)
                said = summary.notes.get(batch.file, "")
                if batch.note and batch.note not in said:  # each of a file's notes, once
                    summary.notes[batch.file] = f"{said}; {batch.note}" if said else batch.note
                self._one_batch(batch, pii_columns, summary, sink)
        finally:
            if sink:
                sink.close()
            if links_seen:
                summary.persons_changed = refresh_persons(self.store)
            summary.seconds = round(time.perf_counter() - clock, 3)
            summary.finished = datetime.now(UTC).isoformat()
        self.store.record_run(summary.to_dict())
        return summary

    def prepare(self, batch: RawBatch, pii_columns: tuple[str, ...] = ()
                ) -> tuple[pa.Table, list[Rejection]]:
        """(the batch's good rows validated, pseudonymized and scrubbed — ready to store —,
        a rejection for every bad row). The server stores nothing of a batch with one."""
        spec = record_spec(batch.kind)
        table = self._protect_extras(spec, batch.table, pii_columns)
        checked = validate_batch(spec, table, batch.rows, batch.file, batch.options)
        return (self._protect(spec, checked.table, batch.pseudonymized),
                batch.rejections + checked.rejections)

    def _one_batch(self, batch: RawBatch, pii_columns: tuple[str, ...], summary: IngestSummary,
                   sink: RejectsFile | None) -> None:
        counts = summary.counts(batch.kind)
        clean, rejections = self.prepare(batch, pii_columns)
        if rejections:
            if sink is None:
                raise _stopped_at(rejections, batch.table.num_rows + len(batch.rejections),
                                  summary.total)
            for rejection in rejections:
                sink.write(rejection)
            counts.rejected += len(rejections)
        if batch.new_keys_only and clean.num_rows:
            clean = self._without_stored(batch.kind, clean, counts)
        counts.add(self.store.append(batch.kind, clean))
        self.on_rows(batch.table.num_rows + len(batch.rejections))

    def _without_stored(self, kind: str, table: pa.Table, counts: KindCounts) -> pa.Table:
        key = record_spec(kind).key
        stored = set(self.store.read_keys(kind, table.column(key).to_pylist())
                     .column(key).to_pylist())
        new = pa.array([k not in stored for k in table.column(key).to_pylist()])
        counts.duplicates += table.num_rows - pc.sum(new).as_py()
        return table.filter(new)

    def _protect_extras(self, spec: RecordSpec, table: pa.Table, pii_columns: tuple[str, ...]
                        ) -> pa.Table:
        """Columns the adapter names as personal (even keys built from a raw id) and unmapped
        columns that look personal are pseudonymized; other unmapped text is scrubbed."""
        known = set(spec.names)
        for index, name in enumerate(table.column_names):
            if name in known and name not in pii_columns:
                continue
            column = table.column(index)
            if name in pii_columns or looks_personal(name):
                values = self.pseudonymizer.column(column, namespace_of(name))
            elif pa.types.is_string(column.type) and not _only_short_numbers(column):
                values = self._scrub(column)
            else:
                continue
            table = table.set_column(index, name, values)
        return table

    def _protect(self, spec: RecordSpec, table: pa.Table,
                 pseudonymized: frozenset[str] = frozenset()) -> pa.Table:
        """Raw ids and personal data in free text never reach the store."""
        for spec_field in spec.fields:
            if spec_field.pii is Pii.NONE or spec_field.name in pseudonymized:
                continue
            index = table.column_names.index(spec_field.name)
            column = table.column(index)
            if column.null_count == len(column):
                continue
            if spec_field.pii is Pii.ID:
                values = self.pseudonymizer.column(column, namespace_of(spec_field.name))
            else:
                values = self._scrub(column)
            table = table.set_column(index, spec_field.name, values)
        return table

    def _scrub(self, column: pa.ChunkedArray) -> pa.Array:
        encoded = pc.dictionary_encode(column.combine_chunks())
        cleaned = [self.scrubber.scrub(text) for text in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(cleaned, pa.string()), encoded.indices)
