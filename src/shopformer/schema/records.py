"""The record kinds of DESIGN.md as data: fields, types, required flags, allowed values.

Specs are plain data so that one columnar validator, the store's table definitions and the
documentation all read the same source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from shopformer.core.errors import ConfigError


class FieldType(StrEnum):
    STRING = "string"
    TIMESTAMP = "timestamp"
    FLOAT = "float"
    INT = "int"
    JSON = "json"
    STRING_LIST = "string_list"


class Pii(StrEnum):
    """How the privacy layer treats a field before it reaches the store."""

    NONE = "none"
    ID = "id"  # pseudonymized with the workspace's keyed hash
    TEXT = "text"  # free text, scrubbed of phones, e-mails, ID numbers, cards, addresses


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType = FieldType.STRING
    required: bool = False
    allowed: frozenset[str] | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    pii: Pii = Pii.NONE
    doc: str = ""
    # read into the key derived from a row's content when the row has none; False for a
    # field added later, so rows stored before it keep their keys (re-ingest adds nothing)
    in_derived_key: bool = True


@dataclass(frozen=True)
class RecordSpec:
    """One record kind. `key` fields identify a record; if the input lacks them, a stable id
    is derived from the row's content so that re-ingesting a file adds nothing."""

    kind: str
    table: str
    key: str
    fields: tuple[FieldSpec, ...]
    doc: str = ""
    has_person: bool = True
    key_from: tuple[str, ...] = ()  # the key is these fields joined, not a column of its own

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.required)


CHANNEL_ALIASES = {
    "website": "web", "pc": "web", "h5": "web", "online": "web", "mobile_web": "web",
    "ios": "app", "android": "app", "mobile_app": "app",
    "mini-program": "mini", "mini_program": "mini", "miniprogram": "mini", "wechat": "mini",
    "mp": "mini", "offline": "store", "pos": "store", "shop": "store", "retail": "store",
    "catalog": "catalog", "call": "phone", "callcenter": "phone",
    "网站": "web", "官网": "web", "网页": "web", "pc端": "web", "电脑": "web",
    "手机app": "app", "app端": "app", "客户端": "app", "小程序": "mini", "微信小程序": "mini",
    "微信": "mini", "门店": "store", "线下": "store", "实体店": "store", "线下门店": "store",
    "电话": "phone",
}
def channel_name(value: str) -> str:
    """A channel as the store names it: trimmed, lower case, aliases resolved (ios → app)."""
    name = value.strip().lower()
    return CHANNEL_ALIASES.get(name, name)


EVENT_TYPES = frozenset({
    "view", "click", "impression", "search", "cart", "remove_cart", "fav", "purchase",
    "rate", "review", "return", "refund", "share", "checkout",
})
EVENT_TYPE_ALIASES = {
    "pv": "view", "page_view": "view", "pageview": "view", "detail": "view", "browse": "view",
    "buy": "purchase", "order": "purchase", "transaction": "purchase", "pay": "purchase",
    "add_to_cart": "cart", "addtocart": "cart", "add-to-cart": "cart", "basket": "cart",
    "favorite": "fav", "favourite": "fav", "like": "fav", "wishlist": "fav", "collect": "fav",
    "rating": "rate", "query": "search", "remove_from_cart": "remove_cart",
    "浏览": "view", "查看": "view", "点击": "click", "曝光": "impression", "展示": "impression",
    "搜索": "search", "加购": "cart", "加入购物车": "cart", "移出购物车": "remove_cart",
    "收藏": "fav", "购买": "purchase", "下单": "purchase", "支付": "purchase",
    "付款": "purchase", "成交": "purchase", "评分": "rate", "评价": "review", "退货": "return",
    "退款": "refund", "分享": "share", "结算": "checkout",
    # Google Analytics 4's recommended e-commerce events, and Segment's e-commerce spec
    "view_item": "view", "view_item_list": "impression", "view_promotion": "impression",
    "select_item": "click", "select_promotion": "click", "add_to_wishlist": "fav",
    "begin_checkout": "checkout", "add_payment_info": "checkout",
    "add_shipping_info": "checkout", "product_viewed": "view",
    "product_list_viewed": "impression", "product_clicked": "click",
    "product_added": "cart", "product_removed": "remove_cart",
    "product_added_to_wishlist": "fav", "checkout_started": "checkout",
    "order_completed": "purchase", "order_refunded": "refund", "products_searched": "search",
    "product_shared": "share", "product_reviewed": "review",
}
ROLES = frozenset({"customer", "agent", "bot", "system"})
ORDER_LABELS = frozenset({"fraud", "legit"})
ORDER_LABEL_ALIASES = {"1": "fraud", "0": "legit", "true": "fraud", "false": "legit",
                       "yes": "fraud", "no": "legit", "fraudulent": "fraud", "normal": "legit"}

_CHANNEL = FieldSpec("channel", required=True, aliases=CHANNEL_ALIASES,
                     doc="where it happened: web, app, mini, store, …")
_ACCOUNT = FieldSpec("account", required=True, pii=Pii.ID,
                     doc="the account id on that channel (pseudonymized at the door)")


def _optional(spec: FieldSpec) -> FieldSpec:
    return FieldSpec(**{**spec.__dict__, "required": False})


EVENT = RecordSpec("event", "events", "event_id", (
    FieldSpec("event_id", doc="idempotency key; derived from the row if absent"),
    FieldSpec("ts", FieldType.TIMESTAMP, required=True, doc="UTC time"),
    _ACCOUNT,
    _CHANNEL,
    FieldSpec("type", required=True, allowed=EVENT_TYPES, aliases=EVENT_TYPE_ALIASES),
    FieldSpec("item_id", doc="absent for a search"),
    FieldSpec("query", pii=Pii.TEXT),
    FieldSpec("price", FieldType.FLOAT, minimum=0.0),
    FieldSpec("quantity", FieldType.INT, minimum=0),
    FieldSpec("session_id"),
    FieldSpec("device", pii=Pii.ID),
    FieldSpec("ip", pii=Pii.ID),
), doc="one thing a person did on one channel")

ITEM = RecordSpec("item", "items", "item_id", (
    FieldSpec("item_id", required=True),
    FieldSpec("title"),
    FieldSpec("description"),
    FieldSpec("category", doc="path, levels joined by ' > ' or '/'"),
    FieldSpec("brand"),
    FieldSpec("price", FieldType.FLOAT, minimum=0.0),
    FieldSpec("attributes", FieldType.JSON),
    FieldSpec("channels", FieldType.STRING_LIST, aliases=CHANNEL_ALIASES,
              doc="channels it is sold on; empty means all"),
), doc="a product in the catalog", has_person=False)


def json_object(value: object) -> dict:
    """A stored JSON column (an item's `attributes`, a row's `extra`) as a dict: {} when it
    is empty or holds no object."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def text_number(text: str) -> float | None:
    """The number a text value holds, as exports write it ("1,234.5", "nan"); None when it
    holds none."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def top_category(path: str) -> str:
    """The first level of a category path: "数码 Electronics > 手机" → "数码 Electronics"."""
    return path.split("/")[0].split(">")[0].strip()


REVIEW = RecordSpec("review", "reviews", "review_id", (
    FieldSpec("review_id"),
    FieldSpec("item_id"),
    _optional(_ACCOUNT),
    _optional(_CHANNEL),
    FieldSpec("ts", FieldType.TIMESTAMP),
    FieldSpec("rating", FieldType.FLOAT, minimum=0.0, maximum=5.0),
    FieldSpec("text", required=True, pii=Pii.TEXT),
    FieldSpec("polarity", FieldType.INT, minimum=0, maximum=1, in_derived_key=False,
              doc="1 positive, 0 negative: a shop's own sentiment flag, for reviews without "
                  "stars"),
    FieldSpec("category", in_derived_key=False,
              doc="the reviewed item's category, for a review whose item the catalog lacks"),
), doc="what a customer wrote about an item")

TURN = RecordSpec("turn", "turns", "turn_key", (
    FieldSpec("conversation_id", required=True),
    # chat exports seldom number their messages: without `turn` a message is keyed by its
    # content (conversation, role, text, time) and read in the order of its time
    FieldSpec("turn", FieldType.INT, minimum=0,
              doc="the message's place in its conversation; else its time orders it"),
    FieldSpec("role", required=True, allowed=ROLES,
              aliases={"user": "customer", "buyer": "customer", "client": "customer",
                       "shopper": "customer", "visitor": "customer", "end-user": "customer",
                       "end_user": "customer", "enduser": "customer", "requester": "customer",
                       "staff": "agent", "seller": "agent", "support": "agent",
                       "operator": "agent", "admin": "agent", "teammate": "agent",
                       "assistant": "bot", "买家": "customer", "顾客": "customer",
                       "客户": "customer", "用户": "customer", "访客": "customer",
                       "会员": "customer", "客服": "agent", "人工客服": "agent",
                       "卖家": "agent", "商家": "agent", "店家": "agent", "店小二": "agent",
                       "坐席": "agent", "机器人": "bot", "智能客服": "bot",
                       "系统": "system"}),
    FieldSpec("text", required=True, pii=Pii.TEXT),
    FieldSpec("ts", FieldType.TIMESTAMP),
    FieldSpec("intent", in_derived_key=False),  # labels added later key nothing anew
    _optional(_ACCOUNT),
    _optional(_CHANNEL),
), doc="one turn of a customer-service conversation", key_from=("conversation_id", "turn"))

ORDER = RecordSpec("order", "orders", "order_id", (
    FieldSpec("order_id", required=True),
    _ACCOUNT,
    _CHANNEL,
    FieldSpec("ts", FieldType.TIMESTAMP, required=True),
    FieldSpec("amount", FieldType.FLOAT, required=True, minimum=0.0),
    FieldSpec("payment"),
    FieldSpec("device", pii=Pii.ID),
    FieldSpec("ip", pii=Pii.ID),
    FieldSpec("label", allowed=ORDER_LABELS, aliases=ORDER_LABEL_ALIASES),
), doc="a paid order, optionally labelled fraud / legit")
# an orders export with a row per line item names each line's item, quantity and unit
# price: those rows become purchase events beside the order (ingest/order_lines.py)
ORDER_LINE_FIELDS = ("item_id", "quantity", "price")

LINK = RecordSpec("link", "links", "link_id", (
    FieldSpec("link_id"),
    FieldSpec("channel_a", required=True, aliases=CHANNEL_ALIASES),
    FieldSpec("account_a", required=True, pii=Pii.ID),
    FieldSpec("channel_b", required=True, aliases=CHANNEL_ALIASES),
    FieldSpec("account_b", required=True, pii=Pii.ID),
    FieldSpec("kind", doc="login, member_card, phone, …"),
    FieldSpec("ts", FieldType.TIMESTAMP),
), doc="two channel accounts known to be one person", has_person=False)

SAMPLE = RecordSpec("sample", "samples", "sample_id", (
    FieldSpec("sample_id"),
    FieldSpec("dataset", required=True),
    _optional(_ACCOUNT),
    _optional(_CHANNEL),
    FieldSpec("item_id"),
    FieldSpec("query", pii=Pii.TEXT),
    FieldSpec("ts", FieldType.TIMESTAMP),
    FieldSpec("label"),
), doc="a labelled row of features that is no event: session or customer aggregates, "
       "ad impressions, graded query–item judgments (features live in `extra`)")

RECORDS: dict[str, RecordSpec] = {spec.kind: spec for spec in
                                  (EVENT, ITEM, REVIEW, TURN, ORDER, LINK, SAMPLE)}


def record_spec(kind: str) -> RecordSpec:
    try:
        return RECORDS[kind]
    except KeyError:
        raise ConfigError(f"unknown record kind {kind!r}; known: {', '.join(RECORDS)}") from None
