"""Model versions in the workspace: `models/<name>/<version>/` plus an `active` pointer.

A version directory appears whole (written elsewhere, then renamed into place) and the
pointer is replaced atomically, so a reader never sees half a model and a bad version can
be rolled back by pointing at the previous one. Every activation is appended to
`models/<name>/history` (fsynced), which is where "the previous one" is read from.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from shopformer.core.errors import ConfigError


class ModelRegistry:
    def __init__(self, root: Path) -> None:
        self.root = root

    def staging_dir(self, name: str) -> Path:
        path = self.root / name / ".staging" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def publish(self, name: str, staged: Path, activate: bool = True) -> str:
        version = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        target = self.root / name / version
        os.replace(staged, target)
        shutil.rmtree(self.root / name / ".staging", ignore_errors=True)
        if activate:
            self.activate(name, version)
        return version

    def activate(self, name: str, version: str) -> None:
        if not (self.root / name / version).is_dir():
            raise ConfigError(f"model {name} has no version {version!r}; "
                              f"known: {', '.join(self.versions(name)) or 'none'}")
        pointer = self.root / name / "active"
        if self.active(name) == version:
            return
        temporary = pointer.with_suffix(".tmp")
        temporary.write_text(version)
        os.replace(temporary, pointer)
        with (self.root / name / "history").open("a", encoding="utf-8") as history:
            history.write(version + "\n")
            history.flush()
            os.fsync(history.fileno())

    def previous(self, name: str) -> str | None:
        """The version that was active before the current one (None if there was none)."""
        current = self.active(name)
        history = self.root / name / "history"
        lines = history.read_text(encoding="utf-8").split() if history.exists() else []
        older = [v for v in lines if v != current and (self.root / name / v).is_dir()]
        return older[-1] if older else None

    def rollback(self, name: str) -> str:
        """Point `name` back at the version active before the current one; returns it."""
        previous = self.previous(name)
        if previous is None:
            raise ConfigError(f"model {name} has no earlier version to roll back to")
        self.activate(name, previous)
        return previous

    def active(self, name: str) -> str | None:
        pointer = self.root / name / "active"
        return pointer.read_text().strip() if pointer.exists() else None

    def versions(self, name: str) -> list[str]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def path(self, name: str, version: str | None = None) -> Path:
        version = version or self.active(name)
        if version is None:
            raise ConfigError(f"no active version of model {name!r}; train one first "
                              "(shopformer pretrain)")
        return self.root / name / version
