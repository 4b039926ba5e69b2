"""Request and response models of the HTTP API, kept apart from the domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Text = Field(min_length=1, max_length=512)


class EventIn(BaseModel):
    """One thing a person did on one channel (the Event record). Unknown fields are kept in
    `extra`; personal ones are pseudonymized or scrubbed like everything else."""

    model_config = ConfigDict(extra="allow")
    event_id: str | None = Field(None, min_length=1, max_length=200,
                                 description="idempotency key: a retry with the same id "
                                             "adds nothing (derived from the event if absent)")
    ts: datetime = Field(description="when; without a zone, in the shop's time zone")
    account: str = Field(min_length=1, max_length=200,
                         description="the account id on that channel (pseudonymized here)")
    channel: str = Field(min_length=1, max_length=40, description="web, app, mini, store, …")
    type: str = Field(min_length=1, max_length=40,
                      description="view, click, search, cart, purchase, …")
    item_id: str | None = Field(None, min_length=1, max_length=200)
    query: str | None = Field(None, max_length=512)
    price: float | None = Field(None, ge=0, allow_inf_nan=False)
    quantity: int | None = Field(None, ge=0, le=1_000_000)
    session_id: str | None = Field(None, max_length=200)
    device: str | None = Field(None, max_length=200)
    ip: str | None = Field(None, max_length=64)


class EventsIn(BaseModel):
    events: list[EventIn] = Field(min_length=1)


class LinkIn(BaseModel):
    """Two channel accounts known to be one person (login, member card, hashed phone)."""

    model_config = ConfigDict(extra="forbid")
    channel_a: str = Field(min_length=1, max_length=40)
    account_a: str = Field(min_length=1, max_length=200)
    channel_b: str = Field(min_length=1, max_length=40)
    account_b: str = Field(min_length=1, max_length=200)
    kind: str | None = Field(None, max_length=40)
    ts: datetime | None = None


class LinksIn(BaseModel):
    links: list[LinkIn] = Field(min_length=1)


class OrderLineIn(BaseModel):
    """One line item of an order: a purchase of `quantity` × `item_id` at `price` each.
    Other fields (its name, variant) are kept on the purchase's `extra`."""

    model_config = ConfigDict(extra="allow")
    item_id: str = Field(min_length=1, max_length=200)
    quantity: int = Field(1, ge=1, le=1_000_000)
    price: float | None = Field(None, ge=0, allow_inf_nan=False, description="unit price")
    place: int | None = Field(None, ge=1, le=100_000, description=(
        "its place among all the order's lines, 1 first, where lines without an item (gift "
        "wrap) are left out: the purchase's id is order-line:<order>:<place>, as an orders "
        "export numbers it; by default its place in `lines`"))


class OrderIn(BaseModel):
    """A paid order (the Order record) and its lines. Fields beyond these (status, carrier,
    tracking, shipped_at …) are kept in `extra`: what the support assistant tells the
    customer. Posting a known order again updates what changed (its status once shipped);
    what it leaves out keeps its stored value."""

    model_config = ConfigDict(extra="allow")
    order_id: str = Field(min_length=1, max_length=200)
    ts: datetime = Field(description="when it was placed; without a zone, in the shop's "
                                     "time zone")
    account: str = Field(min_length=1, max_length=200,
                         description="the customer's account id on that channel "
                                     "(pseudonymized here)")
    channel: str = Field(min_length=1, max_length=40, description="web, app, mini, store, …")
    amount: float | None = Field(None, ge=0, allow_inf_nan=False,
                                 description="what was paid; when absent, the sum of its "
                                             "lines' price × quantity")
    payment: str | None = Field(None, max_length=80)
    device: str | None = Field(None, max_length=200)
    ip: str | None = Field(None, max_length=64)
    label: str | None = Field(None, max_length=20, description="fraud or legit, when known")
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=1000,
                                     description="each a purchase event, id "
                                                 "order-line:<order_id>:<n>")

    @model_validator(mode="after")
    def _amount_known(self) -> OrderIn:
        if self.amount is None and not (self.lines and all(
                line.price is not None for line in self.lines)):
            raise ValueError("give the amount, or lines that each have a price")
        return self


class OrdersIn(BaseModel):
    orders: list[OrderIn] = Field(min_length=1)


class ItemIn(BaseModel):
    """A catalog item, whole or in part: a known item keeps what is not sent (post
    `{"item_id": "A1", "stock": 0}` when it sells out). Fields beyond these (stock, colour,
    材质 …) are kept in `extra`."""

    model_config = ConfigDict(extra="allow")
    item_id: str = Field(min_length=1, max_length=200)
    title: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=20_000)
    category: str | None = Field(None, max_length=500)
    brand: str | None = Field(None, max_length=200)
    price: float | None = Field(None, ge=0, allow_inf_nan=False)
    attributes: dict[str, Any] | None = None
    channels: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        None, description="channels it is sold on; empty means all")


class ItemsIn(BaseModel):
    items: list[ItemIn] = Field(min_length=1)


class Accepted(BaseModel):
    accepted: int = Field(description="new records stored (durably, before this answer)")
    duplicates: int = Field(description="already stored: retries add nothing")
    kept_out: int = Field(0, description="records of erased persons, not stored")


class OrdersAccepted(Accepted):
    updated: int = Field(description="known orders whose fields changed (a new status)")
    purchases: int = Field(description="purchase events stored from the orders' lines (new "
                                       "ones; a retry adds none)")


class ItemsAccepted(Accepted):
    updated: int = Field(description="known items whose fields changed")
    learned_at_next_training: int = Field(
        description="items the serving recommender and search do not know yet: stored, "
                    "answered about by support at once, recommended and searched once "
                    "their models are trained again")


class LinksAccepted(Accepted):
    persons_changed: int = Field(description="accounts whose person changed")


class ModelVersion(BaseModel):
    name: str
    version: str


class WeakestAspectOut(BaseModel):
    aspect: str
    positive: float = Field(description="its positive share, shrunk toward the shop's")
    mentions: int


class ItemReviewsOut(BaseModel):
    reviews: int
    positive: float = Field(description="positive share, shrunk toward the shop's average")
    weakest_aspect: WeakestAspectOut | None = Field(
        None, description="the aspect read least positively, when below the shop's average")


class RecommendedItem(BaseModel):
    item_id: str
    title: str | None = Field(None, description="the catalog's title")
    score: float
    reasons: list[str]
    reviews: ItemReviewsOut | None = Field(
        None, description="what the item's reviews say (when a sentiment model is active "
                          "and the item has reviews)")


class Recommendations(BaseModel):
    person_id: str
    channel: str | None
    model: ModelVersion
    items: list[RecommendedItem]


class SearchHitOut(BaseModel):
    item_id: str
    title: str
    price: float | None = Field(None, description="the catalog's price; null when it has none")
    score: float


class PriceFromQuery(BaseModel):
    min: float | None
    max: float | None
    phrases: list[str] = Field(description='as typed (normalized), e.g. "100元以下"')


class SearchOut(BaseModel):
    query: str
    matches: int = Field(description="candidates that passed the filters")
    notes: list[str] = Field(description='e.g. "showing results for …"')
    price_from_query: PriceFromQuery | None = Field(
        None, description="a price limit typed into the query (\"耳机 100元以下\", \"under "
                          "$50\"), applied as a filter beside min_price and max_price")
    facets: dict[str, list[tuple[str, int]]]
    model: ModelVersion
    hits: list[SearchHitOut]


# a review's text: something besides spaces (an empty one was scored 0.70 positive)
ReviewText = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\S")]


class ReviewsIn(BaseModel):
    texts: list[ReviewText] = Field(min_length=1, max_length=1_000)
    categories: list[str | None] | None = Field(
        None, description="each review's item category, as in the catalog (null: unknown); "
                          "a model trained with categories reads each in its own")

    @model_validator(mode="after")
    def _one_category_per_text(self) -> ReviewsIn:
        if self.categories is not None and len(self.categories) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.categories)} categories")
        return self


class ReviewRecordIn(BaseModel):
    """A review as the shop receives it (the Review record), to be stored: what opinion
    monitoring counts. Fields beyond these (its title, the reviewer's name …) are kept in
    `extra`, personal ones pseudonymized."""

    model_config = ConfigDict(extra="allow")
    review_id: str | None = Field(None, min_length=1, max_length=200,
                                  description="idempotency key (derived from the review if "
                                              "absent)")
    item_id: str | None = Field(None, min_length=1, max_length=200)
    account: str | None = Field(None, min_length=1, max_length=200)
    channel: str | None = Field(None, min_length=1, max_length=40)
    ts: datetime | None = Field(None, description="when it was written; without a zone, in "
                                                  "the shop's time zone")
    rating: float | None = Field(None, ge=0, le=5, allow_inf_nan=False)
    text: ReviewText
    polarity: int | None = Field(None, ge=0, le=1)
    category: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _account_with_channel(self) -> ReviewRecordIn:
        if (self.account is None) != (self.channel is None):
            raise ValueError("account and channel go together")
        return self


class ReviewRecordsIn(BaseModel):
    reviews: list[ReviewRecordIn] = Field(min_length=1)


class ClauseOut(BaseModel):
    text: str
    aspects: list[str]
    positive: float


class ReviewOut(BaseModel):
    positive: float = Field(description="calibrated P(positive)")
    rating: float | None
    clauses: list[ClauseOut]


class SentimentOut(BaseModel):
    model: ModelVersion
    reviews: list[ReviewOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review: str = Field(min_length=1, max_length=4_000)
    category: str | None = Field(None, description="the reviewed item's category, as in "
                                                   "the catalog (null: unknown)")


class SuggestedReplyOut(BaseModel):
    text: str
    kind: str = Field(description="template (from the review's aspects), retrieved (a past "
                                  "agent answer to a similar complaint) or rewritten")
    grounds: dict[str, Any] = Field(description="what the reply stands on")


class RepliesOut(BaseModel):
    model: ModelVersion
    review: ReviewOut
    replies: list[SuggestedReplyOut]


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=4_000)
    account: str | None = Field(None, min_length=1, max_length=200,
                                description="the signed-in account, with channel")
    channel: str | None = Field(None, min_length=1, max_length=40)
    item_id: str | None = Field(None, min_length=1, max_length=200,
                                description="the product page the customer writes from")
    order_id: str | None = Field(None, min_length=1, max_length=200,
                                 description="the order page the customer writes from")


class HandoffOut(BaseModel):
    reason: str
    summary: dict[str, Any]


class ChatOut(BaseModel):
    conversation_id: str
    text: str
    intent: str | None
    confidence: float
    grounds: list[str]
    handoff: HandoffOut | None
    model: ModelVersion


class AdCandidate(BaseModel):
    """One ad that could be shown, with the features its ranker was trained on."""

    model_config = ConfigDict(extra="allow")
    ad_id: str = Field(min_length=1, max_length=200)
    campaign_id: str = Field(min_length=1, max_length=200)
    bid: float = Field(ge=0, allow_inf_nan=False)


class AdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidates: list[AdCandidate] = Field(min_length=1, max_length=1_000)
    k: int = Field(3, ge=1, le=100)
    account: str | None = Field(None, min_length=1, max_length=200)
    channel: str | None = Field(None, min_length=1, max_length=40)
    record: bool = Field(True, description="count the chosen ads toward the person's "
                                           "daily frequency cap (they are being shown)")


class AdOut(BaseModel):
    ad_id: str
    campaign_id: str
    expected_value: float
    ctr: float = Field(description="calibrated P(click)")
    cvr: float | None = Field(description="calibrated P(conversion | click); null for a "
                              "ranker learned from clicks alone")
    bid: float
    reasons: list[str]


class AdsOut(BaseModel):
    model: ModelVersion
    ads: list[AdOut]


class BudgetsIn(BaseModel):
    budgets: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        min_length=1, description="campaign_id → what it can still spend")


class ActivateIn(BaseModel):
    version: str = Field(min_length=1, max_length=100)


class ModelState(BaseModel):
    name: str
    active: str | None
    serving: str | None = Field(description="the version answering requests now")
    versions: list[str]


class Problem(BaseModel):
    error: str
    details: list[dict[str, Any]] = []


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: each status answered with a `Problem`."""
    return {status: {"model": Problem} for status in statuses}
