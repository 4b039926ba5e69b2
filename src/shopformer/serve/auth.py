"""Who is asking: the API key (Bearer or X-API-Key), its scope, and its rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shopformer.serve.keys import ApiKey

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="or the key in X-API-Key")
OPEN_KEY = ApiKey("open", "auth off", "", ("admin",), "")


def require(scope: str) -> Callable[..., ApiKey]:
    """A dependency: the request's key, which must hold `scope` (admin holds every scope)
    and be within its rate limit."""

    def check(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
              header_key: Annotated[str | None, Depends(api_key_header)]) -> ApiKey:
        app = request.app.state
        if not app.config.auth:
            key = OPEN_KEY
        else:
            token = credentials.credentials if credentials is not None else header_key
            key = app.keys.authenticate(token) if token else None
            if key is None:
                raise HTTPException(401, "a valid API key is needed (Authorization: Bearer "
                                         "<key> or X-API-Key)",
                                    headers={"WWW-Authenticate": "Bearer"})
        request.state.key_id = key.key_id
        # every request of a key counts, allowed or not
        wait = app.limiter.take(key.key_id, key.requests_per_second
                                or app.config.requests_per_second,
                                key.burst or app.config.burst)
        if wait is not None:
            raise HTTPException(429, "rate limit reached for this key",
                                headers={"Retry-After": str(max(1, round(wait + 0.5)))})
        if not key.allows(scope):
            raise HTTPException(403, f"this key lacks the {scope!r} scope")
        return key

    return check
