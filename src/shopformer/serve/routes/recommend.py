"""Recommendations: the same person gets the same order on every channel, less what a
channel does not sell."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shopformer.schema.records import channel_name
from shopformer.serve.auth import require
from shopformer.serve.schemas import (
    ModelVersion,
    Problem,
    Recommendations,
    RecommendedItem,
)
from shopformer.serve.state import InvalidField
from shopformer.workspace import SHOP_MODEL

router = APIRouter(prefix="/v1", tags=["recommend"])
Id = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.get("/recommend", response_model=Recommendations,
            dependencies=[Depends(require("read"))],
            responses={400: {"model": Problem}, 401: {"model": Problem},
                       403: {"model": Problem}, 422: {"model": Problem},
                       429: {"model": Problem}, 503: {"model": Problem}},
            summary="The next items for a person, with the reasons behind each")
# async: a few milliseconds of work, done on the event loop without a thread hop (requests
# that wait on the store or run long stay plain functions, in the thread pool)
async def recommend(request: Request, account: Id = None,
              channel: Annotated[str | None, Query(min_length=1, max_length=40,
                                                   description="the channel asking")] = None,
              person: Annotated[str | None, Query(pattern=r"^p_[0-9a-f]{1,64}$",
                                                  description="a person id instead")] = None,
              k: Annotated[int, Query(ge=1, le=200)] = 10,
              category: Annotated[str | None, Query(max_length=200)] = None,
              min_price: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
              max_price: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
              ) -> Recommendations:
    from shopformer.tasks.recommend import Filters

    state = request.app.state.serving
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidField(["query", "max_price"], "max_price is below min_price")
    if person is None and account is None:
        raise InvalidField(["query", "account"], "give either account (with channel) or "
                                                 "person")
    person = state.asking_person(account, channel, person)
    channel = channel_name(channel) if channel else None
    served = state.capability("recommend")
    with state.lock:
        found = served.value.recommend(person, k=k, channel=channel,
                                       filters=Filters(category_prefix=category,
                                                       min_price=min_price,
                                                       max_price=max_price))
    return Recommendations(
        person_id=person, channel=channel,
        model=ModelVersion(name=SHOP_MODEL, version=served.versions[SHOP_MODEL]),
        items=[RecommendedItem(item_id=r.item_id, score=r.score, reasons=r.reasons)
               for r in found])
