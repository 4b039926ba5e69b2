"""Review intelligence: polarity and aspects of texts; suggested replies to a review; the
opinion report with alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import (
    ClauseOut,
    ModelVersion,
    RepliesOut,
    ReplyIn,
    ReviewOut,
    ReviewsIn,
    SentimentOut,
    SuggestedReplyOut,
    problems,
)

router = APIRouter(prefix="/v1", tags=["reviews"])
ERRORS = problems(400, 401, 403, 422, 429, 503)


@router.post("/sentiment", response_model=SentimentOut, responses=ERRORS,
             dependencies=[Depends(require("read"))],
             summary="Polarity (calibrated), predicted stars and aspects of review texts")
def sentiment(body: ReviewsIn, request: Request) -> SentimentOut:
    from shopformer.tasks.reviews.domains import domain_of

    state = request.app.state.serving
    served = state.capability("sentiment")
    found = served.value.analyze(body.texts, domains=None if body.categories is None
                                 else [domain_of(c) for c in body.categories])
    return SentimentOut(model=ModelVersion(**served.answering),
                        reviews=[_review_out(r) for r in found])


@router.post("/replies", response_model=RepliesOut, responses=ERRORS,
             dependencies=[Depends(require("read"))],
             summary="Suggested replies to a review, grounded in its aspects and in the "
                     "shop's past agent answers")
def replies(body: ReplyIn, request: Request) -> RepliesOut:
    from shopformer.tasks.reviews.domains import domain_of

    served = request.app.state.serving.capability("replies")
    opinion, suggested = served.value.suggest(
        body.review, None if body.category is None else domain_of(body.category))
    return RepliesOut(model=ModelVersion(**served.answering), review=_review_out(opinion),
                      replies=[SuggestedReplyOut(**r.to_dict()) for r in suggested])


def _review_out(opinion: Any) -> ReviewOut:
    return ReviewOut(positive=opinion.probability, rating=opinion.rating,
                     clauses=[ClauseOut(text=c.text, aspects=list(c.aspects),
                                        positive=c.probability) for c in opinion.clauses])


@router.get("/opinions", dependencies=[Depends(require("read"))], responses=ERRORS,
            summary="Negative share per item, category and brand, burst alerts, themes")
def opinions(request: Request,
             until: Annotated[date | None, Query(description="last day (default: latest)")]
             = None,
             period_days: Annotated[int, Query(ge=1, le=90)] = 1,
             top: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    from shopformer.tasks.reviews.monitor import MonitorConfig
    from shopformer.tasks.reviews.opinions import opinion_report

    state = request.app.state.serving
    served = state.capability("sentiment")
    config = replace(MonitorConfig(), period_days=period_days)
    report = opinion_report(state.workspace.store, served.value, config, until=until,
                            timezone=state.workspace.settings.timezone, top=top)
    return {**report.to_dict(), "model": served.answering}
