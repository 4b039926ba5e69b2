"""Which unknown columns hold personal data, judged by their names.

Columns we do not map go to `extra`; a shop's export often carries `customer_name`,
`phone` or `email` there. Those are pseudonymized whole; other text in `extra` is scrubbed.
"""

from __future__ import annotations

import re

_PERSONAL = re.compile(
    r"^(?:(?:customer|client|user|member|buyer|receiver|recipient|contact|shipping|billing|"
    r"consignee|first|last|full|real|nick)[ _-]?)?"
    r"(?:name|phone|phone[ _-]?number|mobile|tel|telephone|e-?mail|mail|address|addr|"
    # an address in parts, as order exports give it (Shopify: "Billing Street",
    # "Shipping Address1", "Billing Zip")
    r"address[ _-]?(?:line[ _-]?)?\d|street|zip|zip[ _-]?code|post[ _-]?code|"
    r"postal[ _-]?code|邮编|邮政编码|收货地址|详细地址|"
    r"id[ _-]?card|id[ _-]?number|passport|ssn|birthday|birth[ _-]?date|"
    r"姓名|名字|电话|手机|手机号|邮箱|地址|身份证|身份证号|收货人|收件人)$",
    re.IGNORECASE)


def looks_personal(column: str) -> bool:
    return bool(_PERSONAL.match(column.strip()))
