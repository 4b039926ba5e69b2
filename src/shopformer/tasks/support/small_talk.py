"""Greetings, thanks and goodbyes: a chat opens with 你好 / 在吗 / hi and closes with 谢谢 /
thanks. They ask nothing, so they get a short answer in kind and never an intent: an
intent model trained on questions reads "hi" as the questions that began with it ("Hi,
where is my order?") and would ask an anonymous customer to sign in.

Only a message made of nothing but such words is small talk; "你好，我的订单到哪了？"
is a question.
"""

from __future__ import annotations

import re

PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": ("hi", "hello", "hey", "hiya", "hi there", "hello there", "hey there",
                 "good morning", "good afternoon", "good evening", "anyone there",
                 "is anyone there", "anybody there", "你好", "您好", "在吗", "在么", "在不在",
                 "有人吗", "有人在吗", "哈喽", "嗨", "亲", "亲亲", "客服", "老板", "早上好",
                 "下午好", "晚上好"),
    "thanks": ("thanks", "thank you", "thank you so much", "thanks a lot", "many thanks",
               "thx", "ty", "cheers", "ok", "okay", "ok thanks", "great", "got it", "谢谢",
               "谢谢你", "谢谢您", "多谢", "谢了", "感谢", "非常感谢", "好的", "好", "嗯",
               "嗯嗯", "知道了", "明白了", "收到", "好的谢谢"),
    "goodbye": ("bye", "goodbye", "bye bye", "see you", "再见", "拜拜", "88"),
}
_SEPARATOR = r"[\s,，.。!！?？~～、:：;；…]*"
_PARTICLE = r"(?:[呀啊呢哦哈噢]|la)*"
_BY_PHRASE = {phrase: kind for kind, phrases in PHRASES.items() for phrase in phrases}
_ALTERNATIVES = "|".join(re.escape(p).replace(r"\ ", r"\s+")
                         for p in sorted(_BY_PHRASE, key=len, reverse=True))
_ONE = re.compile(rf"({_ALTERNATIVES}){_PARTICLE}{_SEPARATOR}", re.IGNORECASE)
_ONLY = re.compile(rf"{_SEPARATOR}(?:(?:{_ALTERNATIVES}){_PARTICLE}{_SEPARATOR})+",
                   re.IGNORECASE)

REPLIES = {("greeting", True): "您好！请问有什么可以帮您？",
           ("greeting", False): "Hello! How can I help you today?",
           ("thanks", True): "不客气！还有其他问题随时问我。",
           ("thanks", False): "You're welcome! Is there anything else I can help with?",
           ("goodbye", True): "感谢您的咨询，再见！",
           ("goodbye", False): "Thanks for getting in touch. Goodbye!",
           ("unclear", True): "抱歉，没太明白您的意思，请问有什么可以帮您？",
           ("unclear", False): "Sorry, I didn't catch that. What can I help you with?"}


def small_talk(text: str) -> str | None:
    """"greeting", "thanks" or "goodbye" when the message is only that; "unclear" when it
    holds no word at all ("？？？", "...", an emoji: an intent model read "？？？" as an order
    question, 0.78, and asked an anonymous customer to sign in); else None. A message
    holding several (你好，谢谢) is the last that closes: goodbye, then thanks."""
    if text and not re.search(r"\w", text):
        return "unclear"
    if not text or len(text) > 60 or _ONLY.fullmatch(text.strip()) is None:
        return None
    kinds = {_BY_PHRASE[" ".join(m.group(1).lower().split())] for m in _ONE.finditer(text)}
    for kind in ("goodbye", "thanks", "greeting"):
        if kind in kinds:
            return kind
    return None
