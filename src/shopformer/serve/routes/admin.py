"""Model versions: list, activate (atomically, refused if it fails to load), roll back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import ActivateIn, ModelState, problems
from shopformer.serve.state import MODEL_NAMES

router = APIRouter(prefix="/v1/admin", tags=["admin"],
                   dependencies=[Depends(require("admin"))])
Name = Annotated[str, Path(min_length=1, max_length=40, description=", ".join(MODEL_NAMES))]
ERRORS = problems(400, 401, 403, 404, 409, 429)
ERRORS[409]["description"] = "failed to load; the old version keeps serving"


@router.get("/models", response_model=list[ModelState], responses=ERRORS)
def models(request: Request) -> list[ModelState]:
    return [_state(request, name) for name in MODEL_NAMES]


@router.post("/models/{name}/activate", response_model=ModelState, responses=ERRORS,
             summary="Serve a version of a model; the old one serves until it has loaded")
def activate(name: Name, body: ActivateIn, request: Request) -> ModelState:
    _known(name)
    request.app.state.serving.activate(name, body.version)
    return _state(request, name)


@router.post("/models/{name}/rollback", response_model=ModelState, responses=ERRORS,
             summary="Serve the version that was active before the current one")
def rollback(name: Name, request: Request) -> ModelState:
    _known(name)
    request.app.state.serving.activate(name, rollback=True)
    return _state(request, name)


@router.delete("/persons/{person_id}", responses=ERRORS,
               summary="Erase a person: every row on every channel, and their live state")
def erase(person_id: Annotated[str, Path(pattern=r"^p_[0-9a-f]{1,64}$")],
          request: Request) -> dict[str, int]:
    return request.app.state.serving.erase(person_id)


def _known(name: str) -> None:
    if name not in MODEL_NAMES:
        raise HTTPException(404, f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")


def _state(request: Request, name: str) -> ModelState:
    state = request.app.state.serving
    registry = state.workspace.models
    serving = {s.versions.get(name) for s in state.served.values()} - {None}
    return ModelState(name=name, active=registry.active(name),
                      serving=next(iter(serving)) if len(serving) == 1 else None,
                      versions=registry.versions(name))
