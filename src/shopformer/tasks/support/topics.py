"""What customers ask a shop's policy about, as a small bilingual seed lexicon. A policy
section is named by its heading's own words and by the words of the topics its heading
names: "你们发什么快递？" names "Shipping 发货与配送" though no heading word is in it, and "can
I get my money back?" names "Refunds 退款". General shop vocabulary, not one shop's phrases;
a heading no topic fits is named by its own words only.

Chinese terms are found as they are written in a message (jieba cuts "退货运费" into 退 /
货运 / 运费); Latin terms, and phrases of them, through the search analyzer's stems.
"""

from __future__ import annotations

from collections.abc import Iterable

from shopformer.data.chinese_script import simplified
from shopformer.tasks.search.analyze import Analyzer

# topic → (Chinese terms, English terms and phrases)
TOPIC_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "shipping": (("发货", "快递", "物流", "配送", "送达", "到货", "运单", "派送", "几天到",
                  "几天能到", "多久到", "多久能到", "什么时候到"),
                 ("ship", "shipping", "shipped", "deliver", "delivery", "courier", "carrier",
                  "dispatch", "dispatched", "tracking", "arrive")),
    "returns": (("退货", "退换", "退回", "寄回", "无理由", "能退", "可以退"),
                ("return", "returns", "returning", "send back", "send it back")),
    "refunds": (("退款", "退钱", "到账", "返款"),
                ("refund", "refunds", "refunded", "money back", "reimburse")),
    "exchange": (("换货", "调换", "换一个", "换个"),
                 ("exchange", "swap", "replacement")),
    "warranty": (("保修", "质保", "保固", "维修", "坏了"),
                 ("warranty", "guarantee", "repair", "repaired", "faulty", "defective")),
    "address": (("地址",), ("address",)),
    "payment": (("支付", "付款", "花呗", "信用卡", "分期", "微信支付", "支付宝"),
                ("pay", "payment", "paypal", "credit card", "installment", "instalments")),
    "invoice": (("发票", "收据"), ("invoice", "receipt")),
    "cancel": (("取消",), ("cancel", "cancelled", "canceled", "cancellation")),
    "discount": (("优惠", "折扣", "满减", "券"),
                 ("discount", "coupon", "voucher", "promo", "promotion")),
    "privacy": (("隐私", "个人信息"), ("privacy", "personal data")),
    "membership": (("会员", "积分"), ("member", "membership", "loyalty", "points")),
}


class TopicLexicon:
    """Which topics a text names, by `TOPIC_TERMS` (or a shop's own table of the same
    shape)."""

    def __init__(self, terms: dict[str, tuple[Iterable[str], Iterable[str]]] | None = None,
                 analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer or Analyzer()
        self._chinese: dict[str, tuple[str, ...]] = {}
        self._latin: dict[str, tuple[frozenset[str], ...]] = {}
        for topic, (zh, en) in (terms or TOPIC_TERMS).items():
            self._chinese[topic] = tuple(t for t in zh if t)
            phrases = (frozenset(self.analyzer.terms(t)) for t in en)
            self._latin[topic] = tuple(p for p in phrases if p)

    def topics(self, text: str) -> set[str]:
        """The topics `text` names: a Chinese term written in it (in Traditional characters
        too), or every stem of a Latin term or phrase among its words."""
        text = simplified(text)
        said = set(self.analyzer.terms(text))
        found = {topic for topic, terms in self._chinese.items()
                 if any(t in text for t in terms)}
        found |= {topic for topic, phrases in self._latin.items()
                  if any(p <= said for p in phrases)}
        return found
