"""`SupportAssistant`: the first line of customer service. It reads what the customer
wants (intent), answers from the shop's own data through its tools — orders, policy,
products, reviews, the FAQ and past agent answers — and hands the conversation to a
person, with a summary, when it is not sure, when asked, or when the customer is upset.

A reply states only what a tool returned; where the data has no answer it says so.
Intents are routed to tools by `SupportConfig.routes` (the shop's own intent names) and,
for names it does not list, by words in the name (order, deliver, refund, return, product…).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.data.chinese_script import simplified, traditional
from shopformer.schema.records import text_number
from shopformer.tasks.rewrite import EndpointConfig, RewriteFailed, grounded_rewrite
from shopformer.tasks.search.analyze import CJK
from shopformer.tasks.stock import STOCK_NAME
from shopformer.tasks.support.answers import AnswerIndex, KnownAnswer
from shopformer.tasks.support.conversation import Conversation
from shopformer.tasks.support.intents import IntentClassifier, IntentGuess
from shopformer.tasks.support.small_talk import REPLIES, small_talk
from shopformer.tasks.support.tools import (
    OrderFacts,
    OrderTool,
    PolicyTool,
    ProductFacts,
    ProductTool,
    ReviewTool,
)
from shopformer.tasks.support.upset import ALL_INTENTS

log = logging.getLogger(__name__)

ROUTES = ("order", "policy", "product", "faq", "human")
ROUTE_WORDS = (  # (route, words in an intent's name), checked in this order
    ("human", ("human", "agent", "person", "manager", "complaint", "人工", "投诉")),
    ("policy", ("return", "refund", "policy", "warranty", "exchange", "退", "政策")),
    ("order", ("order", "deliver", "ship", "track", "parcel", "package", "address", "订单",
               "物流", "快递")),
    ("product", ("product", "item", "size", "stock", "spec", "商品", "尺码")),
)
# a past answer that only asks for the order number: no answer once the order is known
ASKS_FOR_ORDER = re.compile(r"(?:请|麻烦)?(?:提供|告诉|发)[^。？?]{0,6}订单号|订单号是多少|"
                            r"(?:share|send|provide|give|tell)[^.?]{0,30}\border (?:number|id)"
                            r"|which order", re.IGNORECASE)
WITH_DIGITS = re.compile(r"\w*\d\w*")  # ids and numbers: in no language
LINE_BREAK = re.compile(r"\n")
SENTENCE_BREAK = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")
SENTENCE_END = " .。!！"  # a description's own full stop, before the reply adds one
CHOICES_SHOWN = 4  # items listed when a message fits several
# a catalog column holding how many are in stock (said first, with in / out of stock)
NONE_OF_THEM = re.compile(r"都不是|都不对|不是这|没有我要|neither|none of (?:them|these|those)|"
                          r"not (?:any|one) of|not th(?:ese|ose)", re.IGNORECASE)
DETAIL_WORDS = 4  # a message naming an order with at most this many other words adds a detail
# words around an order number that only give it (an intent model reads "It's" as anything)
DETAIL_FILLER = re.compile(r"\b(?:it'?s|its|it|is|this|that|the|a|my|here|number|order|no|"
                           r"id|ok|okay|sure|yes|yeah|please|thanks|thank you|sorry|one)\b|"
                           r"订单号|单号|订单|我的|这个|那个|就是|好的|是|的|号|嗯|哦|了|麻烦|"
                           r"谢谢|给你|在这", re.IGNORECASE)
ASK_FOR_HUMAN = re.compile(r"人工|真人|转接|客服经理|投诉|human|real person|representative|"
                           r"speak to (?:an? )?(?:agent|person|someone)|manager", re.IGNORECASE)


@dataclass(frozen=True)
class SupportConfig:
    intent_threshold: float = 0.5  # act on an intent only this sure (calibrated)
    answer_threshold: float = 0.6  # FAQ / past answers: matcher confidence to answer with
    similarity_threshold: float = 0.5  # the same without a matcher (cosine, uncalibrated)
    policy_threshold: float = 0.15  # policy section cosine to quote it
    # P(positive) of a message below which a person takes over, when it is also below the
    # floor of its intent's past messages (`upset.negative_floors`) where the shop has them
    upset_threshold: float = 0.05
    routes: Mapping[str, str] = field(default_factory=dict)  # intent → one of ROUTES
    # an OpenAI-compatible endpoint that may reword answers (off unless a URL is set); a
    # rewording that states a number, id or date the tools did not return is refused
    rewrite: EndpointConfig = field(default_factory=EndpointConfig)

    def __post_init__(self) -> None:
        bad = {i: r for i, r in self.routes.items() if r not in ROUTES}
        if bad:
            raise ConfigError(f"support routes {bad}: a route is one of {', '.join(ROUTES)}")
        for name in ("intent_threshold", "answer_threshold", "similarity_threshold",
                     "policy_threshold", "upset_threshold"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"support: {name} must be in [0, 1]")


@dataclass(frozen=True)
class Handoff:
    # "asked" (for a person), "routed" (the intent goes to a person), "upset", "unsure",
    # "no_answer", "needs_sign_in"
    reason: str
    summary: dict  # intent, order, item, what was tried, turns — for the person taking over

    def to_dict(self) -> dict:
        return {"reason": self.reason, "summary": self.summary}


@dataclass(frozen=True)
class SupportReply:
    text: str
    intent: str | None
    confidence: float
    grounds: tuple[str, ...]  # tools and answers the text stands on
    handoff: Handoff | None = None
    facts: dict = field(default_factory=dict)  # what the tools returned, as data

    def to_dict(self) -> dict:
        return {"text": self.text, "intent": self.intent,
                "confidence": round(self.confidence, 4), "grounds": list(self.grounds),
                "handoff": None if self.handoff is None else self.handoff.to_dict(),
                "facts": self.facts}


class SupportAssistant:
    def __init__(self, intents: IntentClassifier, *, orders: OrderTool | None = None,
                 policy: PolicyTool | None = None, products: ProductTool | None = None,
                 reviews: ReviewTool | None = None, answers: AnswerIndex | None = None,
                 sentiment=None, negative_floors: Mapping[str, float] | None = None,
                 config: SupportConfig | None = None) -> None:
        self.intents = intents
        self._past_intents: dict[str, str] = {}  # past customer messages → intent read
        # per intent, how negative its messages usually read (`upset.negative_floors`)
        self.negative_floors = dict(negative_floors or {})
        self.orders, self.policy, self.products = orders, policy, products
        self.reviews, self.answers, self.sentiment = reviews, answers, sentiment
        self.config = config or SupportConfig()
        # FAQ entries that answer an intent (`shopformer support add-intent --answer`)
        self.intent_answers = {k.intent: k for k in (answers.known if answers else ())
                               if k.intent}
        unknown = [i for i in self.config.routes if i not in intents.intents_]
        if unknown:
            raise ConfigError(f"support routes name intents the model does not know: "
                              f"{unknown}; known: {intents.intents_}")

    def route(self, intent: str) -> str:
        if intent in self.config.routes:
            return self.config.routes[intent]
        name = intent.lower()
        for route, words in ROUTE_WORDS:
            if any(word in name for word in words):
                return route
        return "faq"

    def reply(self, conversation: Conversation, text: str, *, item_id: str | None = None,
              order_id: str | None = None) -> SupportReply:
        """Answer one customer message and update the conversation. `item_id` / `order_id`:
        the page the customer writes from (a product page, an order page), as a shop's chat
        widget passes it: what a message naming no item or order is about ("现在有货吗？"
        on a product page; "运动饮料 Pro" fits four brands' drinks, but not on that page).
        A message in Traditional characters ("我的訂單到哪了？") is answered in them."""
        if not isinstance(text, str) or not text.strip():
            raise ConfigError("support: the message must be non-empty text")
        out = self._reply(conversation, text, item_id, order_id)
        if simplified(text) != text:
            said = traditional(out.text)
            last = conversation.log[-1] if conversation.log else None
            if last is not None and last.role == "bot" and last.text == out.text:
                last.text = said
            out = replace(out, text=said)
        return out

    def _reply(self, conversation: Conversation, text: str, item_id: str | None,
               order_id: str | None) -> SupportReply:
        self._on_page(conversation, item_id, order_id)
        plain = simplified(text)  # the built-in word lists are in Simplified characters
        zh = bool(CJK.search(text))
        if not zh and not re.search("[a-z]{3}", WITH_DIGITS.sub(" ", text), re.IGNORECASE):
            # "O0000001", "SKU00231", "ok": in the language the customer wrote in before
            earlier = [t.text for t in conversation.log if t.role == "customer"]
            zh = bool(earlier) and bool(CJK.search(earlier[-1]))
        kind = small_talk(plain)
        if kind is not None and not conversation.handed_off:
            return self._small_talk(conversation, text, kind, zh)
        guess = self.intents.predict([text], alternatives=1)[0]
        conversation.record("customer", text, intent=guess.intent, confidence=guess.confidence)
        if conversation.handed_off:  # a person has taken over: the assistant stays out
            return self._waiting(conversation, guess, zh)
        rest = self._carry_over(conversation, text)
        if rest is not None and conversation.intent is None and self._gives_only(rest):
            # a chat opening with nothing but an order number ("O0001794" read as a
            # complaint, 0.62, and went to a person): a question about that order
            order_intent = self._order_intent()
            if order_intent is not None:
                guess = IntentGuess(order_intent, 1.0, ())
        details_only = rest is not None and len(self._words(rest)) <= DETAIL_WORDS
        if details_only and conversation.intent:
            details_only = not self._asks_anew(conversation, rest)
        # a message naming an order is about that order, however it is put
        confident = self._sure(guess) or (
            rest is not None and guess.confidence >= self.config.intent_threshold)
        if details_only and conversation.intent:
            # "O0000014", "order number is O0000014", "SKU00231": continues the question
            # asked before, and the reply is that question's ("O0000014" alone reads as
            # anything)
            intent = conversation.intent
            guess = IntentGuess(intent, conversation.intent_confidence or 0.0, ())
            confident = True
        elif confident:
            intent = conversation.intent = guess.intent
            conversation.intent_confidence = guess.confidence
            conversation.question = text
        else:
            intent = None
        route = self.route(intent) if intent else None
        if intent in self.intent_answers and route != "human":
            route = "faq"  # the shop wrote this intent's answer
        if ASK_FOR_HUMAN.search(plain):
            return self._handoff(conversation, "asked", guess, zh)
        if route == "human":  # the shop sends this intent to a person (complaints)
            return self._handoff(conversation, "routed", guess, zh)
        if self.sentiment is not None and not details_only and self._upset(text, intent):
            return self._handoff(conversation, "upset", guess, zh)
        handlers = {"order": self._order, "policy": self._policy, "product": self._product,
                    "faq": self._faq, "policy_only": self._policy_only}
        # unsure what is asked: only the policy file or a known answer may still answer it
        tried = [route, "faq"] if route and route != "faq" else [route or "policy_only", "faq"]
        out = None
        for name in dict.fromkeys(tried):
            out = handlers[name](conversation, text, guess, zh)
            if out is not None:
                break
        if out is None and route in ("product", "faq"):
            out = self._policy_named(text, guess, zh)
        if out is None:
            return self._handoff(conversation, "unsure" if not confident else "no_answer",
                                 guess, zh)
        if out.handoff is not None:
            return out
        if self.config.rewrite.endpoint:
            out = self._reworded(out, text)
        conversation.tried.extend(out.grounds)
        conversation.record("bot", out.text, grounds=out.grounds)
        return out

    def _reworded(self, out: SupportReply, text: str) -> SupportReply:
        """The endpoint's rewording of a grounded answer, or the answer as it was (with a
        note in its facts) when the endpoint fails or adds a fact."""
        facts = json.dumps(out.facts, ensure_ascii=False, default=str)
        try:
            reworded = grounded_rewrite(
                self.config.rewrite, "You are a shop's customer-service assistant. Reword "
                "the draft reply so it reads naturally, in the customer's language. State "
                "only what the draft and the tool results say: add no number, date, order, "
                "price or promise.", out.text, [facts, text],
                context=f"Customer: {text}\nTool results: {facts}")
        except RewriteFailed as error:
            log.warning("support rewrite refused or failed (%s); the grounded answer stands",
                        error)
            return replace(out, facts={**out.facts, "rewrite": f"not used: {error}"})
        return replace(out, text=reworded, grounds=(*out.grounds, "rewrite"))

    def _upset(self, text: str, intent: str | None) -> bool:
        """Strongly negative, and more negative than the shop's past messages of the same
        intent (of any, when unsure) usually are: reviews taught the sentiment model that
        a quality problem is as negative as text gets, and returns are about them."""
        p = float(self.sentiment.probability([text])[0])
        floor = self.negative_floors.get(intent or ALL_INTENTS,
                                         self.negative_floors.get(ALL_INTENTS, 1.0))
        return p < min(self.config.upset_threshold, floor)

    # ---- state ------------------------------------------------------------------------
    def _on_page(self, conversation: Conversation, item_id: str | None,
                 order_id: str | None) -> None:
        for name, value in (("item_id", item_id), ("order_id", order_id)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InputError("must be a non-empty id", Location(field=name))
        if item_id is not None:
            if self.products is None or self.products.get(item_id) is None:
                raise InputError(f"item {item_id!r} is not in the catalog",
                                 Location(field="item_id"))
            conversation.item_id, conversation.item_choices = item_id, []
        if order_id is not None:  # whose it is, the order tool checks when it is asked
            conversation.order_id = order_id.strip()

    def _carry_over(self, conversation: Conversation, text: str) -> str | None:
        """Note the order or item a message names; the message without the order number
        (None when it names none): a few words around one may only give it."""
        rest = None
        if self.orders is not None:
            order = self.orders.mentioned(text)
            if order:
                conversation.order_id = order
                rest = re.sub(re.escape(order), " ", text, flags=re.IGNORECASE)
        if self.products is None:
            return rest
        if conversation.item_id is None and conversation.item_choices:
            # the answer to "which one do you mean?": "SKU00231", "第二个", "the 2.0m one"
            picked = self.products.chosen(text, conversation.item_choices, CHOICES_SHOWN)
            if picked is None and NONE_OF_THEM.search(simplified(text)):
                # "都不是" answers the question asked (it read as a delivery question):
                # the product question goes on without an item, so to a person
                conversation.item_choices = []
                return ""
            if picked is not None:
                conversation.item_id, conversation.item_choices = picked, []
                without_ids = text
                for item in self.products.named_ids(text):
                    without_ids = re.sub(re.escape(item), " ", without_ids, flags=re.IGNORECASE)
                # a short pick only answers the question asked: nothing is asked anew
                return "" if len(self._words(without_ids)) <= DETAIL_WORDS else without_ids
        # several items fitting equally are asked about, never guessed between
        items = [f.item_id for f in self.products.mentioned(text)]
        if len(items) == 1:
            conversation.item_id, conversation.item_choices = items[0], []
        elif items and conversation.item_id not in items:
            # (one of them the item already discussed, or the page's: that one goes on)
            conversation.item_id, conversation.item_choices = None, items
        return rest

    def _asks_anew(self, conversation: Conversation, rest: str) -> bool:
        """Whether the few words around an order number (`rest`: the message without it)
        ask something else: "订单O0000001怎么退货" after a status question is a return
        question, not the order asked for ("O0000001" alone read as a complaint)."""
        if self._gives_only(rest):
            return False  # "It's O0001895", "订单号是O0001895": the number, nothing asked
        guess = self.intents.predict([rest], alternatives=1)[0]
        # likely enough alone: beside an order number, a question is about that order
        return (guess.confidence >= self.config.intent_threshold
                and guess.intent != conversation.intent)

    def _sure(self, guess: IntentGuess) -> bool:
        """Sure enough of an intent to act on it: likely enough, and asked as the shop's
        messages of that intent are (a question they never asked is read as some intent
        all the same: `typicality.py`)."""
        return guess.confidence >= self.config.intent_threshold and guess.typical

    def _gives_only(self, rest: str) -> bool:
        """Whether the words around an order number only give it ("It's", "订单号是"; an
        intent model reads "It's" as anything)."""
        return not self._words(rest) or \
            not re.search(r"\w", DETAIL_FILLER.sub(" ", simplified(rest)))

    def _order_intent(self) -> str | None:
        """The shop's intent for "what about my order?": of those routed to the order
        tool, the one whose name says status, else the first."""
        routed = [i for i in self.intents.intents_ if self.route(i) == "order"]
        return next((i for i in routed if "status" in i.lower() or "状态" in i),
                    routed[0] if routed else None)

    def _words(self, text: str) -> list[str]:
        return [w for w in self.intents.vectorizer.word_grams(text) if " " not in w.strip()]

    # ---- routes -----------------------------------------------------------------------
    def _order(self, conversation, text, guess, zh) -> SupportReply | None:
        if self.orders is None:
            return None
        if conversation.person_id is None:
            return self._handoff(conversation, "needs_sign_in", guess, zh)
        if conversation.order_id is None:
            recent = self.orders.orders_of(conversation.person_id)[:3]
            if len(recent) == 1:
                conversation.order_id = recent[0]
            else:
                return self._ask_order(conversation, recent, guess, zh)
        found = self.orders.lookup(conversation.order_id, conversation.person_id)
        if found.facts is None:
            bad = conversation.order_id
            conversation.order_id = None
            return self._ask_order(conversation, self.orders.orders_of(
                conversation.person_id)[:3], guess, zh, wrong=bad)
        return SupportReply(_order_text(found.facts, zh), guess.intent, guess.confidence,
                            (f"order:{found.order_id}",),
                            facts={"order": found.facts.to_dict()})

    def _ask_order(self, conversation, recent, guess, zh, wrong: str | None = None
                   ) -> SupportReply:
        if zh:
            listed = f"，您最近的订单有：{'、'.join(recent)}" if recent else ""
            text = (f"没有找到您账户下的订单 {wrong}。" if wrong else "") + \
                f"请告诉我订单号{listed}。"
        else:
            text = (f"I could not find order {wrong} on your account. " if wrong else "") + \
                "Which order is it? Please send the order number" + \
                (f"; your recent orders are {', '.join(recent)}" if recent else "") + "."
        return SupportReply(text, guess.intent, guess.confidence, ("order:ask",))

    def _policy_named(self, text, guess, zh) -> SupportReply | None:
        """Last, before a hand-off: the policy section whose heading the question names
        ("保修多久？" read as a product question, with no product named)."""
        section = self.policy.named(text) if self.policy is not None else None
        if section is None:
            return None
        return SupportReply(_in_language(section.answer, zh), guess.intent, guess.confidence,
                            (section.source,), facts={"policy": _quoted(section)})

    def _policy_only(self, conversation, text, guess, zh) -> SupportReply | None:
        """Unsure what is asked: the policy section the message names, never the closest
        one ("do you have this in red?" is nearest to the returns section)."""
        return self._policy_named(text, guess, zh)

    def _policy(self, conversation, text, guess, zh) -> SupportReply | None:
        """The policy section that answers, after the facts of the order under discussion
        (a refund question about a known order gets both)."""
        question = conversation.question or text
        # the section the customer's words name ("多久能到" read as a refund question is a
        # shipping one), else the closest to the question and the intent's name
        # ("return_request"), which says which section answers it
        section = self.policy.named(question) if self.policy is not None else None
        if section is None and self.policy is not None:
            asked = f"{question} {conversation.intent.replace('_', ' ')}" \
                if conversation.intent else text
            match = self.policy.lookup(asked)
            if match is not None and match.confidence >= self.config.policy_threshold:
                section = match.known
        order = None
        if self.orders is not None and conversation.order_id and \
                conversation.person_id:
            order = self.orders.lookup(conversation.order_id, conversation.person_id).facts
        if section is None and order is None:
            return None
        texts, grounds, facts = [], [], {}
        if order is not None:
            texts.append(_order_text(order, zh))
            grounds.append(f"order:{order.order_id}")
            facts["order"] = order.to_dict()
        if section is not None:
            texts.append(_in_language(section.answer, zh))
            grounds.append(section.source)
            facts["policy"] = _quoted(section)
        return SupportReply("\n".join(texts), guess.intent, guess.confidence, tuple(grounds),
                            facts=facts)

    def _product(self, conversation, text, guess, zh) -> SupportReply | None:
        if self.products is None:
            return None
        if conversation.item_id is None and conversation.item_choices:
            shown = conversation.item_choices[:CHOICES_SHOWN]
            names = self.products.choice_labels(shown)
            ask = ("您问的是哪一款：" + "；".join(names) + "？") if zh else \
                ("Which one do you mean: " + "; ".join(names) + "?")
            return SupportReply(ask, guess.intent, guess.confidence, ("product:ask",),
                                facts={"choices": shown})
        if conversation.item_id is None:
            return None
        facts = self.products.get(conversation.item_id)
        if facts is None:
            return None
        summary = self.reviews.summary(facts.item_id) if self.reviews is not None else None
        reply = _product_text(facts, summary, zh)
        grounds = (f"product:{facts.item_id}",) + ((f"reviews:{facts.item_id}",)
                                                    if summary else ())
        found = {"product": facts.to_dict(), "reviews": summary.to_dict() if summary else None}
        # "how long is the warranty on the Foldable Phone Max?": the catalog's facts say
        # nothing of warranties; the policy section the question names does
        section = self.policy.named(conversation.question or text) \
            if self.policy is not None else None
        if section is not None:
            reply += "\n" + _in_language(section.answer, zh)
            grounds += (section.source,)
            found["policy"] = _quoted(section)
        return SupportReply(reply, guess.intent, guess.confidence, grounds, facts=found)

    def _faq(self, conversation, text, guess, zh) -> SupportReply | None:
        if self.answers is None:
            return None
        own = self.intent_answers.get(guess.intent)
        if own is not None and self._sure(guess):
            return SupportReply(_in_language(own.answer, zh), guess.intent, guess.confidence,
                                (f"faq:{own.intent}",), facts={"answer": {
                                    "question": own.question, "answer": own.answer,
                                    "source": own.source, "intent": own.intent}})
        # the shop's own FAQ answers anything it matches. A past agent answer was given to
        # another customer's message: it answers only a message of the same intent, read
        # with confidence ("we have logged your complaint, a specialist will call you" is
        # the nearest answer to an unsure complaint, and promises what no one will do).
        confident = self._sure(guess)
        found = [f for f in self.answers.find(text, k=10)
                 if f.known.source == "faq"
                 or (confident and self._asked_as(f.known.question) == guess.intent)]
        if conversation.order_id:  # "could you share your order number?" when it was given
            found = [f for f in found if not ASKS_FOR_ORDER.search(f.known.answer)]
        if not found:
            return None
        best = found[0]
        needed = self.config.answer_threshold if best.calibrated \
            else self.config.similarity_threshold
        if best.confidence < needed:
            return None
        return SupportReply(_in_language(best.known.answer, zh), guess.intent, best.confidence,
                            (best.known.source,), facts={"answer": best.to_dict()})

    def _asked_as(self, question: str) -> str:
        """The intent a past customer message reads as (kept: asked again and again)."""
        if question not in self._past_intents:
            self._past_intents[question] = self.intents.predict([question])[0].intent
        return self._past_intents[question]

    def _small_talk(self, conversation, text, kind, zh) -> SupportReply:
        """Hello, thanks or goodbye in kind; "ok" or "88" answered in the language the
        customer wrote in before."""
        conversation.record("customer", text)
        reply = REPLIES[(kind, zh)]
        conversation.record("bot", reply, grounds=(f"small_talk:{kind}",))
        return SupportReply(reply, None, 1.0, (f"small_talk:{kind}",))

    def _waiting(self, conversation, guess, zh) -> SupportReply:
        text = "同事马上就来，请稍候。" if zh else "A colleague will be with you shortly."
        conversation.record("bot", text, grounds=("handoff",))
        return SupportReply(text, guess.intent, guess.confidence, ("handoff",),
                            Handoff("handed_off", {"customer_turns":
                                                   conversation.customer_turns()}))

    def _handoff(self, conversation, reason, guess, zh) -> SupportReply:
        conversation.handed_off = True
        summary = {"intent": conversation.intent or guess.intent,
                   "confidence": round(guess.confidence, 4), "order_id": conversation.order_id,
                   "item_id": conversation.item_id, "tried": list(conversation.tried),
                   "customer_turns": conversation.customer_turns(),
                   "last_message": conversation.log[-1].text if conversation.log else ""}
        if reason == "needs_sign_in":
            text = "请先登录账户，我们才能查询订单信息；也可以转人工客服为您核实身份。" if zh else \
                "Please sign in so I can look up your orders; a colleague can also verify " \
                "your identity — I am passing you to them."
        else:
            text = "正在为您转接人工客服，已把您的问题摘要交给同事，请稍候。" if zh else \
                "I'm passing you to a colleague, with a summary of your question; " \
                "please hold on."
        conversation.record("bot", text, grounds=("handoff",))
        return SupportReply(text, guess.intent, guess.confidence, ("handoff",),
                            Handoff(reason, summary))


def _quoted(section: KnownAnswer) -> dict:
    """A policy section as a reply's facts say it was quoted."""
    return {"section": section.question, "text": section.answer}


def _in_language(text: str, zh: bool) -> str:
    """The sentences of a bilingual text in the customer's language (one with Chinese in it
    is Chinese), rejoined as running text; the whole text when none is. A policy section
    with a line per language, a description ("眠蚕丝被，四季通用。SleepWell Silk-Filled
    Duvet: all-season.") and lines that each hold both ("Orders ship in 48 hours. 订单48小时
    内发货。": the whole line went to either chat) are read alike."""
    kept = [p.strip() for line in LINE_BREAK.split(text) for p in SENTENCE_BREAK.split(line)
            if p.strip() and bool(CJK.search(p)) == zh]
    return ("" if zh else " ").join(kept) if kept else text


def _order_text(facts: OrderFacts, zh: bool) -> str:
    placed = facts.placed.strftime("%Y-%m-%d %H:%M")
    status = dict(facts.status)
    if zh:
        parts = [f"订单 {facts.order_id} 于 {placed} 下单（{facts.channel}），"
                 f"金额 {facts.amount:.2f}"]
        parts += [f"状态：{status.pop('status')}"] if "status" in status else []
        parts += [f"{_field_zh(k)}：{v}" for k, v in status.items()]
        if facts.refunds:
            parts.append(f"已于 {facts.refunds[-1]:%Y-%m-%d} 退款")
        elif facts.returns:
            parts.append(f"已于 {facts.returns[-1]:%Y-%m-%d} 申请退货")
        if not facts.status:
            parts.append("店铺的数据里还没有这笔订单的物流状态")
        return "，".join(parts) + "。"
    parts = [f"Order {facts.order_id} was placed on {placed} ({facts.channel}), "
             f"{facts.amount:.2f} paid"]
    parts += [f"status: {status.pop('status')}"] if "status" in status else []
    parts += [f"{k.replace('_', ' ')}: {v}" for k, v in status.items()]
    if facts.refunds:
        parts.append(f"refunded on {facts.refunds[-1]:%Y-%m-%d}")
    elif facts.returns:
        parts.append(f"a return was recorded on {facts.returns[-1]:%Y-%m-%d}")
    if not facts.status:
        parts.append("the shop's records hold no shipping status for it yet")
    return "; ".join(parts) + "."


def _stock_text(name: str, value: object, zh: bool) -> str:
    """A catalog's stock column said plainly: "库存: 0（缺货）", "stock: 12 (in stock)"."""
    count = text_number(str(value))
    if count is None:
        return f"{name}: {value}"
    if zh:
        return f"{name}: {value}（{'有货' if count > 0 else '缺货'}）"
    return f"{name}: {value} ({'in stock' if count > 0 else 'out of stock'})"


def _field_zh(name: str) -> str:
    return {"shipped_at": "发货时间", "delivered_at": "签收时间", "carrier": "快递公司",
            "tracking": "运单号", "expected_delivery": "预计送达", "refund_status": "退款状态",
            "payment_status": "支付状态", "cancelled_at": "取消时间"}.get(name, name)


def _product_text(facts: ProductFacts, summary, zh: bool) -> str:
    stock = [k for k in facts.attributes if STOCK_NAME.fullmatch(k.strip())]
    attributes = ("，" if zh else ", ").join(
        [_stock_text(k, facts.attributes[k], zh) for k in stock] +
        [f"{k}: {v}" for k, v in facts.attributes.items() if k not in stock])
    if zh:
        parts = [facts.title]
        parts += [f"价格 {facts.price:.2f}"] if facts.price is not None else []
        parts += [f"品牌 {facts.brand}"] if facts.brand else []
        parts += [f"规格 {attributes}"] if attributes else []
        if facts.description:
            parts.append(_in_language(facts.description, zh).rstrip(SENTENCE_END))
        if summary:
            parts.append(f"{summary.reviews} 条评价，好评率 {summary.positive_share:.0%}")
        return "；".join(parts) + "。"
    parts = [facts.title]
    parts += [f"price {facts.price:.2f}"] if facts.price is not None else []
    parts += [f"brand {facts.brand}"] if facts.brand else []
    parts += [attributes] if attributes else []
    if facts.description:
        parts.append(_in_language(facts.description, zh).rstrip(SENTENCE_END))
    if summary:
        parts.append(f"{summary.reviews} review{'s' if summary.reviews != 1 else ''}, "
                     f"{summary.positive_share:.0%} positive")
    return "; ".join(parts) + "."
