"""The demo shop's policy file, written into its workspace as `policy.md`, so its support
assistant answers policy questions ("怎么退货", "how long does shipping take") as a shop's
would: from the shop's own words, in both languages, consistent with the demo's agents."""

from __future__ import annotations

from pathlib import Path

POLICY = """# Returns 退货
Unused items in their original packaging can be returned within 7 days of delivery for a
full refund; ask in the chat with your order number and a courier picks the parcel up.
7天无理由退货：商品未使用、包装完好，签收后7天内可申请退货，在对话中提供订单号，快递员上门取件。

# Refunds 退款
Refunds go back to the original payment method within 3-5 working days of the returned
item arriving at our warehouse.
退款在退货商品到达仓库后3-5个工作日内原路退回。

# Shipping 发货与配送
Orders ship within 48 hours and usually arrive in 2-4 days; every order has a tracking
number.
订单48小时内发货，一般2-4天送达，每个订单都有运单号可查询物流。

# Changing the address 修改收货地址
The delivery address can be changed in the chat until the order ships.
订单发货前可以在对话中修改收货地址。

# Warranty 保修
Electronics carry a one-year warranty against defects; a faulty item is repaired or
replaced free of charge.
数码产品保修一年，质量问题免费维修或换新。
"""  # each line in one language: the assistant answers in the customer's


def write_policy(workspace_root: Path, file_name: str) -> Path | None:
    """Write the demo policy unless the workspace already has one (a shop's own edits stay)."""
    path = workspace_root / file_name
    if path.exists():
        return None
    path.write_text(POLICY, encoding="utf-8")
    return path
