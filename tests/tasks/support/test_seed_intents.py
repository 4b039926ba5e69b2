"""A shop whose chat logs carry no intent labels (most do not) gets an assistant all the
same: its intent model learns from the built-in seed examples. Before, `shopformer support
chat` stopped with "the store holds no customer turn with an intent label"."""

from __future__ import annotations

import json

import pytest

from shopformer.core.errors import InputError
from shopformer.demo.build import build_demo_shop
from shopformer.demo.config import DemoConfig
from shopformer.tasks.search.analyze import CJK
from shopformer.tasks.support.answers import AnswerIndex, KnownAnswer
from shopformer.tasks.support.assistant import SupportAssistant, SupportConfig
from shopformer.tasks.support.conversation import Conversation
from shopformer.tasks.support.intents import IntentClassifier
from shopformer.tasks.support.seed_intents import SEED_INTENTS, seed_examples
from shopformer.tasks.support.tools import PolicyTool
from shopformer.workspace import FAQ_FILE, INTENT_EXAMPLES_FILE, Workspace


@pytest.fixture(scope="module")
def seed_model() -> IntentClassifier:
    return IntentClassifier().fit(*seed_examples())


def unlabelled_shop(folder, conversations: int) -> Workspace:
    """A demo shop whose conversations lost their intent labels."""
    manifest = build_demo_shop(folder / "raw", DemoConfig(persons=60, items=40, days=30,
                                                         conversations=conversations))
    turns = manifest.out_dir / "turns.jsonl"
    rows = [json.loads(line) for line in turns.read_text(encoding="utf-8").splitlines()]
    labels = [row.pop("intent", None) for row in rows]
    assert any(labels)
    turns.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    shop = Workspace.init(folder / "shop")
    shop.ingest(manifest.out_dir)
    return shop


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory):
    with unlabelled_shop(tmp_path_factory.mktemp("unlabelled"), 100) as shop:
        yield shop


def test_the_seeds_hold_both_languages_and_route_as_the_defaults(seed_model):
    for intent, (zh, en) in SEED_INTENTS.items():
        assert len(zh) >= 10 and all(CJK.search(t) for t in zh), intent
        assert len(en) >= 10 and not any(CJK.search(t) for t in en), intent
    routes = {name: SupportAssistant(seed_model).route(name) for name in SEED_INTENTS}
    assert routes == {"order_status": "order", "delivery_delay": "order",
                      "change_address": "order", "return_request": "policy",
                      "refund_status": "policy", "product_question": "product",
                      "human_agent": "human", "complaint": "human", "cancellation": "faq",
                      "payment_question": "faq"}


def test_a_store_without_intent_labels_learns_from_the_seeds(unlabelled):
    (unlabelled.root / FAQ_FILE).write_text(json.dumps(
        {"question": "do you sell gift cards?", "variants": ["有礼品卡吗"],
         "answer": "Yes, at checkout.", "intent": "gift_card"}) + "\n", encoding="utf-8")
    texts, intents, seeded = unlabelled.intent_examples()
    assert seeded, texts[:3]
    assert ("有礼品卡吗", "gift_card") in set(zip(texts, intents, strict=True))
    _, model = unlabelled.train_intents()
    assert set(model.intents_) == {*SEED_INTENTS, "gift_card"}
    # messages written for this test, in neither the seeds nor the demo's chats
    for message, intent in [("has my parcel been sent out yet?", "order_status"),
                            ("我想退货，怎么操作", "return_request"),
                            ("I'd like to cancel the order I placed", "cancellation")]:
        guess = model.predict([message])[0]
        assert guess.intent == intent and guess.confidence >= 0.5, (message, guess)
    reply = unlabelled.support_assistant().reply(Conversation("c-seeded"), "where is my order?")
    assert reply.intent == "order_status" and reply.handoff is not None
    assert reply.handoff.reason == "needs_sign_in"  # an order question, anonymous


def test_words_that_only_give_the_order_number_ask_nothing_anew(seed_model):
    """"It's O0001895" after "which order?": the seed model reads "It's" as a product
    question (0.68), and the order question was dropped for it."""
    assistant = SupportAssistant(seed_model)
    chat = Conversation("c-detail", intent="order_status", intent_confidence=0.98)
    assert seed_model.predict(["It's"])[0].confidence >= 0.5
    assert not assistant._asks_anew(chat, "It's ")
    assert not assistant._asks_anew(chat, "订单号是 ")
    assert assistant._asks_anew(chat, " how do I return it")


def test_a_past_answer_answers_only_a_confident_message_of_its_intent(seed_model):
    """An unsure complaint got the nearest past answer, "we have logged your complaint, a
    specialist will call you": a promise no one keeps. The shop's own FAQ still answers
    whatever it matches."""
    answers = AnswerIndex([
        KnownAnswer("客服一直不回消息，什么态度",
                    "非常抱歉给您带来不好的体验，我们已记录您的投诉，专员会在24小时内联系您。",
                    "conversation:c1"),
        KnownAnswer("where is my order", "You can follow it in the app under My Orders.",
                    "conversation:c2"),
        KnownAnswer("do you sell gift cards?", "Yes, gift cards are sold at checkout.",
                    "faq")])
    assistant = SupportAssistant(seed_model, answers=answers)
    assert seed_model.predict(["客服一直不回消息，什么态度"])[0].confidence < 0.5
    unsure = assistant.reply(Conversation("c-unsure"), "客服一直不回消息，什么态度")
    assert unsure.handoff is not None and unsure.handoff.reason == "unsure", unsure
    same = assistant.reply(Conversation("c-same"), "where is my order")
    assert same.grounds == ("conversation:c2",), same
    faq = assistant.reply(Conversation("c-faq"), "do you sell gift cards?")
    assert faq.grounds == ("faq",), faq


def test_the_chat_command_says_it_learned_from_the_seeds(tmp_path):
    from typer.testing import CliRunner

    from shopformer.cli.main import app

    unlabelled_shop(tmp_path, 20).close()
    result = CliRunner().invoke(app, ["support", "chat", "-w", str(tmp_path / "shop"),
                                      "-m", "怎么退货？"])
    assert result.exit_code == 0, result.output
    assert "no intent labels" in result.output and "built-in examples" in result.output


def test_an_intent_taught_without_an_answer_survives_a_retraining(tmp_path):
    """`add-intent` without `--answer` lived only in the model: `support chat --retrain`
    learned from the store's turns again and the intent was gone."""
    with unlabelled_shop(tmp_path, 20) as shop:
        shop.train_intents()
        shop.add_intent("warranty_claim", ["I want to claim the warranty",
                                           "my item broke within a year, warranty please",
                                           "保修怎么申请"])
        _, model = shop.train_intents()
        assert "warranty_claim" in model.intents_
        intents = shop.intent_examples()[1]
        assert intents.count("warranty_claim") == 3  # kept once, however often read
        (shop.root / INTENT_EXAMPLES_FILE).write_text("{broken\n", encoding="utf-8")
        with pytest.raises(InputError, match="row 1"):
            shop.train_intents()


def test_a_customer_writing_traditional_characters_is_read_and_answered_in_them(seed_model):
    """The seed examples, topics and hand-off words are Simplified: "我的訂單到哪了？" read
    as something else, "轉人工" asked for no one, and every reply came in Simplified."""
    for traditional_text, simplified_text in [("我的訂單到哪了？", "我的订单到哪了？"),
                                              ("退貨運費誰出？", "退货运费谁出？")]:
        assert seed_model.predict([traditional_text])[0].intent == \
            seed_model.predict([simplified_text])[0].intent
    policy = PolicyTool("# Shipping 发货与配送\nOrders ship within 48 hours.\n"
                        "订单48小时内发货。\n\n# Returns 退货\nWithin 7 days.\n7天内可退货。\n")
    assert policy.named("你們發什麼快遞？").question == "Shipping 发货与配送"
    assistant = SupportAssistant(seed_model, policy=policy)
    asked = assistant.reply(Conversation("c-tw-human"), "轉人工")
    assert asked.handoff is not None and asked.handoff.reason == "asked"
    assert asked.text == "正在為您轉接人工客服，已把您的問題摘要交給同事，請稍候。"
    unsure = SupportAssistant(seed_model, policy=policy,
                              config=SupportConfig(intent_threshold=1.0))
    chat = Conversation("c-tw-ship")
    shipping = unsure.reply(chat, "你們發貨要多久？")
    assert shipping.grounds == ("policy:Shipping 发货与配送",)
    assert shipping.text == "訂單48小時內發貨。" and chat.log[-1].text == shipping.text


def test_a_model_saved_before_reads_text_as_it_is(seed_model, tmp_path):
    seed_model.save(tmp_path / "model")
    saved = json.loads((tmp_path / "model" / "config.json").read_text(encoding="utf-8"))
    assert saved["config"]["simplified_chinese"] is True
    del saved["config"]["simplified_chinese"]  # as a model saved before the setting
    (tmp_path / "model" / "config.json").write_text(json.dumps(saved), encoding="utf-8")
    assert IntentClassifier.load(tmp_path / "model").config.simplified_chinese is False
