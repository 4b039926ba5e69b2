"""API keys: stored as SHA-256 digests only, checked in constant time, each with scopes.

A key reads `sf_<key_id>_<secret>`; the key id finds the record (and is what logs show),
the whole key is hashed and compared with `hmac.compare_digest`. The secret is 256 random
bits, so a plain SHA-256 is enough: there is nothing to brute-force. The file is written
whole and renamed into place, mode 600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from shopformer.core.errors import ConfigError
from shopformer.core.files import file_stamp

SCOPES = ("read", "events:write", "admin")  # admin may do everything
KEY_PREFIX = "sf_"
log = logging.getLogger(__name__)
_UNKNOWN_DIGEST = hashlib.sha256(b"no such key").hexdigest()


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    digest: str  # sha256 of the whole key, hex
    scopes: tuple[str, ...]
    created: str
    requests_per_second: float | None = None  # None: the server's default
    burst: int | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


class KeyRing:
    """The workspace's API keys (`.shopformer/api_keys.json`). A running server sees keys
    created or revoked since it started (`shopformer keys` in another terminal): the file
    is read again whenever it changed. Before, a revoked key kept working until a restart.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = file_stamp(self.path)
        self._keys = self._read()

    def create(self, name: str, scopes: tuple[str, ...], *,
               requests_per_second: float | None = None, burst: int | None = None
               ) -> tuple[ApiKey, str]:
        """A new key: (its record, the key itself — shown once, never stored)."""
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise ConfigError(f"scopes must be some of {', '.join(SCOPES)}; "
                              f"got {', '.join(scopes) or 'none'}")
        if not name.strip():
            raise ConfigError("a key needs a name (who or what uses it)")
        if requests_per_second is not None and requests_per_second <= 0:
            raise ConfigError("requests_per_second must be > 0")
        if burst is not None and burst < 1:
            raise ConfigError("burst must be at least 1")
        key_id = secrets.token_hex(6)
        token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(key_id, name.strip(), _digest(token), tuple(dict.fromkeys(scopes)),
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        requests_per_second, burst)
        self._refresh()
        self._keys[key_id] = record
        self._write()
        return record, token

    def revoke(self, key_id: str) -> None:
        self._refresh()
        if self._keys.pop(key_id, None) is None:
            raise ConfigError(f"no key {key_id!r}; known: {', '.join(self._keys) or 'none'}")
        self._write()

    def list(self) -> list[ApiKey]:
        self._refresh()
        return sorted(self._keys.values(), key=lambda k: k.created)

    def authenticate(self, token: str) -> ApiKey | None:
        """The key's record, or None; the digest comparison runs whether or not the key id
        is known, so timing tells nothing about which ids exist."""
        self._refresh()
        key_id = token[len(KEY_PREFIX):].split("_", 1)[0] if token.startswith(KEY_PREFIX) else ""
        record = self._keys.get(key_id)
        expected = record.digest if record is not None else _UNKNOWN_DIGEST
        matches = hmac.compare_digest(_digest(token), expected)
        return record if matches and record is not None else None

    def __len__(self) -> int:
        return len(self._keys)

    def _refresh(self) -> None:
        """Read the file again when another process changed it; a file that cannot be read
        then leaves no key valid (a revocation must not be lost), and says why."""
        stamp = file_stamp(self.path)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._keys = self._read()
        except ConfigError as error:
            log.error("API keys not reloaded, every key refused until fixed: %s", error)
            self._keys = {}

    def _read(self) -> dict[str, ApiKey]:
        if not self.path.exists():
            return {}
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return {row["key_id"]: ApiKey(**{**row, "scopes": tuple(row["scopes"])})
                    for row in rows}
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"{self.path}: not a key file ({error})") from None

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump([asdict(k) for k in self._keys.values()], handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self._stamp = file_stamp(self.path)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
