"""One support conversation: what it is about so far (the order and item under
discussion carry over from turn to turn) and its log, with personal data scrubbed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shopformer.privacy.scrub import PiiScrubber


@dataclass
class LoggedTurn:
    role: str  # "customer" or "bot"
    text: str  # scrubbed
    ts: str
    intent: str | None = None
    confidence: float | None = None
    grounds: tuple[str, ...] = ()  # the tools or answers a bot turn stands on

    def to_dict(self) -> dict:
        out = {"role": self.role, "text": self.text, "ts": self.ts}
        if self.intent is not None:
            out.update(intent=self.intent, confidence=round(self.confidence or 0.0, 4))
        if self.grounds:
            out["grounds"] = list(self.grounds)
        return out


@dataclass
class Conversation:
    conversation_id: str
    person_id: str | None = None  # None: an anonymous chat, told nothing about orders
    order_id: str | None = None  # the order under discussion
    item_id: str | None = None  # the item under discussion
    item_choices: list[str] = field(default_factory=list)  # items a message fits equally
    intent: str | None = None  # the latest confident intent
    intent_confidence: float | None = None  # how sure the intent was when it was asked
    question: str | None = None  # the message that asked it (later ones may only add details)
    handed_off: bool = False
    tried: list[str] = field(default_factory=list)  # what the assistant has answered with
    log: list[LoggedTurn] = field(default_factory=list)
    scrubber: PiiScrubber = field(default_factory=PiiScrubber, repr=False)

    def record(self, role: str, text: str, **details) -> LoggedTurn:
        turn = LoggedTurn(role, self.scrubber.scrub(text) or "", _now(), **details)
        self.log.append(turn)
        return turn

    def customer_turns(self) -> int:
        return sum(turn.role == "customer" for turn in self.log)

    def to_dict(self) -> dict:
        return {"conversation_id": self.conversation_id, "person_id": self.person_id,
                "order_id": self.order_id, "item_id": self.item_id, "intent": self.intent,
                "question": self.scrubber.scrub(self.question),
                "handed_off": self.handed_off, "tried": list(self.tried),
                "turns": [turn.to_dict() for turn in self.log]}

    def save(self, directory: Path) -> Path:
        """The scrubbed log as `<conversation_id>.json` in `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.conversation_id)
        path = directory / f"{safe}.json"
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1))
        return path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
