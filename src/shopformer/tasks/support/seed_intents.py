"""Built-in examples of what online shoppers ask customer service, in Chinese and English:
the intent model of a shop whose chat logs carry no intent labels (most do not) learns from
these until the shop labels its own. The intent names route as the assistant's defaults
do (order_status → the order tool, return_request → the policy, complaint → a person, …);
cancellation and payment_question go to the shop's FAQ, a policy section the question
names, or a person. General shop phrasing, not one shop's: no product, brand or order
number of any shop.
"""

from __future__ import annotations

# intent → (Chinese examples, English examples)
SEED_INTENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_status": (
        ("我的订单到哪了", "帮我查一下订单状态", "我买的东西发货了吗", "订单什么时候发货",
         "查下物流信息", "我的快递现在在哪里", "能看一下我订单的进度吗", "请问我的包裹到哪儿了",
         "下单好几天了，发了没有", "想知道订单现在什么状态", "运单号是多少", "我的货寄出了吗",
         "麻烦查一下我的订单", "东西什么时候能送到", "物流一直没更新，帮我看看"),
        ("where is my order", "can you check my order status", "has my order shipped yet",
         "when will my order be dispatched", "what's the tracking number for my order",
         "where's my package right now", "I'd like an update on my order",
         "can you track my parcel", "is my order on its way", "when will my order arrive",
         "I placed an order last week, what's happening with it", "has my package left "
         "the warehouse", "order status please", "could you look up my order",
         "what's the delivery status of my purchase")),
    "delivery_delay": (
        ("快递怎么还没到", "超过预计时间了还没收到货", "物流好几天不动了", "等了一个星期还没送到",
         "说好三天到，现在还没到", "包裹卡在中转站好久了", "为什么配送这么慢", "快递员一直不派送",
         "显示已签收但我没收到", "到现在还没收到，太慢了", "物流停在一个地方三天了",
         "我的快递是不是丢了", "预计送达时间早就过了", "送货延误了怎么办", "怎么还在运输中"),
        ("my package is late", "it's past the delivery date and nothing has arrived",
         "tracking hasn't updated in days", "I've been waiting two weeks for my order",
         "it was supposed to arrive yesterday", "my parcel seems stuck in transit",
         "why is delivery taking so long", "the courier never came",
         "it says delivered but I didn't get anything", "still haven't received my order",
         "my order is delayed", "I think my package got lost",
         "the estimated delivery date has passed", "shipping is taking forever",
         "my delivery keeps getting pushed back")),
    "change_address": (
        ("我想改一下收货地址", "地址填错了能改吗", "能帮我换个收货地址吗", "收件人电话写错了",
         "我搬家了，订单地址要改", "可以修改配送地址吗", "收货人名字写错了怎么办",
         "想把地址改成公司的", "地址少写了门牌号", "发货前能改地址吗", "帮我更新一下收货信息",
         "能改成送到另一个城市吗", "下单时地址选错了", "收货地址怎么修改", "我要改收货人"),
        ("I need to change my shipping address", "I entered the wrong address",
         "can you update the delivery address on my order", "the phone number on my order "
         "is wrong", "I moved, can I change where it's sent", "can I edit the address "
         "before it ships", "wrong recipient name on my order",
         "please send it to my office instead", "I forgot the apartment number",
         "how do I change my address", "update my shipping details please",
         "can it go to a different city", "I picked the wrong address at checkout",
         "change the delivery address", "can I change who receives the package")),
    "return_request": (
        ("我想退货", "这个东西怎么退", "收到的商品不合适，能退吗", "质量有问题，申请退货",
         "七天无理由怎么操作", "衣服尺码不对想退掉", "不想要了可以退吗", "退货流程是什么",
         "怎么申请退货退款", "东西和描述不符，要退货", "退货要寄到哪里", "拆封了还能退吗",
         "买错了，能退回去吗", "退货需要什么条件", "我要把这个寄回去"),
        ("I want to return this", "how do I return an item", "it doesn't fit, can I send "
         "it back", "the item is defective, I'd like to return it", "what is your return "
         "policy", "can I return something I opened", "I changed my mind, can I return it",
         "how do I start a return", "where do I send the return",
         "it's not as described, I want to return it", "is there a return window",
         "I ordered the wrong one, can I return it", "what are the conditions for returns",
         "I'd like to send this back", "do I have to pay for return shipping")),
    "refund_status": (
        ("退款什么时候到账", "我的退款到哪一步了", "钱怎么还没退回来", "退款多久能收到",
         "退货寄回去了，钱什么时候退", "退款退到哪里", "申请退款好几天了还没处理",
         "退款会原路返回吗", "查一下我的退款进度", "商家收到退货了吗，退款呢",
         "退款金额不对", "什么时候给我退钱", "退款一直显示处理中", "退款能退到微信吗",
         "我的钱还没退"),
        ("when will I get my refund", "where is my refund", "I haven't received my money "
         "back", "how long do refunds take", "I sent the item back, when is the refund",
         "will the refund go to my card", "my refund request has been pending for days",
         "check my refund status please", "did you receive my return, where's the refund",
         "the refund amount is wrong", "when do I get my money", "refund still processing",
         "has my refund been issued", "can I get the refund to a different account",
         "still waiting on my refund")),
    "product_question": (
        ("这款有货吗", "这个尺码偏大还是偏小", "有没有其他颜色", "这个是什么材质的",
         "保质期多久", "这款适合敏感肌吗", "能用多长时间", "尺寸是多少", "这个防水吗",
         "支持快充吗", "有没有大一号的", "这个和另一款有什么区别", "重量多少", "适合几岁的孩子",
         "包装里有什么"),
        ("is this in stock", "does it run small or large", "what colours does it come in",
         "what is it made of", "what's the shelf life", "is it good for sensitive skin",
         "how long does the battery last", "what are the dimensions", "is it waterproof",
         "does it support fast charging", "do you have it in a bigger size",
         "what's the difference between these two", "how much does it weigh",
         "what age is it suitable for", "what's included in the box")),
    "human_agent": (
        ("转人工", "我要找人工客服", "有没有真人", "让客服经理来", "请帮我转接人工",
         "不想跟机器人说话", "人工客服在吗", "找个真人聊", "能让工作人员联系我吗",
         "给我接人工", "我要跟你们主管说", "叫个客服过来", "能打电话给我吗", "转接人工服务",
         "机器人解决不了，要人工"),
        ("talk to a human", "I want a real person", "can I speak to an agent",
         "connect me to customer service", "get me a manager", "I don't want a bot",
         "is there a person I can talk to", "transfer me to a representative",
         "can someone call me", "human please", "let me speak to your supervisor",
         "agent", "I need to talk to someone", "put me through to a person",
         "the bot can't help, get me a human")),
    "complaint": (
        ("我要投诉", "你们的服务太差了", "客服态度恶劣", "东西质量太差，我要投诉",
         "再不解决我就给差评", "太让人失望了", "我要举报你们", "这是第三次出问题了",
         "你们这是欺骗消费者", "等了这么久没人管，太过分了", "我对这次购物非常不满意",
         "送来的东西是坏的，还没人理", "你们到底负不负责", "骗子商家", "要去消协投诉你们"),
        ("I want to make a complaint", "your service is terrible", "your staff were rude",
         "the quality is awful, I'm filing a complaint", "this is unacceptable",
         "I'm very disappointed", "I'll leave a bad review if this isn't fixed",
         "this is the third time this has happened", "you're scamming customers",
         "nobody has helped me, this is ridiculous", "I'm extremely unhappy with this "
         "purchase", "worst shopping experience ever", "I want to report this seller",
         "I'm going to report you", "you clearly don't care about customers")),
    "cancellation": (
        ("我想取消订单", "订单能取消吗", "不要了，帮我取消", "下错单了，取消一下", "怎么取消订单",
         "还没发货能取消吗", "取消订单要多久退款", "帮我撤销这个订单", "我要取消购买",
         "拍错了，取消", "能不能不要这个订单了", "取消其中一件商品", "订单取消后钱怎么退",
         "付款了还能取消吗", "我想撤单"),
        ("I want to cancel my order", "can I cancel this order", "please cancel it",
         "I ordered by mistake, cancel it", "how do I cancel an order",
         "can I cancel before it ships", "cancel my purchase", "I'd like to cancel",
         "can you stop my order", "remove one item from my order",
         "I no longer want this order", "how do I cancel and get my money back",
         "is it too late to cancel", "cancel the order I just placed",
         "can I cancel after paying")),
    "payment_question": (
        ("可以用花呗吗", "支持哪些付款方式", "能分期吗", "付款失败怎么办", "为什么扣了两次钱",
         "可以货到付款吗", "能开发票吗", "支持信用卡吗", "优惠券怎么用不了", "付款后显示未支付",
         "能用微信支付吗", "发票怎么开", "有没有优惠码", "多扣钱了", "价格能便宜点吗"),
        ("can I pay with paypal", "what payment methods do you accept",
         "do you offer installments", "my payment failed", "I was charged twice",
         "can I pay on delivery", "can I get an invoice", "do you take credit cards",
         "my coupon code isn't working", "I paid but it says unpaid",
         "can I use apple pay", "how do I get a receipt", "do you have a discount code",
         "I was overcharged", "is there a student discount")),
}


def seed_examples() -> tuple[list[str], list[str]]:
    """(texts, intents) of every seed example, both languages (the intent model reads
    Traditional characters as Simplified: `IntentConfig.simplified_chinese`)."""
    texts, intents = [], []
    for intent, (zh, en) in SEED_INTENTS.items():
        for text in (*zh, *en):
            texts.append(text)
            intents.append(intent)
    return texts, intents
