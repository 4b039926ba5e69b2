"""The workspace's own small files: whether one changed (what a long-running process checks
before reading it again), and a JSON-lines file read whole with its line numbers."""

from __future__ import annotations

import json
from pathlib import Path

from shopformer.core.errors import ConfigError, InputError, Location


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """Identity, time and size of a file (a file written whole and renamed into place is a
    new one); None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def json_lines(path: Path, what: str) -> list[tuple[int, object]]:
    """(line number, value) of each non-blank line of a JSON-lines file; `what` names the
    file in the error when it cannot be read, and a line that is not JSON stops with its
    number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read {what} ({error})") from None
    out = []
    for row, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append((row, json.loads(line)))
        except ValueError as error:
            raise InputError(f"not a JSON object ({error})", Location(str(path), row=row)
                             ) from None
    return out
