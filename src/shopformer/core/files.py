"""Whether a file changed: what a long-running process checks before reading it again."""

from __future__ import annotations

from pathlib import Path


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """Identity, time and size of a file (a file written whole and renamed into place is a
    new one); None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
