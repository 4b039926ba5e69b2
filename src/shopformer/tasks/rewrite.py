"""An optional OpenAI-compatible chat endpoint that rewrites a grounded draft reply.

Off unless a URL is configured; Shopformer never needs it. The endpoint only rewords: a
rewrite that brings a number, an id or a date the draft and its facts do not hold is
refused, and the draft stands. Review replies and support answers both use it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from shopformer.core.errors import ConfigError

log = logging.getLogger(__name__)
# anything with a digit: order and tracking numbers, dates, prices, counts, phone numbers
FACT_TOKEN = re.compile(r"[A-Za-z]*\d[\w\-:./]*")


@dataclass(frozen=True)
class EndpointConfig:
    endpoint: str | None = None  # an OpenAI-compatible base URL (…/v1); None: off
    model: str = "gpt-4o-mini"
    api_key_env: str = "SHOPFORMER_LLM_API_KEY"  # the key is read from this variable
    timeout_seconds: float = 20.0

    def __post_init__(self) -> None:
        if self.endpoint is not None and not self.endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"rewrite endpoint must be an http(s) URL, got {self.endpoint!r}")
        if self.timeout_seconds <= 0:
            raise ConfigError("rewrite timeout_seconds must be > 0")


class RewriteFailed(Exception):
    """The endpoint failed, answered nothing usable, or added facts."""


def chat_completion(config: EndpointConfig, system: str, user: str) -> str:
    """The endpoint's answer to one system + user message (temperature 0.3)."""
    if not config.endpoint:
        raise RewriteFailed("no endpoint configured")
    body = {"model": config.model, "temperature": 0.3, "messages": [
        {"role": "system", "content": system}, {"role": "user", "content": user}]}
    key = os.environ.get(config.api_key_env)
    request = urllib.request.Request(
        config.endpoint.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
        method="POST", headers={"Content-Type": "application/json",
                                **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(request, timeout=config.timeout_seconds) as reply:
            text = json.loads(reply.read())["choices"][0]["message"]["content"].strip()
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError,
            TypeError) as error:
        raise RewriteFailed(str(error)) from None
    if not text:
        raise RewriteFailed("empty reply")
    return text


def added_facts(rewritten: str, grounds: Iterable[str]) -> list[str]:
    """Numbers, ids and dates in `rewritten` that none of `grounds` holds."""
    known = " ".join(grounds).lower()
    return [token for token in FACT_TOKEN.findall(rewritten) if token.lower() not in known]


def grounded_rewrite(config: EndpointConfig, system: str, draft: str,
                     grounds: Iterable[str], context: str = "") -> str:
    """The endpoint's rewording of `draft`, refused (RewriteFailed) when it states a fact
    that neither the draft nor `grounds` holds."""
    user = (f"{context}\n" if context else "") + f"Draft reply: {draft}"
    text = chat_completion(config, system, user)
    extra = added_facts(text, [draft, *grounds])
    if extra:
        raise RewriteFailed(f"the rewrite added facts not in the tool results: {extra[:3]}")
    return text
