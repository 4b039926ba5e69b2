"""Events, orders and identity links in: stored durably before the answer, seen live at
once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import (
    Accepted,
    EventsIn,
    ItemsAccepted,
    ItemsIn,
    LinksAccepted,
    LinksIn,
    OrderIn,
    OrdersAccepted,
    OrdersIn,
    ReviewRecordsIn,
    problems,
)
from shopformer.serve.state import reader_form

router = APIRouter(prefix="/v1", tags=["events"])
ERRORS = problems(401, 403, 413, 422, 429)


@router.post("/events", response_model=Accepted, responses=ERRORS,
             dependencies=[Depends(require("events:write"))],
             summary="Store a batch of events (all or nothing); retries are safe")
def post_events(body: EventsIn, request: Request) -> Accepted:
    """Answered 200 only once the batch is committed to the store. Each event's
    `event_id` is its idempotency key. The person's next recommendation sees the events."""
    state = request.app.state.serving
    _check_size(len(body.events), state.config.max_events, "events")
    records = [reader_form(event.model_dump(exclude_none=True)) for event in body.events]
    result = state.ingest_events(records)
    return Accepted(accepted=result.inserted, duplicates=result.duplicates,
                    kept_out=result.erased)


@router.post("/orders", response_model=OrdersAccepted, responses=ERRORS,
             dependencies=[Depends(require("events:write"))],
             summary="Store orders and a purchase per line; a known order is updated")
def post_orders(body: OrdersIn, request: Request) -> OrdersAccepted:
    """Answered 200 once the orders and their lines' purchase events are committed. The
    support assistant tells the customer about the order at once, and the person's next
    recommendation sees the purchases. Retries are safe: orders are keyed by `order_id`,
    lines by their place in the order."""
    state = request.app.state.serving
    _check_size(len(body.orders), state.config.max_events, "orders")
    _check_size(sum(len(order.lines) for order in body.orders), state.config.max_events,
                "order lines")
    orders = [reader_form({**order.model_dump(exclude_none=True, exclude={"lines"}),
                       "amount": _amount(order)}) for order in body.orders]
    lines = [[reader_form(line.model_dump(exclude_none=True)) for line in order.lines]
             for order in body.orders]
    stored, purchases = state.ingest_orders(orders, lines)
    return OrdersAccepted(accepted=stored.inserted, duplicates=stored.duplicates,
                          updated=stored.updated, kept_out=stored.erased,
                          purchases=purchases.inserted)


@router.post("/items", response_model=ItemsAccepted, responses=ERRORS,
             dependencies=[Depends(require("events:write"))],
             summary="Add or change catalog items, whole or in part (a new price, stock)")
def post_items(body: ItemsIn, request: Request) -> ItemsAccepted:
    """Answered 200 once stored. A known item keeps the fields not sent. Recommendations
    and search take a known item's new price, channels and stock at once; the support
    assistant answers about every posted item at once."""
    state = request.app.state.serving
    _check_size(len(body.items), state.config.max_events, "items")
    given = [item.model_dump(exclude_unset=True) for item in body.items]
    stored, unknown = state.ingest_items(given)
    return ItemsAccepted(accepted=stored.inserted, duplicates=stored.duplicates,
                         updated=stored.updated, kept_out=0, learned_at_next_training=unknown)


@router.post("/reviews", response_model=Accepted, responses=ERRORS,
             dependencies=[Depends(require("events:write"))],
             summary="Store reviews as they are written; opinions count them at once")
def post_reviews(body: ReviewRecordsIn, request: Request) -> Accepted:
    """Answered 200 once stored (all or nothing); a retry adds nothing (`review_id`, or the
    review's content). `GET /v1/opinions` counts them at once: a complaint burst is seen
    while it happens, not after the next ingest."""
    state = request.app.state.serving
    _check_size(len(body.reviews), state.config.max_events, "reviews")
    stored = state.ingest_reviews([reader_form(review.model_dump(exclude_none=True))
                                   for review in body.reviews])
    return Accepted(accepted=stored.inserted, duplicates=stored.duplicates,
                    kept_out=stored.erased)


@router.post("/links", response_model=LinksAccepted, responses=ERRORS,
             dependencies=[Depends(require("events:write"))],
             summary="Store identity links; the linked persons merge at once")
def post_links(body: LinksIn, request: Request) -> LinksAccepted:
    state = request.app.state.serving
    _check_size(len(body.links), state.config.max_events, "links")
    records = [reader_form(link.model_dump(exclude_none=True)) for link in body.links]
    result, changed = state.ingest_links(records)
    return LinksAccepted(accepted=result.inserted, duplicates=result.duplicates,
                         kept_out=result.erased, persons_changed=changed)


def _amount(order: OrderIn) -> float:
    """What was paid: as given, else the sum of the lines' price × quantity."""
    if order.amount is not None:
        return order.amount
    return round(sum((line.price or 0.0) * line.quantity for line in order.lines), 4)


def _check_size(count: int, most: int, collection: str) -> None:
    if count > most:
        raise HTTPException(413, f"{count} {collection} in one request; at most {most}")
