"""Recommendations: the same person gets the same order on every channel, less what a
channel does not sell."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from shopformer.schema.records import channel_name
from shopformer.serve.auth import require
from shopformer.serve.routes.params import (
    Account,
    Category,
    Channel,
    Count,
    PersonId,
    Price,
    Share,
    check_price_range,
)
from shopformer.serve.schemas import (
    ItemReviewsOut,
    ModelVersion,
    Recommendations,
    RecommendedItem,
    problems,
)
from shopformer.serve.state import InvalidField

router = APIRouter(prefix="/v1", tags=["recommend"])


@router.get("/recommend", response_model=Recommendations,
            dependencies=[Depends(require("read"))],
            responses=problems(400, 401, 403, 422, 429, 503),
            summary="The next items for a person, with the reasons behind each")
# async: a few milliseconds of work, done on the event loop without a thread hop (requests
# that wait on the store or run long stay plain functions, in the thread pool)
async def recommend(request: Request, account: Account = None, channel: Channel = None,
                    person: PersonId = None, k: Count = 10, category: Category = None,
                    min_price: Price = None, max_price: Price = None,
                    min_review_positive: Share = None) -> Recommendations:
    """`min_review_positive` leaves out items whose reviews read positive less often (their
    shrunk positive share); it needs an active sentiment model."""
    from shopformer.tasks.recommend import Filters

    state = request.app.state.serving
    check_price_range(min_price, max_price)
    if person is None and account is None:
        raise InvalidField(["query", "account"], "give either account (with channel) or "
                                                 "person")
    person = state.asking_person(account, channel, person)
    channel = channel_name(channel) if channel else None
    served = state.capability("recommend")
    if min_review_positive is not None and served.value.reviews_ is None:
        raise InvalidField(["query", "min_review_positive"], "no sentiment model is active, "
                           "so nothing is known of the items' reviews")
    with state.lock:
        found = served.value.recommend(person, k=k, channel=channel,
                                       filters=Filters(category_prefix=category,
                                                       min_price=min_price,
                                                       max_price=max_price,
                                                       min_review_positive=min_review_positive))
    return Recommendations(
        person_id=person, channel=channel,
        model=ModelVersion(**served.answering),
        items=[RecommendedItem(item_id=r.item_id, title=r.title, score=r.score,
                               reasons=r.reasons,
                               reviews=None if r.reviews is None else ItemReviewsOut(**r.reviews))
               for r in found])
