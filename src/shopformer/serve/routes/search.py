"""Search: hybrid retrieval ranked by the query, what converts, and the person's taste."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shopformer.schema.records import channel_name
from shopformer.serve.auth import require
from shopformer.serve.schemas import ModelVersion, Problem, SearchHitOut, SearchOut
from shopformer.serve.state import InvalidField
from shopformer.workspace import SEARCH_MODEL

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchOut, dependencies=[Depends(require("read"))],
            responses={s: {"model": Problem} for s in (400, 401, 403, 422, 429, 503)},
            summary="Search the catalog, personalized when the person is known")
async def search(request: Request,
           q: Annotated[str, Query(min_length=1, max_length=256, description="the query")],
           account: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
           channel: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
           person: Annotated[str | None, Query(pattern=r"^p_[0-9a-f]{1,64}$")] = None,
           k: Annotated[int, Query(ge=1, le=200)] = 10,
           category: Annotated[str | None, Query(max_length=200)] = None,
           min_price: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
           max_price: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
           ) -> SearchOut:
    from shopformer.tasks.search.catalog import SearchFilters

    state = request.app.state.serving
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidField(["query", "max_price"], "max_price is below min_price")
    person = state.asking_person(account, channel, person)
    served = state.capability("search")
    filters = SearchFilters(category_prefix=category, min_price=min_price,
                            max_price=max_price,
                            channel=channel_name(channel) if channel else None)
    with state.lock:
        found = served.value.search(q, k=k, person_id=person, filters=filters)
    return SearchOut(query=q, matches=found.matches, notes=found.notes,
                     facets=found.facets,
                     model=ModelVersion(name=SEARCH_MODEL, version=served.versions[SEARCH_MODEL]),
                     hits=[SearchHitOut(item_id=h.item_id, title=h.title, score=h.score)
                           for h in found.hits])
