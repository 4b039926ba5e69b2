"""Keyed pseudonyms for account ids, devices and IPs (HMAC-SHA256).

A keyed hash, not a plain one: without the key nobody can confirm a guessed phone number or
account id against the store. The same raw value always gives the same pseudonym within a
workspace, so joins and identity links keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shopformer.core.errors import ConfigError

KEY_ENV = "SHOPFORMER_PSEUDONYM_KEY"
_PREFIX = {"account": "a_", "device": "d_", "ip": "ip_", "value": "v_"}
_DIGEST_CHARS = 24  # 96 bits: collisions stay out of reach for any shop's number of ids


def load_or_create_key(path: Path) -> bytes:
    """The key from $SHOPFORMER_PSEUDONYM_KEY, else from `path`, made once if missing."""
    if env := os.environ.get(KEY_ENV):
        if len(env) < 16:
            raise ConfigError(f"{KEY_ENV} must hold at least 16 characters")
        return env.encode()
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
        if len(key) < 16:
            raise ConfigError(f"{path}: the pseudonym key is too short; restore it from backup")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
        handle.flush()
        os.fsync(handle.fileno())
    return bytes.fromhex(path.read_text().strip())


class Pseudonymizer:
    """Maps raw identifiers to stable keyed pseudonyms, namespaced by what they identify."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}

    def one(self, value: str, namespace: str = "account") -> str:
        cached = self._cache.get((namespace, value))
        if cached is None:
            message = f"{namespace}\x1f{value}".encode()
            digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()[:_DIGEST_CHARS]
            cached = _PREFIX.get(namespace, "v_") + digest
            if len(self._cache) < 2_000_000:
                self._cache[(namespace, value)] = cached
        return cached

    def column(self, values: pa.Array | pa.ChunkedArray, namespace: str = "account") -> pa.Array:
        """Pseudonymize a column; each distinct value is hashed once."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        strings = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
        blank = pc.equal(pc.utf8_trim_whitespace(strings), "")
        strings = pc.if_else(blank, pa.scalar(None, pa.string()), strings)
        encoded = pc.dictionary_encode(strings)
        hashed = [self.one(v, namespace) for v in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(hashed, pa.string()), encoded.indices)
