"""The FastAPI application over one workspace: `create_app(workspace)`.

Requests pass the size limit, then the key check (scope, rate limit) of their route. The
access log names the method, the path without its query, the status, the time and the key
id — never a key, a query string or a raw id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shopformer.serve import errors
from shopformer.serve.config import ServeConfig
from shopformer.serve.keys import KeyRing
from shopformer.serve.limits import BodyLimit, RateLimiter
from shopformer.serve.routes import (
    admin,
    ads,
    events,
    health,
    recommend,
    reviews,
    search,
    support,
    webhooks,
)
from shopformer.serve.state import ServingState
from shopformer.workspace import Workspace

access_log = logging.getLogger("shopformer.serve.access")
KEYS_FILE = ".shopformer/api_keys.json"


def key_ring(workspace: Workspace) -> KeyRing:
    return KeyRing(workspace.root / KEYS_FILE)


def create_app(workspace: Workspace, config: ServeConfig | None = None) -> FastAPI:
    """The server's app; its models load when it starts (the lifespan), and `/readyz`
    answers 200 once recommendations can be served."""
    config = config or ServeConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(config.compute_threads)
        limits = threadpool_limits(config.compute_threads)  # numpy's BLAS as well
        app.state.serving.load()
        yield
        limits.restore_original_limits()

    app = FastAPI(title="Shopformer", version="1", lifespan=lifespan,
                  description="A shop's own foundation model, served: events in, "
                              "recommendations, search, review intelligence and support "
                              "answers out. Every answer names the model version behind it.")
    app.state.config = config
    app.state.keys = key_ring(workspace)
    app.state.limiter = RateLimiter()
    app.state.serving = ServingState(workspace, config)
    errors.install(app)
    for module in (health, events, recommend, search, ads, reviews, support, admin, webhooks):
        app.include_router(module.router)

    app.add_middleware(AccessLog)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    return app


class AccessLog:
    """One line per request (pure ASGI: cheaper than an `@app.middleware` function)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            key = scope.get("state", {}).get("key_id", "-")
            access_log.info("%s %s %d %.1f ms key=%s", scope["method"], scope["path"],
                            status, (time.perf_counter() - started) * 1000, key)
