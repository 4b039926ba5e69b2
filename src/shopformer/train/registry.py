"""Model versions in the workspace: `models/<name>/<version>/` plus an `active` pointer.

A version directory appears whole (written elsewhere, then renamed into place) and the
pointer is replaced atomically, so a reader never sees half a model and a bad version can
be rolled back by pointing at the previous one.
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
        temporary = pointer.with_suffix(".tmp")
        temporary.write_text(version)
        os.replace(temporary, pointer)

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
