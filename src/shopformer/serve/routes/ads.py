"""Ad ranking: calibrated pCTR × pCVR × bid, with budgets and per-person daily caps."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import AdOut, AdsIn, AdsOut, BudgetsIn, ModelVersion, problems
from shopformer.serve.state import InvalidField

router = APIRouter(prefix="/v1/ads", tags=["ads"])
ERRORS = problems(400, 401, 403, 422, 429, 503)


@router.post("/rank", response_model=AdsOut, responses=ERRORS,
             dependencies=[Depends(require("read"))],
             summary="The candidate ads worth most per impression that pass the rules")
def rank(body: AdsIn, request: Request) -> AdsOut:
    state = request.app.state.serving
    served = state.capability("ads")
    person = state.asking_person(body.account, body.channel, where="body")
    ranker = served.value
    rows = [candidate.model_dump() for candidate in body.candidates]
    _check_features(rows, ranker.config.numeric, ranker.config.categorical)
    names = dict.fromkeys(name for row in rows for name in row)
    columns = {name: [row.get(name) for row in rows] for name in names}
    with state.lock:
        chosen = ranker.rank(columns, k=body.k, person_id=person)
        if body.record and person is not None:
            for ad in chosen:
                ranker.record_impression(person, ad.campaign_id)
    return AdsOut(model=ModelVersion(**served.answering),
                  ads=[AdOut(ad_id=a.ad_id, campaign_id=a.campaign_id,
                             expected_value=a.score, ctr=a.ctr, cvr=a.cvr, bid=a.bid,
                             reasons=a.reasons) for a in chosen])


def _check_features(rows: list[dict], numeric: tuple[str, ...],
                    categorical: tuple[str, ...]) -> None:
    """Every candidate carries the features the ranker was trained on: numbers for numeric
    ones, text or numbers for categorical ones (missing values may be null)."""
    for position, row in enumerate(rows):
        for name in (*numeric, *categorical):
            value = row.get(name)
            loc = ["body", "candidates", position, name]
            if name not in row:
                raise InvalidField(loc, f"missing feature {name!r} (the ranker uses "
                                        f"{', '.join((*numeric, *categorical))})")
            if value is None:
                continue
            if name in numeric and (isinstance(value, bool) or not isinstance(value, int | float)
                                    or not math.isfinite(value)):
                raise InvalidField(loc, f"{name} must be a finite number")
            if name in categorical and not isinstance(value, str | int | float | bool):
                raise InvalidField(loc, f"{name} must be text or a number")


@router.post("/budgets", responses=ERRORS, dependencies=[Depends(require("admin"))],
             summary="Set what campaigns can still spend (until the server restarts)")
def budgets(body: BudgetsIn, request: Request) -> dict[str, int]:
    served = request.app.state.serving.capability("ads")
    for campaign, remaining in body.budgets.items():
        served.value.set_budget(campaign, remaining)
    return {"campaigns": len(body.budgets)}
