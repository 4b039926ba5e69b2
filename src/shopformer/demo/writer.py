"""Plain files the way ingest reads them: CSV through the csv module, JSON Lines, UTF-8."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)


def write_csv_columns(path: Path, columns: Mapping[str, list[str]]) -> int:
    """Columns of equal length, written row by row without building row dicts."""
    return write_csv(path, list(columns), list(zip(*columns.values(), strict=True)))


def write_jsonl(path: Path, records: Iterable[Mapping[str, object]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json(path: Path, payload: object) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")


def write_readme(path: Path, files: Mapping[str, tuple[Path, Sequence[str], int]],
                 truth_docs: Mapping[str, str], seed: int) -> None:
    lines = [
        "# Demo shop",
        "",
        f"A synthetic multi-channel shop (web, app, mini-program, stores) built with seed {seed}"
        " by `shopformer.demo.build_demo_shop`. Patterns are planted on purpose and written to "
        "`truth.json`, with raw ids as they appear in the files, so every capability can be "
        "checked against a known answer. Ingest reads the files directly.",
        "",
        "## Files",
        "",
        "| file | record kind | rows | columns |",
        "|---|---|---|---|",
    ]
    for kind, (file, columns, count) in files.items():
        lines.append(f"| `{file.name}` | {kind} | {count} | {', '.join(columns)} |")
    lines += ["", "## Planted truths (`truth.json`)", ""]
    lines += [f"- `{key}`: {doc}" for key, doc in truth_docs.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
