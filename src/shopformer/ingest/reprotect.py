"""Rows stored under older privacy rules, protected by today's.

Unmapped columns whose names say they are personal are pseudonymized at the door
(`privacy/columns.py`). When that list learns a name (Billing Street, 收货人姓名,
reviewer_name, ip_address), rows stored before keep the column as written — personal data
readable in the store — and a file keyed by its content (a review export without review
ids) ingested again after the upgrade would be stored twice, its new pseudonyms making new
keys. On opening a store whose rows follow older rules, those columns are pseudonymized in
place, as the door does now, and rows keyed by their content are keyed anew.
"""

from __future__ import annotations

import json
import logging
import re

import pyarrow as pa

from shopformer.ingest.pipeline import namespace_of
from shopformer.privacy.columns import looks_personal
from shopformer.privacy.pseudonymize import Pseudonymizer
from shopformer.schema.records import RECORDS
from shopformer.storage.base import Store

log = logging.getLogger(__name__)
PRIVACY_RULES = "2"  # raise when `looks_personal` learns names (1: before 2026-12-06)
RULES_KEY = "privacy_rules"
PSEUDONYM = re.compile(r"^[a-z]_[0-9a-f]{24}$")


def reprotect(store: Store, pseudonymizer: Pseudonymizer) -> dict[str, int]:
    """Rows changed per kind (nothing when the store follows today's rules already)."""
    if store.meta(RULES_KEY) == PRIVACY_RULES:
        return {}
    changed = {}
    for kind in RECORDS:
        names = sorted(n for n in store.extra_names(kind) if looks_personal(n))
        if not names:
            continue
        rows = store.rows_with_extra(kind, names).to_pylist()
        key = RECORDS[kind].key
        updated = []
        for row in rows:
            extra = json.loads(row["extra"])
            fresh = {name: pseudonymizer.one(str(value), namespace_of(name))
                     if name in names and value not in (None, "")
                     and not PSEUDONYM.match(str(value)) else value
                     for name, value in extra.items()}
            if fresh != extra:
                updated.append({key: row[key],
                                "extra": json.dumps(fresh, ensure_ascii=False)})
        if updated:
            changed[kind] = store.replace_extras(kind, pa.Table.from_pylist(updated))
            log.warning("%d stored %s rows held columns now known to be personal (%s): "
                        "pseudonymized", changed[kind], kind, ", ".join(names))
    store.set_meta(RULES_KEY, PRIVACY_RULES)
    return changed
