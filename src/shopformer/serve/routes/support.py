"""The support assistant: one message in, a grounded reply or a hand-off out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from shopformer.serve.auth import require
from shopformer.serve.schemas import ChatIn, ChatOut, HandoffOut, ModelVersion, problems
from shopformer.serve.state import CONVERSATIONS_KEPT

router = APIRouter(prefix="/v1/support", tags=["support"])


@router.post("/chat", response_model=ChatOut, dependencies=[Depends(require("read"))],
             responses=problems(400, 401, 403, 409, 422, 429, 503),
             summary="Answer a customer message in a conversation (kept by its id)")
def chat(body: ChatIn, request: Request) -> ChatOut:
    from shopformer.tasks.support.conversation import Conversation

    state = request.app.state.serving
    served = state.support()  # built again when policy.md or faq.jsonl changed
    person = state.asking_person(body.account, body.channel, where="body")
    with state.lock:
        conversation = state.conversations.get(body.conversation_id)
        if conversation is None:
            conversation = Conversation(body.conversation_id, person_id=person)
            state.conversations[body.conversation_id] = conversation
            while len(state.conversations) > CONVERSATIONS_KEPT:
                state.conversations.popitem(last=False)
        elif conversation.person_id != person:
            raise HTTPException(409, "this conversation belongs to another person")
        state.conversations.move_to_end(body.conversation_id)
        reply = served.value.reply(conversation, body.message, item_id=body.item_id,
                                   order_id=body.order_id)
    return ChatOut(conversation_id=body.conversation_id, text=reply.text, intent=reply.intent,
                   confidence=reply.confidence, grounds=list(reply.grounds),
                   handoff=HandoffOut(reason=reply.handoff.reason,
                                      summary=reply.handoff.summary) if reply.handoff else None,
                   model=ModelVersion(**served.answering))
