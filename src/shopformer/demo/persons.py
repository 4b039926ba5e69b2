"""The planted persons: language, taste, price sensitivity and one account per channel.

Each channel issues its own account ids in its own format (web user number, app install id,
mini-program openid, store member number), so one person is several (channel, account) pairs
and identity resolution has real work to do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopformer.demo.categories import CATEGORIES
from shopformer.demo.config import CHANNELS, DemoConfig

LANGUAGES = ("zh", "en")
EN_SHARE = 0.30
TWO_FAVOURITES_SHARE = 0.6
CHANNEL_COUNT_SHARES = (0.45, 0.33, 0.15, 0.07)  # 1..4 channels
# Chinese-speaking shoppers live in the mini-program; English speakers barely use it.
CHANNEL_WEIGHTS = np.array([[0.25, 0.35, 0.30, 0.10],
                            [0.40, 0.40, 0.05, 0.15]])  # (language, channel)
STORES = 8
HEX = "0123456789abcdef"
OPENID = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# Plausible public first octets per language; 185.* is kept free for the fraud ring's block.
_ZH_OCTETS = np.array([36, 58, 101, 112, 114, 117, 120, 183, 223])
_EN_OCTETS = np.array([24, 67, 73, 98, 107, 174])


@dataclass(frozen=True)
class Persons:
    ids: np.ndarray  # (P,) P00001 …, truth only: no file carries a person id
    language: np.ndarray  # (P,) index into LANGUAGES
    favourites: np.ndarray  # (P, 2) category indices; both equal when the person has one
    n_favourites: np.ndarray  # (P,) 1 or 2
    sensitivity: np.ndarray  # (P,) multiplies the category's price elasticity, mean 1
    activity: np.ndarray  # (P,) multiplies the mean number of visits, mean 1
    accounts: np.ndarray  # (P, 4) str, "" where the person has no account on that channel
    devices: np.ndarray  # (P, 4) str, the device each channel is used from ("" for store)
    home_ip: np.ndarray  # (P,)
    mobile_ip: np.ndarray  # (P,)
    home_store: np.ndarray  # (P,) which physical store they visit

    @property
    def has_channel(self) -> np.ndarray:
        return self.accounts != ""  # (P, 4)

    def __len__(self) -> int:
        return len(self.ids)

    def truth(self, linked: np.ndarray) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        has = self.has_channel
        for p, person_id in enumerate(self.ids.tolist()):
            favs = self.favourites[p, : self.n_favourites[p]]
            out[person_id] = {
                "language": LANGUAGES[self.language[p]],
                "favourite_categories": [CATEGORIES[c].path for c in favs],
                "price_sensitivity": round(float(self.sensitivity[p]), 3),
                "accounts": [[CHANNELS[c], str(self.accounts[p, c])]
                             for c in np.flatnonzero(has[p])],
                "linked": bool(linked[p]),
            }
        return out


def build_persons(rng: np.random.Generator, config: DemoConfig) -> Persons:
    n = config.persons
    language = (rng.random(n) < EN_SHARE).astype(int)
    n_favourites = 1 + (rng.random(n) < TWO_FAVOURITES_SHARE).astype(int)
    favourites = _top_k(rng, np.ones((n, len(CATEGORIES))), 2)
    favourites[n_favourites == 1, 1] = favourites[n_favourites == 1, 0]
    sensitivity = rng.gamma(8.0, 1 / 8.0, n)
    activity = rng.gamma(2.0, 0.5, n)
    n_channels = rng.choice(4, n, p=CHANNEL_COUNT_SHARES) + 1
    ranked = _top_k(rng, CHANNEL_WEIGHTS[language], len(CHANNELS))
    has = np.zeros((n, len(CHANNELS)), dtype=bool)
    for k in range(len(CHANNELS)):
        rows = np.flatnonzero(n_channels > k)
        has[rows, ranked[rows, k]] = True
    accounts = np.where(has, _account_ids(rng, n), "")
    devices = np.where(has, _devices(rng, n, has), "")
    home_ip = ips(rng, language)
    mobile_ip = ips(rng, language)
    home_store = rng.integers(0, STORES, n)
    ids = np.array([f"P{p + 1:05d}" for p in range(n)])
    return Persons(ids, language, favourites, n_favourites, sensitivity, activity, accounts,
                   devices, home_ip, mobile_ip, home_store)


def _top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Per row, k distinct column indices drawn without replacement in proportion to weights
    (the Gumbel-top-k trick: one vectorized draw instead of a choice() per row)."""
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]


def random_tokens(rng: np.random.Generator, n: int, alphabet: str, length: int,
                  taken: set[str] | None = None) -> list[str]:
    """n distinct random strings, also distinct from `taken`."""
    letters = np.array(list(alphabet))
    seen = set(taken or ())
    out: list[str] = []
    while len(out) < n:
        codes = rng.integers(0, len(letters), (n - len(out), length))
        for token in letters[codes].view(f"<U{length}").ravel().tolist():
            if token not in seen:
                seen.add(token)
                out.append(token)
    return out


def _account_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """(P, 4): web user numbers, app install ids, WeChat-style openids, store member numbers."""
    width = account_width(n)
    numbers = rng.choice(10 ** width, (2, n), replace=False)
    web = [f"u{x:0{width}d}" for x in numbers[0]]
    app = ["app-" + t for t in random_tokens(rng, n, HEX, 12)]
    mini = ["wx_o" + t for t in random_tokens(rng, n, OPENID, 16)]
    store = [f"M{x:0{width}d}" for x in numbers[1]]
    return np.array([web, app, mini, store]).T


def account_width(n_persons: int) -> int:
    """Digits of web and store member numbers: room for ten times the persons."""
    return max(6, len(str(10 * n_persons)))


def device_ids(rng: np.random.Generator, n: int, kind: str) -> list[str]:
    return [f"{kind}-{t}" for t in random_tokens(rng, n, HEX, 12)]


def _devices(rng: np.random.Generator, n: int, has: np.ndarray) -> np.ndarray:
    """A browser per web account, one phone for app and mini-program (the same phone when a
    person uses both), none for the store: the till is the store's."""
    web = device_ids(rng, n, "web")
    phones = np.array(device_ids(rng, n, "ios"))
    android = rng.random(n) < 0.55
    phones[android] = np.char.replace(phones[android], "ios-", "and-")
    second = np.array(device_ids(rng, n, "and"))
    mini = np.where(has[:, 1], phones, second)
    return np.array([np.array(web), phones, mini, np.full(n, "")]).T


def ips(rng: np.random.Generator, language: np.ndarray) -> np.ndarray:
    first = np.where(language == 0, rng.choice(_ZH_OCTETS, len(language)),
                     rng.choice(_EN_OCTETS, len(language)))
    rest = rng.integers(1, 255, (len(language), 3))
    return np.array([f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first, rest, strict=True)])
