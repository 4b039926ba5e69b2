"""The assistant's tools: the only places a reply's facts may come from.

- `OrderTool` — an order's facts from the store: when and where it was placed, amount,
  payment, the items bought with it, returns and refunds recorded after it, and any
  status columns the shop ingests with its orders (status, shipped_at, delivered_at,
  carrier, tracking…, kept in the order's `extra`). Only the person who placed an order
  is told about it.
- `PolicyTool` — the section of the shop's policy file (Markdown or plain text) that
  answers a question about returns, refunds, shipping, warranty, …
- `ProductTool` — an item's catalog facts, found by id or by the name a customer uses.
- `ReviewTool` — what the item's reviewers say, from review intelligence.
Each returns facts or says plainly what it does not know; none invents a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba
import numpy as np
import pyarrow as pa
from scipy import sparse

from shopformer.core.errors import ConfigError
from shopformer.data.chinese_script import simplified
from shopformer.ingest.header_names import normalized_name
from shopformer.schema.records import json_object
from shopformer.storage.base import Store
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer
from shopformer.tasks.search.analyze import CJK, normalize, without_tags
from shopformer.tasks.support.answers import AnswerIndex, AnswerMatch, KnownAnswer
from shopformer.tasks.support.topics import TopicLexicon

ORDER_STATUS_FIELDS = ("status", "payment_status", "shipped_at", "delivered_at", "carrier",
                       "tracking", "expected_delivery", "refund_status", "cancelled_at")
# the same columns as order exports commonly name them (compared as `normalized_name`)
STATUS_NAMES = {"status": ("orderstatus", "shippingstatus", "fulfillmentstatus", "订单状态",
                           "交易状态", "物流状态"),
                "shipped_at": ("shipdate", "shippeddate", "shippedtime", "shippingdate",
                               "fulfilledat", "发货时间"),
                "delivered_at": ("deliverydate", "delivereddate", "deliveredtime", "签收时间",
                                 "收货时间"),
                "carrier": ("courier", "shippingcarrier", "shippingcompany", "快递公司",
                            "物流公司", "承运商"),
                "tracking": ("trackingnumber", "trackingno", "trackingid", "waybill",
                             "运单号", "快递单号", "物流单号"),
                "expected_delivery": ("eta", "expecteddeliverydate", "预计送达",
                                      "预计送达时间", "预计到货时间"),
                "refund_status": ("退款状态",),
                # Shopify's Financial Status (paid, refunded …) and Cancelled at: an order
                # refunded in full read "124.90 paid; status: fulfilled"
                "payment_status": ("financialstatus", "paymentstatus", "支付状态",
                                   "付款状态"),
                "cancelled_at": ("canceledat", "cancelleddate", "canceldate", "取消时间",
                                 "订单取消时间")}
ORDER_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")
# words that pick one of the items offered: a CJK run, or a Latin word or number ("1.8m")
MARK = re.compile(r"[\u3400-\u9fff]+|[0-9a-z][0-9a-z.+_-]*[0-9a-z]|[0-9a-z]")
ORDINALS = ((r"第一|first|1st|^\s*#?1\s*$", 0), (r"第二|second|2nd|^\s*#?2\s*$", 1),
            (r"第三|third|3rd|^\s*#?3\s*$", 2), (r"第四|fourth|4th|^\s*#?4\s*$", 3),
            (r"最后|last one", -1))
MIN_NAMED_ID = 5  # characters an item id needs to be read out of a message
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    placed: datetime  # in the shop's time zone, as a customer reads it
    channel: str
    amount: float
    payment: str | None
    items: tuple[str, ...]  # item ids bought in the order's visit
    status: Mapping[str, str]  # the shop's own status columns, when it gives them
    returns: tuple[datetime, ...]  # return events of the person after the order
    refunds: tuple[datetime, ...]

    def to_dict(self) -> dict:
        return {"order_id": self.order_id, "placed": self.placed.isoformat(),
                "channel": self.channel, "amount": self.amount, "payment": self.payment,
                "items": list(self.items), "status": dict(self.status),
                "returns": [t.isoformat() for t in self.returns],
                "refunds": [t.isoformat() for t in self.refunds]}


@dataclass(frozen=True)
class OrderLookup:
    """What the order tool found: facts, or why there are none ("unknown", "not_yours")."""

    order_id: str
    facts: OrderFacts | None
    problem: str | None = None


ORDER_COLUMNS = ["order_id", "ts", "channel", "amount", "payment", "extra", "person_id"]


class OrderTool:
    """`timezone`: the shop's (shop.toml), in which a customer is told when they ordered;
    the store keeps UTC, and a Shanghai order placed at 08:30 was said to be placed at
    00:30."""

    def __init__(self, store: Store, timezone: str = "UTC") -> None:
        self.store = store
        self.zone = ZoneInfo(timezone)
        orders = {row["order_id"]: row
                  for row in store.read_table("order", ORDER_COLUMNS).to_pylist()}
        # (order id → row, order number as typed → id): one attribute, swapped whole, so a
        # lookup in another thread sees the old pair or the new one
        self._lookups = (orders, _by_number(orders))

    def remember(self, rows: pa.Table) -> None:
        """Orders stored since this tool read the store (the server's `POST /v1/orders`: a
        new order, a new status), as stored. The lookups are swapped whole, so a reader
        in another thread sees the old ones or the new ones."""
        orders = {**self._lookups[0], **{row["order_id"]: row
                                         for row in rows.select(ORDER_COLUMNS).to_pylist()}}
        self._lookups = (orders, _by_number(orders))

    def forget(self, person_id: str) -> None:
        """An erased person's orders leave the lookups too: the server's assistant kept
        them in memory after the store had deleted them."""
        orders = {order_id: row for order_id, row in self._lookups[0].items()
                  if row["person_id"] != person_id}
        self._lookups = (orders, _by_number(orders))

    @property
    def order_ids(self) -> list[str]:
        return list(self._lookups[0])

    def mentioned(self, text: str) -> str | None:
        """The known order id a message names, if any (the longest, when several do): each
        run of letters, digits, '-' and '_' is looked up, whatever the number of orders."""
        by_lower = self._lookups[1]
        named = [by_lower[token.lower()] for token in ORDER_TOKEN.findall(text)
                 if token.lower() in by_lower]
        return max(named, key=len, default=None)

    def lookup(self, order_id: str, person_id: str | None) -> OrderLookup:
        """The order's facts for the person who placed it; `person_id` None (an anonymous
        chat) is told nothing about any order."""
        row = self._lookups[0].get(order_id)
        if row is None:
            return OrderLookup(order_id, None, "unknown")
        if person_id is None or row["person_id"] != person_id:
            return OrderLookup(order_id, None, "not_yours")
        placed = row["ts"]
        timeline = self.store.person_timeline(person_id)
        kinds = timeline["type"].to_pylist()
        stamps = timeline["ts"].to_pylist()
        items = timeline["item_id"].to_pylist()
        bought = tuple(dict.fromkeys(
            i for k, t, i in zip(kinds, stamps, items, strict=True)
            if k == "purchase" and i and abs((t - placed).total_seconds()) <= 3600))
        after = [(k, t) for k, t in zip(kinds, stamps, strict=True) if t >= placed]
        status = _order_status(json_object(row["extra"]))
        return OrderLookup(order_id, OrderFacts(
            order_id, self._local(placed), row["channel"], float(row["amount"]),
            row["payment"], bought, status,
            tuple(self._local(t) for k, t in after if k == "return"),
            tuple(self._local(t) for k, t in after if k == "refund")))

    def _local(self, stored: datetime) -> datetime:
        return stored.replace(tzinfo=UTC).astimezone(self.zone)

    def orders_of(self, person_id: str) -> list[str]:
        """The person's orders, newest first (to ask "which one?")."""
        mine = [(row["ts"], i) for i, row in self._lookups[0].items()
                if row["person_id"] == person_id]
        return [i for _, i in sorted(mine, reverse=True)]


class PolicyTool:
    """The shop's policy file cut into sections (Markdown headings, else paragraphs)."""

    def __init__(self, text: str, source: str = "policy") -> None:
        sections = policy_sections(text)
        if not sections:
            raise ConfigError(f"{source}: the policy file holds no text")
        self.source = source
        self.index = AnswerIndex([KnownAnswer(title, body, f"policy:{title}")
                                  for title, body in sections])
        # the words of each section's heading that name it and no other section
        words = [{w for w in self.index.analyzer.terms(simplified(title))
                  if _names_a_topic(w)} for title, _ in sections]
        self._heading_words = [w - set().union(*(o for o in words if o is not w))
                               for w in words]
        # the topics each heading names ("Shipping 发货与配送": shipping), when no other does
        self.topics = TopicLexicon(analyzer=self.index.analyzer)
        named = [self.topics.topics(title) for title, _ in sections]
        self._heading_topics = [t - set().union(*(o for o in named if o is not t))
                                for t in named]

    @classmethod
    def from_file(cls, path: Path) -> PolicyTool:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: cannot read the policy file ({error})") from None
        return cls(text, str(path))

    def lookup(self, question: str) -> AnswerMatch | None:
        found = self.index.find(question, k=1)
        return found[0] if found else None

    def named(self, question: str) -> KnownAnswer | None:
        """The section the question names most: by a word of its heading ("发货要多久？" →
        "Shipping 发货与配送") or a word of a topic its heading names ("你们发什么快递？",
        "can I get my money back?" → "Refunds 退款"); None when it names none, or several
        as much ("if I return it, how long does shipping take?"). Stricter than `lookup`'s
        closeness, whose scores do not tell a real question from nonsense or "do you have
        this in red?" from a return question, so it may answer what no intent did."""
        said = set(self.index.analyzer.terms(simplified(question)))  # 退貨 names 退货
        topics = self.topics.topics(question)
        counts = np.array([len(words & said) + len(named & topics) for words, named
                           in zip(self._heading_words, self._heading_topics, strict=True)])
        best = int(np.argmax(counts))
        if counts[best] == 0 or (counts == counts[best]).sum() > 1:
            return None
        return self.index.known[best]


def _names_a_topic(term: str) -> bool:
    """A heading's word that can name its section: a Chinese word of two characters or
    more, a Latin stem of four letters or more ("ship", "refund"; not "the", "与")."""
    return len(term) >= 2 if CJK.match(term) else len(term) >= 4 and term.isalpha()


def _variant_named(said: str, tied: dict[int, str]) -> list[int]:
    """Among items a message fits equally (position → normalized title), those whose own
    words it says most: "is the linen shirt in L in stock?" fits "Linen Shirt - L / White"
    and "… - M / White" alike by their longest shared stretch, and was asked "which one?".
    A word counts when some tied title lacks it (L, 白色, 降噪), so "冰丝T恤黑色的L码" is
    the black L, not also the black M and the white L. Latin words as whole words, Chinese
    ones as jieba cuts them (降噪版 → 降噪) and found anywhere in the message."""
    if len(tied) < 2:
        return list(tied)
    words_said = set(MARK.findall(said))
    own = {n: _title_words(title) for n, title in tied.items()}
    everywhere = set.intersection(*own.values())
    hits = {n: sum(1 for word in own[n] - everywhere
                   if (word in said if CJK.match(word) else word in words_said))
            for n in tied}
    best = max(hits.values())
    return [n for n in tied if hits[n] == best] if best else list(tied)


def _title_words(title: str) -> set[str]:
    """A title's Latin words and its Chinese words of two characters or more."""
    words = set()
    for mark in MARK.findall(title):
        if CJK.match(mark):
            words.update(w for w in jieba.lcut(mark) if len(w) >= 2)
        else:
            words.add(mark)
    return words


def _by_number(orders: Mapping[str, object]) -> dict[str, str]:
    """Each order id as a customer may type it → the id: any case, and "#1001" (Shopify's
    order names) also as "1001"."""
    return {order_id.lower().lstrip("#"): order_id for order_id in orders}


def _order_status(extra: Mapping[str, object]) -> dict[str, str]:
    """The status columns an order export kept in `extra`, by our names or by the names
    exports give them (订单状态, 物流公司, 运单号 …: a Chinese export's status was read as
    none, and the assistant said the shop's records held no shipping status)."""
    by_name = {normalized_name(k): k for k in extra}
    status = {}
    for ours in ORDER_STATUS_FIELDS:  # "status", "Status", "Tracking Number", 运单号 …
        names = (normalized_name(ours), *STATUS_NAMES[ours])
        theirs = next((by_name[n] for n in names if n in by_name), None)
        if theirs is not None and extra[theirs] not in (None, ""):
            status[ours] = str(extra[theirs])
    return status


def policy_sections(text: str) -> list[tuple[str, str]]:
    """(title, body) per Markdown section; a file without headings: per paragraph, the
    first line standing as the title."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            sections.append((heading.group(1), []))
        elif sections:
            sections[-1][1].append(line)
    if sections:
        out = [(title, "\n".join(body).strip()) for title, body in sections]
        return [(t, b) for t, b in out if b]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [(p.splitlines()[0], p) for p in paragraphs]


@dataclass(frozen=True)
class ProductFacts:
    item_id: str
    title: str
    price: float | None
    brand: str | None
    category: str | None
    description: str | None
    attributes: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"item_id": self.item_id, "title": self.title, "price": self.price,
                "brand": self.brand, "category": self.category,
                "description": self.description, "attributes": dict(self.attributes)}


PRODUCT_COLUMNS = ["item_id", "title", "price", "brand", "category", "description",
                   "attributes", "extra"]


class ProductTool:
    def __init__(self, store: Store, min_similarity: float = 0.35) -> None:
        self.min_similarity = min_similarity
        self._index(store.read_table("item", PRODUCT_COLUMNS).to_pylist())

    def _index(self, rows: list[dict]) -> None:
        """Build the lookups and swap them in at once: a reader in another thread sees the
        old ones or the new ones."""
        items = sorted(rows, key=lambda row: row["item_id"])
        titles = [row["title"] or "" for row in items]
        vectorizer = NgramVectorizer(NgramConfig(min_count=1)).fit(titles or [""])
        position = {row["item_id"]: n for n, row in enumerate(items)}
        # ids short enough to be any number ("100", "12") are not read out of messages
        by_lower = {item.lower(): item for item in position if len(item) >= MIN_NAMED_ID}
        self._catalog = _Products(items, position, by_lower, vectorizer,
                                  vectorizer.transform(titles))

    def remember(self, rows: pa.Table) -> None:
        """Items stored since this tool read the store (the server's `POST /v1/items`: a new
        stock, price or product), as stored. A new stock or price keeps the title n-grams as
        they are, and a new or retitled item adds its own row (the vocabulary only grows):
        fitting the whole catalog's n-grams again took seconds a post at 100k items."""
        catalog = self._catalog
        changed = {row["item_id"]: row for row in rows.select(PRODUCT_COLUMNS).to_pylist()}
        items, position = list(catalog.items), dict(catalog.position)
        retitled = []
        for item_id, row in changed.items():
            n = position.get(item_id)
            if n is None:
                position[item_id] = n = len(items)
                items.append(row)
            else:
                same = (items[n]["title"] or "") == (row["title"] or "")
                items[n] = row
                if same:
                    continue
            retitled.append(n)
        vectorizer, titles = catalog.vectorizer, catalog.titles
        if retitled:
            vectorizer, titles = _with_titles(vectorizer, titles, len(items), {
                n: items[n]["title"] or "" for n in retitled})
        by_lower = {item.lower(): item for item in position if len(item) >= MIN_NAMED_ID}
        self._catalog = _Products(items, position, by_lower, vectorizer, titles)

    def get(self, item_id: str) -> ProductFacts | None:
        catalog = self._catalog
        n = catalog.position.get(item_id)
        return None if n is None else _facts(catalog.items[n])

    def named_ids(self, text: str) -> list[str]:
        """The catalog's item ids written in a message ("SKU00231"), in order; ids shorter
        than `MIN_NAMED_ID` are not looked for ("I paid 100" names no item 100)."""
        by_lower = self._catalog.by_lower
        return list(dict.fromkeys(by_lower[t.lower()] for t in ORDER_TOKEN.findall(text)
                                  if t.lower() in by_lower))

    def choice_labels(self, item_ids: list[str]) -> list[str]:
        """How to name each offered item so a customer can tell them apart: its title and
        id, and where titles repeat (variants) the price and attributes that differ."""
        facts = [f for f in (self.get(i) for i in item_ids) if f is not None]
        labels = []
        for f in facts:
            twins = [g for g in facts if g.title == f.title]
            details = []
            if len(twins) > 1:
                if len({g.price for g in twins}) > 1 and f.price is not None:
                    details.append(f"{f.price:.2f}")
                details += [f"{k}: {v}" for k, v in f.attributes.items()
                            if len({str(g.attributes.get(k)) for g in twins}) > 1]
            labels.append(f"{f.title} ({f.item_id}" + "".join(f", {d}" for d in details)
                          + ")")
        return labels

    def chosen(self, text: str, choices: list[str], shown: int) -> str | None:
        """Which of the items offered (`choices`, the first `shown` listed to the customer)
        a reply picks: by id ("SKU00231"), by place ("第二个", "the first one"), or by
        what only that item has (brand, price, an attribute: "Galaxis的", "the 2.0m
        one"); None when it picks none or several."""
        ids = [i for i in self.named_ids(text) if i in choices]
        if len(ids) == 1:
            return ids[0]
        listed = choices[:shown]
        for pattern, place in ORDINALS:
            if re.search(pattern, text, re.IGNORECASE) and -len(listed) <= place < len(listed):
                return listed[place]
        marks = {i: self._marks(i) for i in choices}
        common = set.intersection(*marks.values()) if marks else set()
        said = normalize(text)
        words = set(MARK.findall(said))
        hits = {i: sum(1 for m in marks[i] - common
                       if (m in said if CJK.match(m) else m in words))
                for i in choices}
        best = max(hits.values(), default=0)
        picked = [i for i, n in hits.items() if n == best]
        return picked[0] if best and len(picked) == 1 else None

    def _marks(self, item_id: str) -> set[str]:
        """The words an item can be told by: its title's, brand's, attributes' and price."""
        f = self.get(item_id)
        if f is None:
            return set()
        said = " ".join([f.title, f.brand or "", *map(str, f.attributes.values())])
        marks = {m for m in MARK.findall(normalize(said)) if len(m) > 1}
        if f.price is not None:
            marks |= {f"{f.price:.2f}", f"{f.price:g}"}
        return marks

    def mentioned(self, text: str, candidates: int = 10) -> list[ProductFacts]:
        """The items whose title a message names, when close enough: among the titles most
        like the message (n-gram cosine), those sharing the longest exact stretch with it
        ("疾风休闲板鞋 Lite" names that shoe, not its "Pro" sibling). Several when the
        message fits several equally ("休闲板鞋 Lite" of two brands): ask, do not guess."""
        catalog = self._catalog
        if not catalog.items:
            return []
        named = self.named_ids(text)
        if named:
            return [_facts(catalog.items[catalog.position[i]]) for i in named]
        similarity = np.asarray((catalog.titles @ catalog.vectorizer.transform([text]).T
                                 ).todense()).ravel()
        close = [int(i) for i in np.argsort(-similarity)[:candidates]
                 if similarity[i] >= self.min_similarity]
        read = catalog.vectorizer.normalized  # as the n-grams read it: 藍牙 is 蓝牙
        said = read(text)
        titles = {n: read(catalog.items[n]["title"] or "") for n in close}

        def overlap(n: int) -> int:
            return SequenceMatcher(None, said, titles[n], autojunk=False).find_longest_match(
                0, len(said), 0, len(titles[n])).size
        stretches = {n: overlap(n) for n in close}
        longest = max(stretches.values(), default=0)
        tied = _variant_named(said, {n: titles[n] for n in close if stretches[n] == longest})
        return [_facts(catalog.items[n]) for n in tied]


def _with_titles(vectorizer: NgramVectorizer, titles: sparse.csr_matrix, size: int,
                 changed: dict[int, str]) -> tuple[NgramVectorizer, sparse.csr_matrix]:
    """A copy of the title n-grams grown by the n-grams of `changed` (row → its new title),
    and the title rows for `size` items with those rows in place."""
    grown = NgramVectorizer(vectorizer.config)
    grown.index, grown.idf = dict(vectorizer.index), vectorizer.idf.copy()
    grown.extend(list(changed.values()))
    width = len(grown.index)
    kept = sparse.csr_matrix((titles.data, titles.indices, titles.indptr),
                             shape=(titles.shape[0], width))
    kept.resize((size, width))  # the new items' rows start empty
    rows = np.fromiter(changed, np.int64, len(changed))
    keep = np.ones(size, np.float32)
    keep[rows] = 0
    place = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, np.arange(len(rows)))),
                              shape=(size, len(rows)))
    return grown, (sparse.diags(keep) @ kept + place @ grown.transform(changed.values())
                   ).tocsr()


@dataclass(frozen=True)
class _Products:
    """The catalog as the product tool reads it, swapped whole when items change."""

    items: list[dict]
    position: dict[str, int]
    by_lower: dict[str, str]  # ids long enough to be read out of messages, lower case
    vectorizer: NgramVectorizer
    titles: sparse.csr_matrix  # the titles' n-gram rows, a row per item


def _facts(row: dict) -> ProductFacts:
    # the shop's own item columns (库存, 颜色, 材质 …: `extra`) are facts of the item too
    return ProductFacts(row["item_id"], row["title"] or row["item_id"], row["price"],
                        row["brand"], row["category"],
                        without_tags(row["description"]) if row["description"] else None,
                        {**_customer_facing(json_object(row["extra"])),
                         **json_object(row["attributes"])})


# an export's bookkeeping columns, no fact a customer asks about (compared as
# `normalized_name`): a reply read "image: https://cdn…, handle: linen-shirt, published: true"
BOOKKEEPING = frozenset({
    "handle", "published", "publishedat", "barcode", "gtin", "ean", "upc", "grams",
    "weightunit", "variantweightunit", "giftcard", "image", "imagesrc", "imageurl",
    "variantimage", "imagealttext", "imageposition", "seotitle", "seodescription", "url",
    "link", "producturl", "tags", "createdat", "updatedat", "createtime", "updatetime",
    "图片", "主图", "图片链接", "商品链接", "链接", "条码", "条形码", "上架时间", "创建时间",
    "更新时间", "标签"})


def _customer_facing(extra: Mapping[str, object]) -> dict[str, object]:
    """An item's own columns less the export's bookkeeping and web addresses."""
    return {name: value for name, value in extra.items()
            if normalized_name(name) not in BOOKKEEPING
            and not str(value).lstrip().lower().startswith(("http://", "https://"))}


@dataclass(frozen=True)
class ReviewSummary:
    item_id: str
    reviews: int
    positive_share: float
    aspects: Mapping[str, float]  # aspect → shrunk positive share, for aspects mentioned

    def to_dict(self) -> dict:
        return {"item_id": self.item_id, "reviews": self.reviews,
                "positive_share": round(self.positive_share, 3),
                "aspects": {a: round(p, 3) for a, p in self.aspects.items()}}


class ReviewTool:
    """What reviewers say about an item, from `item_review_signals`."""

    def __init__(self, signals) -> None:
        self.signals = signals

    def summary(self, item_id: str) -> ReviewSummary | None:
        count = self.signals.reviews.get(item_id, 0)
        if not count:
            return None
        return ReviewSummary(item_id, count, self.signals.positive[item_id],
                             dict(self.signals.aspect_positive.get(item_id, {})))
