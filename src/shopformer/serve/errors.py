"""Every error is JSON `{"error": …, "details": [{"loc": […], "msg": …}]}`: validation
errors are 422 with the field path, our own errors map to the status that says whose
fault it is. Input values are never echoed (they may hold raw ids)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shopformer.core.errors import ConfigError, InputError, NotFittedError, ShopformerError
from shopformer.serve.state import InvalidField, ModelRefused, NotServed, RejectedRows

log = logging.getLogger("shopformer.serve")


def problem(status: int, error: str, details: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "details": details or []}, status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                    "type": e.get("type", "")} for e in error.errors()]
        return problem(422, "invalid request", details)

    @app.exception_handler(InvalidField)
    async def invalid_field(request: Request, error: InvalidField) -> JSONResponse:
        return problem(422, str(error), [{"loc": error.loc, "msg": str(error),
                                          "type": "value_error"}])

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(ShopformerError)
    async def ours(request: Request, error: ShopformerError) -> JSONResponse:
        if isinstance(error, RejectedRows):
            return problem(422, str(error), error.details)
        if isinstance(error, InputError):
            location = error.location
            loc = ["body", *([location.row - 1] if location and location.row else []),
                   *([location.field] if location and location.field else [])]
            return problem(422, str(error), [{"loc": loc, "msg": str(error),
                                              "type": "value_error"}])
        if isinstance(error, NotServed | NotFittedError):
            return problem(503, str(error))
        if isinstance(error, ModelRefused):
            return problem(409, str(error))
        if isinstance(error, ConfigError):
            return problem(400, str(error))
        log.warning("request failed: %s", type(error).__name__)
        return problem(400, str(error))
