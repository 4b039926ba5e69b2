"""Tests for shopformer.privacy.scrub: PII found in zh/en shop text, ordinary text untouched."""

from __future__ import annotations

import pytest

from shopformer.privacy.scrub import Finding, PiiScrubber, ScrubConfig, scrub_text

# --- helpers: synthetic, checksum-valid numbers (no real person's data) -----------------------


def id_check_char(body17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 from its definition: weights 2^(17-i) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body17))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def make_id(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    assert len(body) == 17
    return body + id_check_char(body)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    return sum(sum(divmod(d * (2 if i % 2 else 1), 10)) for i, d in enumerate(digits)) % 10 == 0


def luhn_complete(payload: str) -> str:
    return next(payload + d for d in "0123456789" if luhn_ok(payload + d))


def grouped(number: str, sep: str) -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def swap_last(value: str, alphabet: str = "0123456789") -> list[str]:
    return [value[:-1] + c for c in alphabet if c != value[-1]]


VALID_ID = make_id("110105", "19900307", "123")
ID_X = next(
    i for i in (make_id("440305", "19880808", f"{n:03d}") for n in range(1000)) if i[-1] == "X"
)
OLD_ID = "110105" + "900307" + "123"  # legacy 15-digit form, birth 1990-03-07
CARD16 = luhn_complete("622202123456789")
CARD19 = luhn_complete("622202123456789012")
CARD13 = luhn_complete("411111111111")


def test_helpers_match_published_examples() -> None:
    # GB 11643-1999's own worked example and the well-known Visa test number.
    assert make_id("110105", "19491231", "002") == "11010519491231002X"
    assert luhn_complete("411111111111111") == "4111111111111111"
    assert len(CARD16) == 16 and len(CARD19) == 19 and len(CARD13) == 13


# --- detection in zh and en contexts ----------------------------------------------------------

POSITIVE = [
    # e-mail
    ("联系我abc.de+x@qq.com谢谢", "联系我<EMAIL>谢谢"),
    ("mail john.doe+shop@mail.example.co.uk please", "mail <EMAIL> please"),
    # resident ID (18 and legacy 15)
    (f"身份证号{VALID_ID}，请核实", "身份证号<ID_NUMBER>，请核实"),
    (f"my ID is {ID_X.lower()} ok", "my ID is <ID_NUMBER> ok"),
    (f"老身份证{OLD_ID}还能用吗", "老身份证<ID_NUMBER>还能用吗"),
    # bank cards
    (f"卡号{CARD16}，请退款", "卡号<BANK_CARD>，请退款"),
    (f"card {grouped(CARD16, ' ')} was charged twice", "card <BANK_CARD> was charged twice"),
    (f"退到{grouped(CARD19, ' ')}这张卡", "退到<BANK_CARD>这张卡"),
    (f"use {grouped(CARD19, '-')}.", "use <BANK_CARD>."),
    (f"old card {CARD13}", "old card <BANK_CARD>"),
    # phones
    ("电话13812345678，晚上打", "电话<PHONE>，晚上打"),
    ("手机：+86 138 1234 5678", "手机：<PHONE>"),
    ("打0086-13812345678找我", "打<PHONE>找我"),
    ("号码138-1234-5678", "号码<PHONE>"),
    ("号码138 1234 5678。", "号码<PHONE>。"),
    ("座机010-62345678转分机", "座机<PHONE>转分机"),
    ("座机(0755)86001234", "座机<PHONE>"),
    ("call +44 20 7946 0958 today", "call <PHONE> today"),
    ("call +1 (415) 555-0132 today", "call <PHONE> today"),
    ("text +1-415-555-0132", "text <PHONE>"),
    ("appelez +33 1 99 00 12 34 svp", "appelez <PHONE> svp"),  # no 4-digit group at all
    ("海外号码+33-1-99-00-12-34", "海外号码<PHONE>"),
    ("office (415) 555-0132, ask for Sam", "office <PHONE>, ask for Sam"),
    ("美国号码415-555-0132", "美国号码<PHONE>"),
    # addresses
    ("ship to 123 Main Street please", "ship to <ADDRESS> please"),
    ("45B Baker St. London", "<ADDRESS> London"),
    ("office: 1600 Amphitheatre Pkwy, Apt 4 thanks", "office: <ADDRESS> thanks"),
    ("寄到123 Main Street谢谢", "寄到<ADDRESS>谢谢"),
    ("寄到北京市朝阳区建国路88号谢谢", "寄到<ADDRESS>谢谢"),
    ("地址是上海市浦东新区世纪大道100号2号楼301室", "地址是<ADDRESS>"),
    ("送货到广东省深圳市南山区科技园南路15号，", "送货到<ADDRESS>，"),
    ("我住在杭州市西湖区文三路477号", "我住在<ADDRESS>"),
    ("我家在阳光小区3栋502室", "我家在<ADDRESS>"),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_detects_pii(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


NEGATIVE = [
    "这个手机5000毫安电池",
    "买了3件",
    "2023年11月15日",
    "iPhone 15 Pro 256GB",
    "订单号 20231115123456789",
    "价格1299元",
    "¥1299 包邮",
    "2023-11-15 12:30 下单",
    "我在北京买的",
    "就在建国路附近的店",
    "我不知道15号能不能到",
    "11月15号到货",
    "2 TB Portable Hard Drive",
    "USB 3.0 Flash Drive works",
    "5 Stars All The Way",
    "price $1,299.00 (save 20%)",
    "Order #20231115123456789 arrived 2023-11-15",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_text_unchanged(text: str) -> None:
    assert scrub_text(text) == text


# --- checksums ----------------------------------------------------------------------------------


def test_valid_generated_id_is_replaced() -> None:
    assert scrub_text(f"证件{VALID_ID}") == "证件<ID_NUMBER>"


@pytest.mark.parametrize("bad", swap_last(VALID_ID, "0123456789X"))
def test_id_with_wrong_check_digit_is_kept(bad: str) -> None:
    assert scrub_text(f"证件{bad}") == f"证件{bad}"


@pytest.mark.parametrize("birth", ["19901332", "18991231", "19900230"])
def test_id_with_impossible_birth_date_is_kept(birth: str) -> None:
    bad = make_id("110105", birth, "123")  # checksum is right, the date is not
    assert scrub_text(f"证件{bad}") == f"证件{bad}"


def test_valid_card_replaced() -> None:
    assert scrub_text(f"card {CARD16}") == "card <BANK_CARD>"


@pytest.mark.parametrize("bad", swap_last(CARD16))
def test_non_luhn_16_digits_kept(bad: str) -> None:
    assert scrub_text(f"card {bad}") == f"card {bad}"


# --- no half-replaced numbers, ordering -------------------------------------------------------


def test_long_digit_runs_are_never_half_replaced() -> None:
    tail = next(d for d in "0123456789" if not luhn_ok(CARD16 + d))
    texts = [
        f"编号9{VALID_ID}9",  # valid ID inside a longer run
        f"编号{CARD16}{tail}",  # valid card + one more digit
        f"编号 {grouped(CARD16, ' ')} 1234 5678",  # card groups that keep going
        "订单号20231115138123456789",  # mobile-shaped digits inside an order id
    ]
    for text in texts:
        assert scrub_text(text) == text, text


def test_email_wins_over_phone_digits() -> None:
    assert scrub_text("13812345678@163.com") == "<EMAIL>"


def test_id_wins_over_bank_card() -> None:
    ids = (make_id("330106", "19851120", f"{n:03d}") for n in range(1000))
    both = next(i for i in ids if i[-1] != "X" and luhn_ok(i))  # a Luhn-valid 3..., card-shaped
    assert scrub_text(both) == "<ID_NUMBER>"


def test_mixed_text_gets_each_placeholder_once() -> None:
    text = (
        f"你好，我的手机13812345678，邮箱buyer@example.com，身份证{VALID_ID}，"
        f"退款到{grouped(CARD16, ' ')}，寄到北京市朝阳区建国路88号。"
    )
    out = scrub_text(text)
    assert out is not None
    for tag in ("<PHONE>", "<EMAIL>", "<ID_NUMBER>", "<BANK_CARD>", "<ADDRESS>"):
        assert out.count(tag) == 1, (tag, out)
    for raw in ("13812345678", "buyer@", VALID_ID, CARD16[:4], "建国路"):
        assert raw not in out


def test_findings_report_kind_and_span() -> None:
    text = "电话13812345678，邮箱a@b.com"
    email_at = text.index("a@b.com")
    assert PiiScrubber().findings(text) == [
        Finding("PHONE", 2, 13),
        Finding("EMAIL", email_at, email_at + len("a@b.com")),
    ]


# --- API behaviour ----------------------------------------------------------------------------


def test_none_passes_through() -> None:
    assert scrub_text(None) is None
    assert PiiScrubber().scrub(None) is None


def test_pii_free_text_is_returned_as_is() -> None:
    text = "衣服质量很好，物流也快，五星好评！"
    assert PiiScrubber().scrub(text) is text


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_scrubbing_is_idempotent(text: str, expected: str) -> None:
    once = scrub_text(text)
    assert once != text
    assert scrub_text(once) == once


def test_config_turns_kinds_off() -> None:
    scrubber = PiiScrubber(ScrubConfig(phones=False, addresses=False))
    text = "电话13812345678，邮箱a@b.com，寄到杭州市西湖区文三路477号"
    assert scrubber.scrub(text) == "电话13812345678，邮箱<EMAIL>，寄到杭州市西湖区文三路477号"
