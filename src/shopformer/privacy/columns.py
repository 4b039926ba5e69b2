"""Which unknown columns hold personal data, judged by their names.

Columns we do not map go to `extra`; a shop's export often carries `customer_name`,
`phone` or `email` there. Those are pseudonymized whole; other text in `extra` is scrubbed.
"""

from __future__ import annotations

import re

_PERSONAL = re.compile(
    r"^(?:(?:customer|client|user|member|buyer|receiver|recipient|contact|shipping|billing|"
    # review exports (Judge.me, Yotpo) name their reviewer: reviewer_name was stored raw
    r"consignee|first|last|full|real|nick|reviewer|payer|cardholder|display|screen|remote)"
    r"[ _-]?)?"
    r"(?:name|phone|phone[ _-]?number|mobile|tel|telephone|e-?mail|mail|address|addr|"
    # an address in parts, as order exports give it (Shopify: "Billing Street",
    # "Shipping Address1", "Billing Zip")
    r"address[ _-]?(?:line[ _-]?)?\d|street|zip|zip[ _-]?code|post[ _-]?code|"
    r"postal[ _-]?code|邮编|邮政编码|收货地址|详细地址|"
    r"id[ _-]?card|id[ _-]?number|passport|ssn|birthday|birth[ _-]?date|"
    # an address on the network or a device's id: a review export's ip_address was stored
    # raw (the text scrubber knows no IP address)
    r"ip|ip[ _-]?address|ip[ _-]?addr|device[ _-]?id|imei|idfa|gaid|mac[ _-]?address|"
    r"ip地址|设备号|设备id|"
    r"姓名|名字|电话|手机|手机号|邮箱|地址|身份证|身份证号|收货人|收件人)$",
    re.IGNORECASE)
# Chinese exports name whose detail it is first: Taobao's order report has 收货人姓名,
# 联系手机 and 买家支付宝账号 (收货人姓名 was stored as written: only 收货人 and 姓名 alone
# were known)
_PERSONAL_ZH = re.compile(
    r"^(?:收货人|收件人|寄件人|买家|客户|顾客|会员|用户|联系人|持卡人)?"
    r"(?:姓名|名字|真实姓名|电话|手机|手机号|手机号码|电话号码|固定电话|地址|收货地址|详细地址|"
    r"邮箱|电子邮箱|身份证|身份证号|身份证号码|支付宝账号|支付宝|微信号|qq|qq号|会员名|用户名|"
    r"昵称)$"
    r"|^(?:收货人|收件人|联系人)$|^联系(?:电话|手机|方式|地址)$", re.IGNORECASE)


def looks_personal(column: str) -> bool:
    name = column.strip()
    return bool(_PERSONAL.match(name) or _PERSONAL_ZH.match(name))
