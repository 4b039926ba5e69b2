"""Search: hybrid retrieval ranked by the query, what converts, and the person's taste."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from shopformer.schema.records import channel_name
from shopformer.serve.auth import require
from shopformer.serve.routes.params import (
    Account,
    Category,
    Channel,
    Count,
    PersonId,
    Price,
    check_price_range,
)
from shopformer.serve.schemas import (
    ModelVersion,
    PriceFromQuery,
    SearchHitOut,
    SearchOut,
    problems,
)

router = APIRouter(prefix="/v1", tags=["search"])
Brands = Annotated[list[str] | None, Query(
    max_length=50, description="only these brands (repeat: brand=A&brand=B), as the CLI's "
                               "--brand")]
Sort = Annotated[Literal["relevance", "price", "-price"], Query(
    description="relevance, or price low to high (price) / high to low (-price) over the "
                "results that match the query")]


@router.get("/search", response_model=SearchOut, dependencies=[Depends(require("read"))],
            responses=problems(400, 401, 403, 422, 429, 503),
            summary="Search the catalog, personalized when the person is known")
async def search(request: Request,
                 q: Annotated[str, Query(min_length=1, max_length=256, description="the query")],
                 account: Account = None, channel: Channel = None, person: PersonId = None,
                 k: Count = 10, category: Category = None, min_price: Price = None,
                 max_price: Price = None, sort: Sort = "relevance",
                 brand: Brands = None) -> SearchOut:
    from shopformer.tasks.search.catalog import SearchFilters

    state = request.app.state.serving
    check_price_range(min_price, max_price)
    person = state.asking_person(account, channel, person)
    served = state.capability("search")
    filters = SearchFilters(category_prefix=category, brands=frozenset(brand or ()),
                            min_price=min_price, max_price=max_price,
                            channel=channel_name(channel) if channel else None)
    with state.lock:
        found = served.value.search(q, k=k, person_id=person, filters=filters, sort=sort)
    price = found.query.price
    return SearchOut(query=q, matches=found.matches, notes=found.notes,
                     price_from_query=None if price is None else PriceFromQuery(
                         min=price.low, max=price.high, phrases=list(price.phrases)),
                     facets=found.facets,
                     model=ModelVersion(**served.answering),
                     hits=[SearchHitOut(item_id=h.item_id, title=h.title, price=h.price,
                                        score=h.score) for h in found.hits])
