"""Suggested replies: grounded in the review's aspects and the shop's past answers; an
optional OpenAI-compatible endpoint (a real local HTTP server here) may rewrite them, and
when it fails the template reply stands."""

from __future__ import annotations

import pytest
from tests.chat_endpoint import chat_endpoint

from shopformer.core.errors import ConfigError
from shopformer.tasks.past_answers import PastAnswer, past_answers, repeats_the_customer
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.replies import ReplyConfig, ReplySuggester
from shopformer.tasks.rewrite import EndpointConfig

PAST = [PastAnswer("c1", "快递太慢了，一个星期还没到", "非常抱歉，已为您催促快递，预计明天送达。"),
        PastAnswer("c2", "客服一直不回消息", "抱歉让您久等，已安排专人联系您。"),
        PastAnswer("c3", "The courier is a week late", "Sorry for the delay, we've chased the "
                   "courier and it should arrive tomorrow."),
        PastAnswer("c4", "What is the warranty?", "Every item has a one-year warranty.")]


@pytest.fixture(scope="module")
def suggester(bilingual):
    return ReplySuggester(ReviewAnalyzer(bilingual), PAST)


def test_complaint_gets_an_apology_per_aspect_and_the_shops_own_answer(suggester):
    opinion, replies = suggester.suggest("物流太慢了，等了一个星期")
    template, *retrieved = replies
    assert opinion.polarity == "negative"
    assert template.kind == "template" and template.grounds["aspects"] == {"logistics": "negative"}
    assert "快递" in template.text and "抱歉" in template.text
    assert [r.grounds["conversation_id"] for r in retrieved][:1] == ["c1"]


def test_a_review_in_traditional_characters_gets_its_replies_in_them(suggester):
    """A Taiwan or Hong Kong customer's review got replies in Simplified characters."""
    from shopformer.data.chinese_script import simplified

    _, replies = suggester.suggest("物流太慢了，等了一個星期")
    assert replies and all(simplified(r.text) != r.text for r in replies)
    assert "快遞" in replies[0].text and "抱歉" in replies[0].text


def test_a_review_of_no_words_is_refused(suggester):
    for review in ("？？？", "..."):
        with pytest.raises(ConfigError, match="no words"):
            suggester.suggest(review)


def test_english_review_gets_an_english_reply_grounded_in_english_answers(suggester):
    _, replies = suggester.suggest("The delivery was really slow, the courier was a week late")
    assert replies[0].grounds["language"] == "en" and "courier" in replies[0].text
    assert {r.grounds["conversation_id"] for r in replies[1:]} <= {"c3", "c4"}
    assert replies[1].grounds["conversation_id"] == "c3"


def test_an_answer_about_the_product_the_customer_named_is_not_suggested(bilingual):
    """On the demo, a broken zipper got "The Cotton Duvet Cover Set has a one-year
    warranty": true of that product only, and the review may be about another."""
    past = [PastAnswer("p1", "长款羽绒服尺码偏大还是偏小？", "长款羽绒服尺码标准，按平时尺码买。"),
            PastAnswer("p2", "尺码太小了，穿不上", "尺码不合适可以免费换码，请联系客服办理。"),
            PastAnswer("p3", "The Cotton Duvet Cover Set broke, the zipper is bad",
                       "The Cotton Duvet Cover Set has a one-year warranty."),
            PastAnswer("p4", "The zipper broke after a week, bad quality",
                       "Sorry about that; we'll send a replacement at no cost.")]
    suggester = ReplySuggester(ReviewAnalyzer(bilingual), past, ReplyConfig(retrieved=3))
    for review, expected in [("尺码偏小，穿不上，太差了", ["p2"]),
                             ("Bad quality, the zipper broke", ["p4"])]:
        _, replies = suggester.suggest(review)
        assert [r.grounds["conversation_id"] for r in replies if r.kind == "retrieved"] \
            == expected, review


@pytest.mark.parametrize(("customer", "agent", "repeats"), [
    ("Is the Gentle Facial Cleanser in stock?", "Yes, the Gentle Facial Cleanser ships today.",
     True),
    ("防晒霜 Plus保修多久？", "防晒霜 Plus享受一年质保。", True),
    ("长款羽绒服尺码偏大还是偏小？", "长款羽绒服尺码标准。", True),
    ("太慢了，我要投诉你们", "非常抱歉，我们已记录您的投诉。", False),
    ("Can you check my order status?", "Could you share your order number?", False),
    ("I'm filing a complaint", "I've logged your complaint.", False),
])
def test_an_answer_repeating_what_the_customer_named_is_theirs(customer, agent, repeats):
    assert repeats_the_customer(PastAnswer("c", customer, agent)) is repeats


def test_an_answer_naming_one_customers_order_or_date_is_never_suggested(bilingual):
    """The closest past answer told one customer about their own order; suggested to a
    reviewer it would name a stranger's order and a date that is not theirs."""
    specific = [PastAnswer("c5", "物流太慢了，等了一个星期才到",
                           "非常抱歉，订单O0000050因快递网点积压有所延误，预计7月10日前送达。"),
                PastAnswer("c6", "The delivery was slow, a week late",
                           "Your order O0000415 was delayed at the depot; it arrives by Aug 6.")]
    suggester = ReplySuggester(ReviewAnalyzer(bilingual), specific + PAST)
    for review, expected in [("物流太慢了，等了一个星期才到", "c1"),
                             ("The delivery was slow, a week late", "c3")]:
        _, replies = suggester.suggest(review)
        retrieved = [r.grounds["conversation_id"] for r in replies if r.kind == "retrieved"]
        assert retrieved[:1] == [expected], review


def test_an_answer_to_a_message_about_another_aspect_is_not_suggested(bilingual):
    """"我买的东西什么时候发货" (logistics) shares words with a complaint about a broken
    box and its contents, not its topic; answers about the same aspects still fit."""
    past = [PastAnswer("c7", "我买的东西什么时候发货？", "请提供一下您的订单号，我帮您查询。"),
            PastAnswer("c8", "质量太差了，用两天就坏了", "非常抱歉，我们可以为您免费换新。"),
            PastAnswer("c9", "外包装破了", "抱歉，请拍照给我们，马上为您补发。")]
    _, replies = ReplySuggester(ReviewAnalyzer(bilingual), past,
                                ReplyConfig(retrieved=3)).suggest("包装破了，里面的东西也坏了")
    retrieved = [r.grounds["conversation_id"] for r in replies if r.kind == "retrieved"]
    assert "c7" not in retrieved and set(retrieved) == {"c8", "c9"}


def test_praise_gets_thanks_and_no_support_answer(suggester):
    _, replies = suggester.suggest("Quality is great and delivery was fast")
    assert [r.kind for r in replies] == ["template"]
    assert replies[0].grounds["aspects"] == {"quality": "positive", "logistics": "positive"}
    assert "sorry" not in replies[0].text.lower()


def test_an_aspect_the_review_does_not_clearly_praise_is_not_thanked_for(suggester):
    """"耳机用了两周就充不进电了" read 0.51 on the demo and its reply said 很高兴产品用起来顺手."""
    from shopformer.tasks.reviews.analysis import ClauseOpinion, ReviewOpinion

    opinion = ReviewOpinion(0.06, (
        ClauseOpinion("耳机用了两周就充不进电了", ("performance",), 0.51),
        ClauseOpinion("客服也不回", ("service",), 0.06),
        ClauseOpinion("包装很好", ("packaging",), 0.93)))
    template = suggester._template(opinion, "zh")
    assert template.grounds["aspects"] == {"service": "negative", "packaging": "positive"}
    assert "顺手" not in template.text and "客服" in template.text


def test_openai_compatible_endpoint_rewrites_the_template_reply(bilingual, monkeypatch):
    monkeypatch.setenv("SHOPFORMER_LLM_API_KEY", "k-123")
    received: list[dict] = []
    with chat_endpoint(lambda body: "  很抱歉让您久等，我们已催促快递。 ", received) as url:
        config = ReplyConfig(rewrite=EndpointConfig(url))
        suggester = ReplySuggester(ReviewAnalyzer(bilingual), PAST, config)
        _, replies = suggester.suggest("物流太慢了")
    assert replies[0].kind == "rewritten" and replies[0].text == "很抱歉让您久等，我们已催促快递。"
    assert replies[1].kind == "template"  # the grounded draft stays beside it
    request = received[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k-123"
    assert replies[1].text in request["body"]["messages"][-1]["content"]


def test_a_workspace_rewrites_replies_through_the_endpoint_in_its_settings(bilingual, tmp_path):
    """shop.toml's [rewrite] table is what `Workspace.reply_suggester` uses."""
    from shopformer.workspace import Workspace

    Workspace.init(tmp_path / "shop").close()
    received: list[dict] = []
    with chat_endpoint(lambda body: "抱歉让您久等了。", received) as url:
        (tmp_path / "shop" / "shop.toml").write_text(
            f'name = "x"\n[rewrite]\nendpoint = "{url}"\nmodel = "local-model"\n',
            encoding="utf-8")
        with Workspace.open(tmp_path / "shop") as workspace:
            _, replies = workspace.reply_suggester(ReviewAnalyzer(bilingual)).suggest("物流太慢了")
    assert [r.kind for r in replies] == ["rewritten", "template"]
    assert replies[0].grounds["endpoint"] == url
    assert received[-1]["body"]["model"] == "local-model"


def test_failing_endpoint_leaves_the_template_reply_with_a_note(bilingual):
    with chat_endpoint(lambda body: "") as url:
        pass  # nothing listens there any more
    config = ReplyConfig(rewrite=EndpointConfig(url, timeout_seconds=2))
    _, replies = ReplySuggester(ReviewAnalyzer(bilingual), PAST, config).suggest("物流太慢了")
    assert replies[0].kind == "template" and "rewrite endpoint failed" in replies[0].grounds["note"]
    assert [r.kind for r in replies].count("template") == 1


def test_bad_input(suggester):
    with pytest.raises(ConfigError, match="empty"):
        suggester.suggest("  ")
    with pytest.raises(ConfigError, match="http"):
        ReplyConfig(rewrite=EndpointConfig("ftp://x"))


def test_past_answers_pair_each_customer_message_with_the_agents_answer(demo_shop):
    workspace, _, _ = demo_shop
    answers = past_answers(workspace.store)
    assert answers
    assert all(a.customer and a.agent and a.customer != a.agent for a in answers)
