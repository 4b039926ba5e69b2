"""Ad ranking: calibrated pCTR × pCVR × bid, with budgets and per-person daily caps."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import AdOut, AdsIn, AdsOut, BudgetsIn, ModelVersion, Problem
from shopformer.workspace import ADS_MODEL

router = APIRouter(prefix="/v1/ads", tags=["ads"])
ERRORS = {s: {"model": Problem} for s in (400, 401, 403, 422, 429, 503)}


@router.post("/rank", response_model=AdsOut, responses=ERRORS,
             dependencies=[Depends(require("read"))],
             summary="The candidate ads worth most per impression that pass the rules")
def rank(body: AdsIn, request: Request) -> AdsOut:
    state = request.app.state.serving
    served = state.capability("ads")
    if (body.account is None) != (body.channel is None):
        raise HTTPException(422, "account and channel go together")
    person = state.person_of(body.channel, body.account) if body.account else None
    rows = [candidate.model_dump() for candidate in body.candidates]
    names = dict.fromkeys(name for row in rows for name in row)
    columns = {name: [row.get(name) for row in rows] for name in names}
    ranker = served.value
    with state.lock:
        chosen = ranker.rank(columns, k=body.k, person_id=person)
        if body.record and person is not None:
            for ad in chosen:
                ranker.record_impression(person, ad.campaign_id)
    return AdsOut(model=ModelVersion(name=ADS_MODEL, version=served.versions[ADS_MODEL]),
                  ads=[AdOut(ad_id=a.ad_id, campaign_id=a.campaign_id,
                             expected_value=a.score, ctr=a.ctr, cvr=a.cvr, bid=a.bid,
                             reasons=a.reasons) for a in chosen])


@router.post("/budgets", responses=ERRORS, dependencies=[Depends(require("admin"))],
             summary="Set what campaigns can still spend (until the server restarts)")
def budgets(body: BudgetsIn, request: Request) -> dict[str, int]:
    served = request.app.state.serving.capability("ads")
    for campaign, remaining in body.budgets.items():
        if not remaining >= 0 or remaining == float("inf"):
            raise HTTPException(422, f"budget of {campaign!r} must be a finite number >= 0")
        served.value.set_budget(campaign, remaining)
    return {"campaigns": len(body.budgets)}
