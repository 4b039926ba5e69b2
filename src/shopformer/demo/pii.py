"""Personal data planted in free text, so the privacy scrubber has real work to do.

Every planted value is recorded; the truth keeps samples so a test can check that none of
them reaches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_NAMES = ("li.wei", "wang.fang", "zhangmin", "chen_jie", "amy.chen", "john.smith", "k.taylor",
          "maria.g")
_DOMAINS = ("qq.com", "163.com", "gmail.com", "outlook.com", "example.com")
_ZH_STREETS = (("上海市", "浦东新区", "世纪大道"), ("北京市", "朝阳区", "建国路"),
               ("广州市", "天河区", "天河路"), ("杭州市", "西湖区", "文三路"),
               ("深圳市", "南山区", "科技园路"))
_EN_STREETS = (("Baker Street", "Springfield", "IL 62704"),
               ("Maple Avenue", "Portland", "OR 97205"),
               ("Elm Street", "Austin", "TX 78701"),
               ("Market Street", "San Francisco", "CA 94103"))
_AREA_CODES = (415, 212, 617, 312, 206)

# kind -> (zh frames, en frames); {} is the planted value
_FRAMES = {
    "phone": (("有问题请打我电话{}", "我的手机号是{}", "联系电话{}"),
              ("call me at {}", "my number is {}", "you can reach me on {}")),
    "email": (("发票请发到{}", "我的邮箱是{}"), ("email me at {}", "my email is {}")),
    "address": (("我的地址是{}", "请寄到{}"), ("ship it to {}", "my address is {}")),
}
PII_KINDS = tuple(_FRAMES)


@dataclass
class PiiLog:
    """Every planted value, in the order planted."""

    values: list[str] = field(default_factory=list)

    def samples(self, limit: int = 50) -> list[str]:
        step = max(1, len(self.values) // limit)
        return self.values[::step][:limit]


def phone(rng: np.random.Generator, language: str) -> str:
    if language == "zh":
        return "1" + "3456789"[rng.integers(7)] + "".join(map(str, rng.integers(0, 10, 9)))
    area = _AREA_CODES[rng.integers(len(_AREA_CODES))]
    return f"+1 {area}-555-{rng.integers(100, 200):04d}"


def email(rng: np.random.Generator) -> str:
    name = _NAMES[rng.integers(len(_NAMES))]
    return f"{name}{rng.integers(10, 100)}@{_DOMAINS[rng.integers(len(_DOMAINS))]}"


def address(rng: np.random.Generator, language: str) -> str:
    if language == "zh":
        city, district, road = _ZH_STREETS[rng.integers(len(_ZH_STREETS))]
        return (f"{city}{district}{road}{rng.integers(1, 999)}号"
                f"{rng.integers(1, 30)}栋{rng.integers(101, 2999)}室")
    street, city, state = _EN_STREETS[rng.integers(len(_EN_STREETS))]
    return f"{rng.integers(1, 9999)} {street}, {city}, {state}"


def value(rng: np.random.Generator, kind: str, language: str) -> str:
    if kind == "phone":
        return phone(rng, language)
    if kind == "email":
        return email(rng)
    return address(rng, language)


def sentence(rng: np.random.Generator, language: str, log: PiiLog, kind: str | None = None
             ) -> str:
    """A short sentence carrying one planted phone, e-mail or street address."""
    kind = kind or PII_KINDS[rng.integers(len(PII_KINDS))]
    raw = value(rng, kind, language)
    log.values.append(raw)
    zh_frames, en_frames = _FRAMES[kind]
    frames = zh_frames if language == "zh" else en_frames
    return frames[rng.integers(len(frames))].format(raw)
