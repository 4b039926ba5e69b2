"""Suggested replies to a review, grounded in what the review says and in how the shop's
own agents have answered similar complaints.

Two kinds of suggestion, each with the grounds it stands on:
- **template**: one sentence per aspect the review names (an apology and a concrete
  next step for a complaint, thanks for praise), in the review's language;
- **retrieved** (for a complaint): the agent answers that followed the customer messages
  most like the review's negative clauses in the shop's support log (cosine of character
  and word n-grams). Left out: answers that name one customer's order, date or number, or
  repeat the product the customer named (the review may be about another: "The Cotton
  Duvet Cover Set has a one-year warranty" was offered for a broken zipper), and answers
  to messages about aspects the complaint does not name.
An OpenAI-compatible endpoint may rewrite the template reply (`ReplyConfig.rewrite`; in a
workspace, shop.toml's `[rewrite]` table); it is off by default, and when it fails the
template reply stands, with a note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from shopformer.core.errors import ConfigError
from shopformer.data.chinese_script import simplified, traditional
from shopformer.tasks.past_answers import PastAnswer, is_specific, repeats_the_customer
from shopformer.tasks.reviews.analysis import ReviewAnalyzer, ReviewOpinion
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer
from shopformer.tasks.rewrite import EndpointConfig, RewriteFailed, grounded_rewrite
from shopformer.tasks.search.analyze import CJK

log = logging.getLogger(__name__)

PRAISE_FLOOR = 0.7  # P(positive) of an aspect's clauses from which a reply thanks for it
# aspect → (zh complaint, zh praise, en complaint, en praise)
ASPECT_REPLIES: dict[str, tuple[str, str, str, str]] = {
    "quality": ("商品质量问题让您失望了，非常抱歉，我们可以为您免费退换，也会把问题反馈给质检。",
                "很高兴您认可商品的质量。",
                "We're sorry the quality let you down; we'll replace or refund it at no cost "
                "and pass the fault to our quality team.",
                "We're glad the quality lived up to your expectations."),
    "price": ("关于价格的顾虑我们已记下，之后有活动会第一时间通知您。",
              "感谢您认可我们的性价比。",
              "We hear you on the price; we'll let you know first when it goes on offer.",
              "Thank you for appreciating the value."),
    "logistics": ("很抱歉这次配送让您久等了，我们已联系快递核实原因，后续订单会优先为您安排。",
                  "很高兴包裹及时送到了您手中。",
                  "Sorry your parcel took so long; we've raised it with the courier and will "
                  "prioritise your next order.",
                  "Glad your parcel reached you quickly."),
    "service": ("客服没有让您满意，我们深表歉意，已将您的反馈转给客服主管跟进。",
                "感谢您对我们客服的肯定。",
                "We apologise for the service you received; your feedback has gone to our "
                "support lead.", "Thank you for the kind words about our team."),
    "packaging": ("包装出了问题，非常抱歉，我们会改进包装，如商品受损请联系我们补发。",
                  "很高兴包装让您满意。",
                  "Sorry about the packaging; we're improving it, and if anything was damaged "
                  "we'll send a replacement.", "Glad the packaging kept it safe."),
    "size": ("尺码不合适给您添麻烦了，我们支持免费换码，详情请联系客服。",
             "很高兴尺码合适。",
             "Sorry the size wasn't right; exchanges for another size are free.",
             "Glad the fit is right."),
    "taste": ("口感没有达到您的期待，非常抱歉，我们会检查这批货的新鲜度。",
              "很高兴您喜欢这个味道。",
              "Sorry it didn't taste as it should; we're checking the freshness of this batch.",
              "We're happy you enjoyed the taste."),
    "performance": ("使用中遇到的问题我们很重视，请联系客服，我们会协助排查或为您换新。",
                    "很高兴产品用起来顺手。",
                    "We take the problem you ran into seriously; contact us and we'll help "
                    "troubleshoot or replace it.", "Glad it performs well for you."),
}
OPENING = {("zh", True): "感谢您的评价！", ("zh", False): "感谢您的反馈。",
           ("en", True): "Thank you for your review!",
           ("en", False): "Thank you for your feedback."}
CLOSING = {("zh", True): "期待您再次光临。", ("zh", False): "如有任何问题，欢迎随时联系我们。",
           ("en", True): "We hope to see you again soon.",
           ("en", False): "If there is anything else, please contact us any time."}
GENERAL_COMPLAINT = ("给您带来不好的体验，非常抱歉，我们会认真改进。",
                     "We're sorry for the poor experience and will work to improve.")


@dataclass(frozen=True)
class ReplyConfig:
    retrieved: int = 2  # past agent answers to suggest besides the template reply
    min_similarity: float = 0.2  # below this a past conversation is not a match
    # an OpenAI-compatible endpoint that may polish the template reply (off unless a URL
    # is set); a workspace takes it from shop.toml's [rewrite] table
    rewrite: EndpointConfig = field(default_factory=EndpointConfig)

    def __post_init__(self) -> None:
        if self.retrieved < 0 or not 0 <= self.min_similarity <= 1:
            raise ConfigError("replies: retrieved must be >= 0, min_similarity in [0, 1]")


@dataclass
class SuggestedReply:
    text: str
    kind: str  # "template", "retrieved" or "rewritten"
    grounds: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class ReplySuggester:
    def __init__(self, analyzer: ReviewAnalyzer, past: Sequence[PastAnswer] = (),
                 config: ReplyConfig | None = None) -> None:
        self.analyzer = analyzer
        self.config = config or ReplyConfig()
        # an answer naming one customer's order or date would tell a stranger about it; one
        # about one product would be wrong about the reviewed one
        self.past = [p for p in past if not is_specific(p.agent)
                     and not repeats_the_customer(p)]
        self._vectorizer: NgramVectorizer | None = None
        if self.past:
            self._vectorizer = NgramVectorizer(NgramConfig(1, 2, 1, 1, 200_000)).fit(
                [p.customer for p in self.past])
            self._customers = self._vectorizer.transform([p.customer for p in self.past])
            # the aspects each past customer message is about (none: a general complaint)
            self._topics = [set(analyzer.lexicon.aspects_of(p.customer)) for p in self.past]
            self._agent_zh = np.array([bool(CJK.search(p.agent)) for p in self.past])

    def suggest(self, review: str, category: str | None = None
                ) -> tuple[ReviewOpinion, list[SuggestedReply]]:
        """`category`: the reviewed item's, read by a sentiment model trained with them."""
        if not isinstance(review, str) or not review.strip():
            raise ConfigError("replies: the review text is empty")
        if not re.search(r"\w", review):  # "？？？" read as praise (0.79), and was thanked
            raise ConfigError("replies: the review holds no words to read")
        opinion = self.analyzer.analyze([review], domains=[category])[0]
        language = "zh" if CJK.search(review) else "en"
        template = self._template(opinion, language)
        out = [template]
        if self.config.rewrite.endpoint:  # the rewrite first, the grounded draft beside it
            rewritten = self._rewritten(review, template)
            out = [rewritten, template] if rewritten.kind == "rewritten" else [rewritten]
        out.extend(self._retrieved(opinion, language))
        if simplified(review) != review:  # a review in Traditional characters: so the reply
            out = [replace(r, text=traditional(r.text)) for r in out]
        return opinion, out

    def _template(self, opinion: ReviewOpinion, language: str) -> SuggestedReply:
        positive = opinion.polarity == "positive"
        column = 0 if language == "zh" else 2
        parts = [OPENING[(language, positive)]]
        aspects = opinion.aspects()
        said = [a for a, p in aspects.items() if p < 0.5 and a in ASPECT_REPLIES]
        # praise only what the review clearly praises: "耳机用了两周就充不进电了" read 0.51
        # and was thanked for ("很高兴产品用起来顺手")
        said += [a for a, p in aspects.items() if p >= PRAISE_FLOOR and a in ASPECT_REPLIES]
        for aspect in said:
            parts.append(ASPECT_REPLIES[aspect][column + (aspects[aspect] >= 0.5)])
        if not positive and not any(aspects[a] < 0.5 for a in said):
            parts.append(GENERAL_COMPLAINT[column // 2])
        parts.append(CLOSING[(language, positive)])
        text = ("" if language == "zh" else " ").join(parts)
        return SuggestedReply(text, "template", {
            "polarity": opinion.polarity, "language": language,
            "aspects": {a: "positive" if aspects[a] >= 0.5 else "negative" for a in said}})

    def _retrieved(self, opinion: ReviewOpinion, language: str) -> list[SuggestedReply]:
        complaint = [c.text for c in opinion.clauses if c.probability < 0.5]
        if self._vectorizer is None or not self.config.retrieved or not complaint:
            return []  # praise needs no support answer
        query = self._vectorizer.transform([" ".join(complaint)])
        similarity = np.asarray((self._customers @ query.T).todense()).ravel()
        same_language = self._agent_zh == (language == "zh")
        # an answer to a message about other aspects answers another complaint: "我买的东西
        # 什么时候发货" shares words with "包装破了，里面的东西也坏了", not its topic
        said = {a for c in opinion.clauses if c.probability < 0.5 for a in c.aspects}
        on_topic = np.array([not said or not topics or bool(topics & said)
                             for topics in self._topics])
        similarity = np.where(same_language & on_topic, similarity, 0.0)
        out, seen = [], set()
        for row in np.argsort(-similarity, kind="stable"):
            if similarity[row] < self.config.min_similarity or len(out) == self.config.retrieved:
                break
            answer = self.past[row]
            if answer.agent in seen:
                continue
            seen.add(answer.agent)
            out.append(SuggestedReply(answer.agent, "retrieved", {
                "conversation_id": answer.conversation_id, "customer_said": answer.customer,
                "similarity": round(float(similarity[row]), 3)}))
        return out

    def _rewritten(self, review: str, template: SuggestedReply) -> SuggestedReply:
        """Ask the configured endpoint to polish the template reply; on failure keep it."""
        try:
            text = grounded_rewrite(
                self.config.rewrite, "You write short, polite replies from a shop to a customer's "
                "review. Keep every fact and promise of the draft; add none; answer in the "
                "review's language.", template.text, [review], context=f"Review: {review}")
            return SuggestedReply(text, "rewritten", {
                **template.grounds, "endpoint": self.config.rewrite.endpoint})
        except RewriteFailed as error:
            log.warning("reply rewrite refused or failed (%s); the template reply stands",
                        error)
            return SuggestedReply(template.text, "template", {
                **template.grounds, "note": f"rewrite endpoint failed: {error}"})
