"""What customers say to the shop's support chat, and what agents answer, in zh and en.

Placeholders: {order} an order id from orders.csv, {item} a product name, {date} a delivery
or pick-up date, {address} a planted street address.
"""

from __future__ import annotations

INTENTS = ("order_status", "return_request", "refund_status", "product_question",
           "delivery_delay", "change_address", "complaint", "human_agent")
INTENT_SHARES = (0.20, 0.12, 0.10, 0.18, 0.12, 0.08, 0.10, 0.10)
ORDER_INTENTS = frozenset({"order_status", "return_request", "refund_status", "delivery_delay",
                           "change_address"})

# intent -> (zh with order, zh without, en with order, en without)
OPENERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "order_status": (
        ("你好，我的订单{order}到哪了？", "帮我查一下订单{order}的物流", "订单{order}发货了吗？"),
        ("我买的东西什么时候发货？", "帮我查下订单状态", "我的快递到哪里了？"),
        ("Hi, where is my order {order}?", "Can you check the status of order {order}?",
         "Has order {order} shipped yet?"),
        ("When will my package ship?", "Can you check my order status?", "Where is my parcel?"),
    ),
    "return_request": (
        ("订单{order}的东西不合适，我想退货", "我要退掉订单{order}",
         "订单{order}收到有质量问题，怎么退？"),
        ("怎么申请退货？", "东西不想要了，可以退吗？", "七天无理由退货怎么操作？"),
        ("I'd like to return order {order}", "The item in order {order} doesn't fit, "
         "how do I send it back?", "Order {order} arrived damaged, I want a return"),
        ("How do I return an item?", "Can I still send this back?", "What's your return policy?"),
    ),
    "refund_status": (
        ("订单{order}的退款什么时候到账？", "订单{order}退款还没收到",
         "我的退款{order}处理到哪一步了？"),
        ("退款怎么还没到？", "我的钱什么时候退回来？", "退款一直没到账"),
        ("When will I get the refund for order {order}?", "Still no refund for order {order}",
         "What's happening with the refund on {order}?"),
        ("Where is my refund?", "When do I get my money back?", "My refund hasn't arrived"),
    ),
    "delivery_delay": (
        ("订单{order}怎么还没到？都一个星期了", "订单{order}的物流好几天没更新了",
         "{order}这单快递一直不动"),
        ("快递太慢了，怎么还没到", "物流好几天没更新了", "说好三天到，现在还没收到"),
        ("Order {order} still hasn't arrived, it's been a week",
         "Tracking for order {order} hasn't moved in days", "Why is order {order} so late?"),
        ("My delivery is really late", "Tracking hasn't updated for days",
         "It was supposed to arrive three days ago"),
    ),
    "change_address": (
        ("订单{order}的收货地址填错了，请改成{address}", "麻烦把订单{order}的地址改为{address}"),
        ("我想修改收货地址", "地址写错了，能改吗？"),
        ("Please change the delivery address of order {order} to {address}",
         "I entered the wrong address for order {order}, it should be {address}"),
        ("Can I change my shipping address?", "I need to update my address"),
    ),
    "complaint": (
        ("订单{order}的东西和描述完全不一样，我要投诉", "你们发错货了，订单{order}，太离谱了"),
        ("你们的服务太差了，我要投诉！", "客服一直不回消息，什么态度"),
        ("I want to file a complaint about order {order}, it's nothing like the photos",
         "This is unacceptable, you sent the wrong item for order {order}"),
        ("Your service is terrible, I want to complain", "Nobody has answered me for two days, "
         "this is ridiculous"),
    ),
    "human_agent": (
        (), ("转人工", "我要找人工客服", "机器人听不懂，帮我转人工"),
        (), ("Talk to a human please", "I want a real agent",
             "Agent please, the bot doesn't understand me"),
    ),
}

# topic -> (zh question, en question, zh answer, en answer) about one product
PRODUCT_QA: dict[str, tuple[str, str, str, str]] = {
    "colour": ("{item}有其他颜色吗？", "Does the {item} come in other colours?",
               "您好，{item}目前有三种颜色可选，详情页可以切换查看。",
               "Hi! The {item} comes in three colours; switch between them on the product page."),
    "warranty": ("{item}保修多久？", "How long is the warranty on the {item}?",
                 "{item}享受一年质保，七天无理由退换。",
                 "The {item} has a one-year warranty and a 7-day no-questions return."),
    "size": ("{item}尺码偏大还是偏小？", "Does the {item} run small or large?",
             "{item}尺码标准，建议按平时尺码购买。",
             "The {item} fits true to size, order your usual size."),
    "shelf_life": ("{item}保质期多久？", "What's the shelf life of the {item}?",
                   "{item}保质期12个月，发的都是近期生产的。",
                   "The {item} keeps for 12 months and ships from recent batches."),
    "stock": ("{item}现在有货吗？", "Is the {item} in stock?",
              "有货的，{item}今天下单明天发货。",
              "Yes, the {item} is in stock and ships the next day."),
}

# intent -> (zh answers, en answers) once the order is known
ANSWERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_status": (("您好，订单{order}已发货，预计{date}送达，请留意快递电话。",
                      "查询到订单{order}正在派送中，预计{date}前送达。"),
                     ("Order {order} has shipped and should arrive by {date}.",
                      "Order {order} is out for delivery; expect it by {date}.")),
    "return_request": (("已为订单{order}提交退货申请，快递员将在{date}上门取件。",),
                       ("I've opened a return for order {order}; a courier will pick it up "
                        "on {date}.",)),
    "refund_status": (("订单{order}的退款已处理，预计{date}前原路退回。",),
                      ("The refund for order {order} has been processed and should reach "
                       "your account by {date}.",)),
    "delivery_delay": (("非常抱歉，订单{order}因快递网点积压有所延误，"
                        "我们已催促快递，预计{date}前送达。",),
                       ("Sorry about the delay on order {order}; the depot is backed up. We've "
                        "chased the courier and expect delivery by {date}.",)),
    "change_address": (("好的，订单{order}的收货地址已更新。",),
                       ("Done, the delivery address on order {order} has been updated.",)),
    "complaint": (("非常抱歉给您带来不好的体验，我们已记录您的投诉，专员会在24小时内联系您。",),
                  ("I'm very sorry about this. I've logged your complaint and a specialist "
                   "will contact you within 24 hours.",)),
    "human_agent": (("好的，正在为您转接人工客服，请稍候。",),
                    ("Sure, connecting you to a human agent now, please hold on.",)),
}

ASK_ORDER = ("请提供一下您的订单号，我帮您查询。",
             "Could you share your order number so I can look into it?")
# (zh, en) the customer's second turn, giving what the agent asked for
GIVE_ORDER = (("订单号是{order}", "{order}", "单号{order}，麻烦了"),
              ("It's {order}", "Order number {order}", "{order}, thanks"))
GIVE_ORDER_AND_ADDRESS = (("订单号是{order}，新地址是{address}",),
                          ("Order {order}, new address: {address}",))
# intent -> (zh, en) a customer who is not satisfied yet
ESCALATIONS = {
    "human_agent": (("还是不行，转人工吧", "我要和真人说话"),
                    ("This doesn't help, get me a human", "Can I talk to a person?")),
    "complaint": (("等了这么久还没解决，我要投诉", "太慢了，我要投诉你们"),
                  ("This has taken way too long, I want to make a complaint",
                   "I'm filing a complaint, this is not okay")),
}
