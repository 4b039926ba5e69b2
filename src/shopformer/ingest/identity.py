"""Cross-channel identity: identity links → one stable `person_id` per connected set of accounts.

Union-find over all links; each set is named after its smallest member, so the result depends
only on the set of links — not on their order, nor on how ingest runs split them.
"""

from __future__ import annotations

import pyarrow as pa

from shopformer.schema.identity import default_person_id
from shopformer.storage.base import Store


def resolve_persons(links: pa.Table) -> pa.Table:
    """(channel, account, person_id) for every account that appears in a link."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        root = parent.setdefault(node, node)
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression keeps later finds short
            parent[node], node = root, parent[node]
        return root

    columns = [links.column(n).to_pylist() for n in
               ("channel_a", "account_a", "channel_b", "account_b")]
    for channel_a, account_a, channel_b, account_b in zip(*columns, strict=True):
        root_a, root_b = find((channel_a, account_a)), find((channel_b, account_b))
        if root_a != root_b:  # the smaller member becomes the root: order-independent names
            low, high = sorted((root_a, root_b))
            parent[high] = low
    nodes = sorted(parent)
    roots = [find(node) for node in nodes]
    return pa.table({
        "channel": [n[0] for n in nodes],
        "account": [n[1] for n in nodes],
        "person_id": [default_person_id(*root) for root in roots],
    })


def refresh_persons(store: Store) -> int:
    """Recompute persons from every stored link; returns how many accounts changed person."""
    return store.replace_persons(resolve_persons(store.links()))
