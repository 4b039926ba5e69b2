"""A person's id before any link says otherwise: derived from their one (channel, account).

The store computes the same value in SQL; a contract test keeps the two in step.
"""

from __future__ import annotations

import hashlib

PERSON_ID_CHARS = 20


def default_person_id(channel: str | None, account: str) -> str:
    digest = hashlib.sha256(f"{channel or ''}:{account}".encode()).hexdigest()
    return "p_" + digest[:PERSON_ID_CHARS]
