"""Server settings, as one plain dataclass (the CLI maps its flags onto it)."""

from __future__ import annotations

from dataclasses import dataclass

from shopformer.core.errors import ConfigError


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576  # larger requests are refused with 413
    max_events: int = 1_000  # events or links in one request
    # Per-key rate limit, unless the key sets its own: a token bucket of `burst` requests
    # refilled at `requests_per_second`.
    requests_per_second: float = 200.0
    burst: int = 400
    # Cold start (no history): popularity over every channel, so one person asking from two
    # channels gets the same order (False: popularity on the asking channel alone).
    popularity_by_channel: bool = False
    auth: bool = True  # False only for trying it on loopback: every request is admin
    # Threads one request's tensor and matrix work may use. Requests are small: one thread
    # each is fastest, and leaves the other core to the next request and to the store.
    compute_threads: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.port < 65_536:
            raise ConfigError(f"port must be between 1 and 65535, not {self.port}")
        if self.max_body_bytes < 1_024:
            raise ConfigError("max_body_bytes must be at least 1024")
        if self.max_events < 1:
            raise ConfigError("max_events must be at least 1")
        if self.compute_threads < 1:
            raise ConfigError("compute_threads must be at least 1")
        if self.requests_per_second <= 0 or self.burst < 1:
            raise ConfigError("requests_per_second must be > 0 and burst at least 1")
