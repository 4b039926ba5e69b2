"""Whether a message is like anything the intent model learned from.

An intent model chooses among the shop's intents, whatever it is asked: on the demo shop,
whose chats are about orders, refunds, returns and products, "有什么优惠活动吗" (any
promotions?) read as refund_status at 0.89 and was answered with the refund policy, and
"可以开发票吗" (an invoice?) too; "do you ship on weekends?" asked for an order number.
Its probabilities say which intent is likeliest, not whether any is.

A message's typicality is its n-gram cosine to the nearest training message of the intent
it was read as. The floor is the `quantile` of the held-out messages' typicality (each
against the training messages of the intent it was read as): by construction only that
share of messages like the shop's own falls below it, while a question the shop's chats
never asked shares few n-grams with any of them. It is at most CEILING: a shop whose chats
repeat a few phrasings (the demo's templates) put it at 0.72, and a plain "怎么退货" (0.40
to the nearest return request) was not typical. Below the floor, the assistant treats the
intent as unsure, unless the message names an order: only the policy file or a known
answer may answer, else a person does.

Measured (n-gram cosine; the numbers in docs/support.md): BANKING77 trained on 67 of its
77 intents, the floor from its held-out share at 0.386 (5 %): 3.9 % of the test messages
of the 67 fall below it, and 40.5 % of those of the 10 intents it never saw. Questions the
demo shop's chats never asked (promotions, invoices, payment methods, weekend shipping)
read 0.13–0.39; its own intents' short paraphrases 0.40–0.49.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse

from shopformer.core.errors import ConfigError

PER_INTENT = 5000  # training messages kept per intent (a seeded sample beyond)
CEILING = 0.4  # the floor at most (module doc)


class Typicality:
    def __init__(self, rows: sparse.csr_matrix, labels: np.ndarray, floor: float) -> None:
        self.rows, self.labels, self.floor = rows.tocsr(), np.asarray(labels, np.int64), floor

    @classmethod
    def held_out_floor(cls, train: sparse.csr_matrix, train_labels: np.ndarray,
                       held: sparse.csr_matrix, held_read_as: np.ndarray, quantile: float
                       ) -> float:
        """The floor: the `quantile` of the held-out messages' typicality."""
        if not 0 < quantile < 1:
            raise ConfigError("intents: novelty_quantile must be in (0, 1), or 0 for none")
        scores = cls(train, train_labels, 0.0).scores(held, held_read_as)
        return min(float(np.quantile(scores, quantile)), CEILING)

    @classmethod
    def of(cls, rows: sparse.csr_matrix, labels: np.ndarray, floor: float,
           seed: int) -> Typicality:
        """The training messages to compare with, at most PER_INTENT per intent."""
        rng = np.random.default_rng(seed)
        kept = []
        for label in np.unique(labels):
            mine = np.flatnonzero(labels == label)
            kept.append(mine if len(mine) <= PER_INTENT
                        else np.sort(rng.choice(mine, PER_INTENT, replace=False)))
        keep = np.concatenate(kept) if kept else np.zeros(0, np.int64)
        return cls(rows[keep], labels[keep], floor)

    def scores(self, rows: sparse.csr_matrix, read_as: np.ndarray) -> np.ndarray:
        """Each row's cosine to the nearest kept message of the intent it was read as (rows
        are unit length, as the n-gram vectorizer writes them)."""
        out = np.zeros(rows.shape[0])
        for label in np.unique(read_as):
            mine = self.rows[self.labels == label]
            asked = np.flatnonzero(read_as == label)
            if mine.shape[0] and len(asked):
                out[asked] = (rows[asked] @ mine.T).max(axis=1).toarray().ravel()
        return out

    def typical(self, rows: sparse.csr_matrix, read_as: np.ndarray) -> np.ndarray:
        return self.scores(rows, read_as) >= self.floor

    def grown(self, width: int, rows: sparse.csr_matrix, label: int) -> Typicality:
        """With a new intent's examples (`add_intent`), the vocabulary grown to `width`."""
        old = sparse.csr_matrix((self.rows.data, self.rows.indices, self.rows.indptr),
                                shape=(self.rows.shape[0], width))
        return Typicality(sparse.vstack([old, rows]).tocsr(),
                          np.append(self.labels, np.full(rows.shape[0], label)), self.floor)

    def state(self) -> dict[str, torch.Tensor]:
        return {"typical.data": torch.from_numpy(self.rows.data.astype(np.float32)),
                "typical.indices": torch.from_numpy(self.rows.indices.astype(np.int64)),
                "typical.indptr": torch.from_numpy(self.rows.indptr.astype(np.int64)),
                "typical.labels": torch.from_numpy(self.labels),
                "typical.shape": torch.tensor(self.rows.shape, dtype=torch.int64)}

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor], floor: float) -> Typicality:
        rows = sparse.csr_matrix((state["typical.data"].numpy(),
                                  state["typical.indices"].numpy(),
                                  state["typical.indptr"].numpy()),
                                 shape=tuple(state["typical.shape"].tolist()))
        return cls(rows, state["typical.labels"].numpy(), floor)
