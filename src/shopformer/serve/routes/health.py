"""Liveness (the process answers) and readiness (recommendations can be served)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to answer: the shop model is loaded",
            responses={503: {"description": "not ready, with what is missing"}})
def readyz(request: Request) -> JSONResponse:
    state = request.app.state.serving
    body = {"ready": state.ready,
            "serving": {c: s.versions for c, s in sorted(state.served.items())},
            "not_serving": dict(sorted(state.problems.items()))}
    return JSONResponse(body, 200 if state.ready else 503)
