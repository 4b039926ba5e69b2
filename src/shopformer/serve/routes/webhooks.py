"""Shopify's webhooks: orders and products as they change, signed by the shop's app.

Shopify cannot send our API key; it signs each webhook's body with the app's client secret
(`X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256), which the server reads from
`SHOPFORMER_SHOPIFY_SECRET`. A webhook whose signature does not match is refused (401);
without the secret, webhooks are not served (503). Orders go where `POST /v1/orders` puts
them and products where `POST /v1/items` does; a retried webhook adds nothing. Other topics
are acknowledged and ignored, so Shopify does not retry them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from shopformer.ingest.shopify_webhooks import (
    ORDER_TOPICS,
    PRODUCT_TOPICS,
    item_records,
    order_record,
    refund_records,
)
from shopformer.serve.schemas import problems
from shopformer.serve.state import reader_form

SECRET_ENV = "SHOPFORMER_SHOPIFY_SECRET"
router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("/shopify", responses=problems(400, 401, 413, 422, 503),
             summary="Shopify's order and product webhooks, verified by their signature")
async def shopify(request: Request) -> dict:
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise HTTPException(503, f"Shopify webhooks are not set up: set {SECRET_ENV} to the "
                                 "app's client secret, with which Shopify signs them")
    body = await request.body()
    signed = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    if not hmac.compare_digest(request.headers.get("X-Shopify-Hmac-Sha256", "").encode(),
                               signed):
        raise HTTPException(401, "the webhook's X-Shopify-Hmac-Sha256 does not match its body "
                                 f"signed with {SECRET_ENV}")
    topic = request.headers.get("X-Shopify-Topic", "")
    try:
        payload = json.loads(body)
    except ValueError:
        raise HTTPException(400, "the webhook's body is not JSON") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the webhook's body is not a JSON object")
    state = request.app.state.serving
    if topic in ORDER_TOPICS:
        order, lines = order_record(payload)
        stored, purchases = await run_in_threadpool(
            state.ingest_orders, [reader_form(order)], [[reader_form(line) for line in lines]])
        refunds = refund_records(payload, order)
        refunded = await run_in_threadpool(
            state.ingest_events, [reader_form(r) for r in refunds]) if refunds else None
        return {"topic": topic, "order_id": order["order_id"], "accepted": stored.inserted,
                "updated": stored.updated, "purchases": purchases.inserted,
                "refunds": refunded.inserted if refunded else 0}
    if topic in PRODUCT_TOPICS:
        items = item_records(payload)
        if not items:
            return {"topic": topic, "items": 0}
        stored, unknown = await run_in_threadpool(state.ingest_items, items)
        return {"topic": topic, "items": len(items), "accepted": stored.inserted,
                "updated": stored.updated, "learned_at_next_training": unknown}
    return {"topic": topic, "ignored": True}
