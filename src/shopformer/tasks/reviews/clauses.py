"""A review → its clauses, the unit an aspect and its sentiment belong to.

"物流很快，但是包装破了" praises the delivery and blames the packaging: one polarity per
review would lose both. Clauses end at sentence and clause punctuation (Chinese and
Western) and before a contrast word ("but", "但是", "不过"), which starts a new clause.
"""

from __future__ import annotations

import re

from shopformer.tasks.search.analyze import normalize

# Clause punctuation; a full stop only when not inside a number ("2.5 kg").
_BREAK = re.compile(r"[，,。！!？?；;\n…~～]+|(?<!\d)\.(?!\d)|\s-\s")
_CONTRAST = re.compile(r"\s*(?=\b(?:but|however|although|though|yet)\b"
                       r"|(?<!不)但(?!愿)|不过|可是|然而|就是(?=有点|太|不))")


def clauses(text: str) -> list[str]:
    """Non-empty clauses of a review, normalized (NFKC, lower case), in order."""
    out = []
    for part in _BREAK.split(normalize(text)):
        for piece in _CONTRAST.split(part):
            piece = piece.strip(" '\"“”‘’()（）[]【】")
            if piece:
                out.append(piece)
    return out
