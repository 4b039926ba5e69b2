"""How negative a customer message must read before it counts as upset: more negative than
the shop's past messages of the same intent usually are. The sentiment model learns from
reviews, where "收到有质量问题，怎么退？" is about as negative as text gets (P(positive)
0.01); judged alone, three in ten of the demo shop's return requests read as upset customers
and went to a person, while "你们这什么垃圾客服，气死我了！！" read 0.07. A return request is
upset when it is negative even for a return request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from shopformer.core.errors import ConfigError

ALL_INTENTS = ""  # the floor of every past message, for a message of an unsure intent
MIN_MESSAGES = 20  # past messages an intent needs for a floor of its own


def negative_floors(sentiment, texts: Sequence[str], intents: Sequence[str], *,
                    share: float = 0.05, per_intent: int = 300, seed: int = 0
                    ) -> dict[str, float]:
    """Per intent, the P(positive) that only `share` of its past messages (`texts`, labelled
    `intents`; at most `per_intent` of each read) fall below; under `ALL_INTENTS`, the same
    over all of them. Intents with fewer than `MIN_MESSAGES` messages get no floor."""
    if len(texts) != len(intents):
        raise ConfigError("negative floors: one intent per message")
    if not 0 < share < 1:
        raise ConfigError("negative floors: share must be in (0, 1)")
    by_intent: dict[str, list[int]] = defaultdict(list)
    for n, intent in enumerate(intents):
        by_intent[intent].append(n)
    rng = np.random.default_rng(seed)
    read = {intent: (rows if len(rows) <= per_intent
                     else sorted(rng.choice(rows, per_intent, replace=False).tolist()))
            for intent, rows in by_intent.items()}
    rows = [n for chosen in read.values() for n in chosen]
    if len(rows) < MIN_MESSAGES:
        return {}
    p = dict(zip(rows, sentiment.probability([texts[n] for n in rows]), strict=True))
    floors = {intent: float(np.quantile([p[n] for n in chosen], share))
              for intent, chosen in read.items() if len(chosen) >= MIN_MESSAGES}
    floors[ALL_INTENTS] = float(np.quantile(list(p.values()), share))
    return floors
