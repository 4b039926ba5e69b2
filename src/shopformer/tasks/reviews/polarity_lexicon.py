"""General praise and complaint words (Chinese and English), counted with their negations.

A shop with a few hundred reviews has seen few of the ways a customer complains: a model
learned from them alone reads "质量不是很好，物流也慢" by the words it happened to see. This
lexicon is what any reader brings: "慢", "失望", "broke" are complaints, "不慢", "not bad" are
not. `PolarityLexicon.counts` gives, per text, how many praise and complaint words it holds
once negations are applied; the sentiment model learns from the shop's labels how much
those counts weigh (sentiment.py), so a shop whose words mean something else is not bound
by them.

Chinese words are matched longest first, so "不错" is praise before "错" is a complaint, and
words that merely contain a polar character ("快递", "非常", "好像", "差不多") are listed as
neutral to shadow it. A polar word is negated when a negation cue ends at most
`NEGATION_REACH` characters (Chinese) or words (English) before it, within its clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np

from shopformer.data.chinese_script import simplified
from shopformer.tasks.reviews.clauses import clauses
from shopformer.tasks.search.analyze import Analyzer

NEGATION_REACH = 4  # characters (Chinese) or words (English) a negation cue governs

POSITIVE_ZH = (
    "好", "不错", "满意", "喜欢", "推荐", "好评", "赞", "棒", "优秀", "完美", "值得", "划算",
    "实惠", "便宜", "超值", "物超所值", "物美价廉", "性价比高", "很快", "速度快", "及时",
    "精致", "精美", "舒服", "舒适", "漂亮", "好看", "好用", "好吃", "好喝", "新鲜", "耐用",
    "结实", "正品", "清晰", "流畅", "耐心", "热情", "周到", "贴心", "惊喜", "开心", "放心",
    "回购", "再买", "还会买", "会再来", "给力", "靠谱", "干净", "方便", "实用", "合适", "合身",
    "愉快", "细致", "稳定", "灵敏", "清爽", "香", "可口", "美味", "优质", "信赖", "专业", "到位",
    "省心", "感谢", "谢谢", "五星", "满分", "一流", "厉害", "超赞", "大气", "高档", "细腻",
    "柔软", "严实", "完好", "精细", "标准", "刚好", "正好", "值", "快", "强", "爱", "美", "甜",
)
NEGATIVE_ZH = (
    "差", "失望", "后悔", "垃圾", "坑", "骗", "假货", "次品", "劣质", "坏", "破", "破损", "烂",
    "慢", "贵", "难用", "难吃", "难喝", "难看", "难闻", "臭", "脏", "旧", "问题", "毛病", "瑕疵",
    "退货", "退款", "投诉", "差评", "糟糕", "郁闷", "生气", "气人", "恶心", "无语", "上当",
    "不值", "一般", "麻烦", "卡顿", "很卡", "太卡", "有点卡", "卡死", "死机", "发烫", "噪音",
    "异味", "漏", "掉色", "起球", "变质", "过期", "快过期", "坑爹", "忽悠", "敷衍", "推脱",
    "粗糙", "缩水",
    "褪色", "无法", "失败", "故障", "划痕", "污渍", "发错", "少了", "裂", "吵", "霉", "虫",
    "偏小", "偏大", "不准", "不符", "不合适", "不合身", "简陋", "压坏", "无聊", "不爽", "假",
    "别买", "千万别", "慎买", "坑人", "骗人", "不行", "不好", "退", "凑合", "勉强", "失误",
    "怀疑", "可惜", "遗憾", "太久", "好久", "半天", "延迟", "拖", "不如", "不像", "欺骗", "残次",
    "不理", "没人理", "爱答不理", "不回", "不搭理", "不管不问", "不负责",
)
# Words that contain a polar character but are not polar themselves: matched first, and
# worth nothing, so "快递" is not praise and "非常" is not a negation.
NEUTRAL_ZH = (
    "快递", "快要", "尽快", "赶快", "快点", "好像", "只好", "好几", "好多", "好些", "好在",
    "最好", "还好", "好不容易", "好坏", "差不多", "差价", "出差", "差点", "慢慢", "非常",
    "一般来说", "不得不", "不管", "不仅", "不但", "不过", "不少", "不久", "不用说", "无论",
    "没想到", "差距", "宝贵", "贵州", "美国", "美元", "破解", "退出", "退休", "爱心", "不断",
    "不同", "无线", "没事", "无非", "并且", "卡片", "不一定",
)
NEGATION_ZH = ("不", "没", "沒", "无", "無", "未", "别", "別", "勿", "并非", "毫无", "从不")

POSITIVE_EN = (
    "good", "great", "excellent", "love", "loved", "lovely", "perfect", "perfectly", "nice",
    "happy", "glad", "recommend", "recommended", "fast", "quick", "quickly", "comfortable",
    "beautiful", "awesome", "amazing", "best", "fantastic", "wonderful", "worth", "value",
    "sturdy", "durable", "helpful", "patient", "friendly", "fresh", "delicious", "tasty",
    "satisfied", "pleased", "solid", "neat", "steal", "bargain", "smooth", "reliable",
    "easy", "superb", "impressive", "affordable", "exceeded", "favorite", "favourite",
    "gorgeous", "soft", "clean", "accurate", "responsive", "prompt", "efficient", "enjoy",
    "enjoyed", "fine", "works", "worked", "pleasant", "outstanding", "brilliant", "flawless",
    "thanks", "thank", "well", "ok", "okay",
)
NEGATIVE_EN = (
    "bad", "poor", "poorly", "terrible", "awful", "horrible", "worst", "worse", "broke",
    "broken", "break", "breaks", "defective", "flimsy", "slow", "slowly", "late", "expensive",
    "overpriced", "disappointed", "disappointing", "disappointment", "regret", "rude",
    "stale", "crushed", "damaged", "waste", "refund", "fake", "wrong", "missing", "leak",
    "leaked", "leaking", "stuck", "forever", "useless", "junk", "garbage", "cheaply",
    "unhappy", "annoying", "noisy", "dirty", "smelly", "ugly", "uncomfortable", "problem",
    "problems", "issue", "issues", "faulty", "scratched", "returned", "complaint", "complain",
    "avoid", "scam", "mediocre", "unfortunately", "hate", "hated", "failed", "fail", "fails",
    "stopped", "died", "dead", "laggy", "crash", "crashes", "crashed", "flaw", "flaws",
    "off", "overheats", "never", "regret", "lousy", "shoddy", "sloppy", "sucks", "meh",
)
NEGATION_EN = frozenset((
    "not", "no", "never", "without", "nothing", "hardly", "nor", "neither", "none", "cannot",
    "isnt", "wasnt", "dont", "didnt", "doesnt", "cant", "wont", "arent", "werent", "couldnt",
    "wouldnt", "shouldnt", "havent", "hasnt", "aint",
))
# "never" counts as a complaint alone ("never again") and as a cue before a word ("never
# failed"); a cue word is not also negated by the cue before it.
_WORD = re.compile(r"[a-z]+(?:n't|'[a-z]+)?")


def _alternation(words: Sequence[str]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(set(words), key=len, reverse=True))))


class PolarityLexicon:
    """Text → (praise, complaint) word counts, negated words counted on the other side."""

    def __init__(self) -> None:
        self.analyzer = Analyzer()
        self._polarity_zh = {w: 1 for w in POSITIVE_ZH}
        self._polarity_zh.update({w: -1 for w in NEGATIVE_ZH})
        self._polarity_zh.update({w: 0 for w in NEUTRAL_ZH})  # a shadow wins over a polar word
        self._words_zh = _alternation(list(self._polarity_zh))
        self._cues_zh = _alternation(NEGATION_ZH)
        self._polarity_en = {self._stem(w): 1 for w in POSITIVE_EN}
        self._polarity_en.update({self._stem(w): -1 for w in NEGATIVE_EN})

    @classmethod
    @cache
    def shared(cls) -> PolarityLexicon:
        """One lexicon per process: building its patterns and stems takes a moment."""
        return cls()

    def _stem(self, word: str) -> str:
        terms = self.analyzer.terms(word)
        return terms[0] if terms else word

    def counts(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, 2) array: praise words and complaint words per text."""
        out = np.zeros((len(texts), 2), np.float64)
        for row, text in enumerate(texts):
            for _, sign in self.polarities(text):
                out[row, 0 if sign > 0 else 1] += 1
        return out

    def polarities(self, text: str) -> list[tuple[str, int]]:
        """Each polar word of a text with its sign after negation, in order per clause."""
        found = []
        for clause in clauses(simplified(text)):  # the word lists are in Simplified
            found.extend(self._chinese(clause))
            found.extend(self._english(clause))
        return found

    def _chinese(self, clause: str) -> list[tuple[str, int]]:
        matched = list(self._words_zh.finditer(clause))
        taken = np.zeros(len(clause) + 1, bool)
        for m in matched:
            taken[m.start():m.end()] = True
        cue_ends = [c.end() for c in self._cues_zh.finditer(clause) if not taken[c.start()]]
        out = []
        for m in matched:
            polarity = self._polarity_zh[m.group()]
            if polarity:
                negated = sum(m.start() - NEGATION_REACH <= end <= m.start() for end in cue_ends)
                out.append((m.group(), polarity * (-1) ** negated))
        return out

    def _english(self, clause: str) -> list[tuple[str, int]]:
        tokens = []  # (stem, is a negation cue) per word
        for word in _WORD.findall(clause):
            plain = word.replace("'", "")
            cue = plain in NEGATION_EN or word.endswith("n't")
            tokens.append((plain if cue else self._stem(word.split("'")[0]), cue))
        out = []
        for i, (stem, cue) in enumerate(tokens):
            polarity = self._polarity_en.get(stem, 0)
            if not polarity or (cue and stem != "never"):
                continue
            negated = not cue and any(c for _, c in tokens[max(0, i - NEGATION_REACH):i])
            out.append((stem, -polarity if negated else polarity))
        return out
