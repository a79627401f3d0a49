"""Documents given once (一证通办) at the hall node: the kiosks' questions "which documents did
this citizen give before?", waiting for the sync agent to ask central, and its answers.

The agent is the hall's only link to central: it long-polls the node for questions
(``GET /api/v1/sync/reuse-questions``), asks central and posts each answer back
(``POST /api/v1/sync/reuse-answers``). The kiosk's call waits at most
:data:`ANSWER_WAIT_S`; without an answer by then (central or the agent unreachable) it is told
``unavailable`` and the citizen photographs the documents instead. A question names the
citizen only by the keyed hash of the ID number.

The documents offered are remembered for :data:`OFFER_TTL_S`, so that a submission reusing
one is checked against the same citizen and material here before it goes out (central checks
again when it links them).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

#: How long the kiosk's question waits for central's answer.
ANSWER_WAIT_S = 4.0
#: An agent that has not asked for questions for this long is taken to be away.
AGENT_AWAY_S = 30.0
#: How long the documents offered to a citizen may be reused in a submission.
OFFER_TTL_S = 3600.0


@dataclass
class Question:
    """One kiosk's question: the citizen's keyed ID hash, the materials that may be reused,
    and the hall's date (a document valid until that day is still valid)."""

    id: str
    id_hash: str
    materials: list[str]
    today: str
    answer: list[dict[str, Any]] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    handed_out: bool = False

    def public(self) -> dict[str, Any]:
        """What the agent sends central."""
        return {"id": self.id, "id_hash": self.id_hash, "materials": self.materials,
                "today": self.today}


class ReuseDesk:
    """The questions waiting for the agent and the documents offered (one event loop)."""

    def __init__(self) -> None:
        self._questions: dict[str, Question] = {}
        self._new = asyncio.Event()
        self._agent_seen = -1e9
        self._offered: dict[str, tuple[str, str, float]] = {}  # doc_id -> (hash, material, t)

    def agent_present(self) -> bool:
        """Whether the agent asked for questions lately."""
        return time.monotonic() - self._agent_seen < AGENT_AWAY_S

    async def ask(self, id_hash: str, materials: list[str], today: str,
                  wait: float = ANSWER_WAIT_S) -> list[dict[str, Any]] | None:
        """Central's documents for the citizen, or None when no answer came in ``wait``."""
        question = Question(secrets.token_hex(8), id_hash, materials, today)
        self._questions[question.id] = question
        self._new.set()
        try:
            await asyncio.wait_for(question.answered.wait(), wait)
        except TimeoutError:
            return None
        finally:
            self._questions.pop(question.id, None)
        now = time.monotonic()
        for doc in question.answer or []:
            self._offered[doc["doc_id"]] = (id_hash, doc["material_id"], now)
        return question.answer

    async def questions(self, wait: float) -> list[dict[str, Any]]:
        """Questions not yet handed to the agent, waiting up to ``wait`` s for one."""
        self._agent_seen = time.monotonic()
        if not any(not q.handed_out for q in self._questions.values()):
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), wait)
            except TimeoutError:
                pass
        self._agent_seen = time.monotonic()
        fresh = [q for q in self._questions.values() if not q.handed_out]
        for question in fresh:
            question.handed_out = True
        return [q.public() for q in fresh]

    def answer(self, question_id: str, documents: list[dict[str, Any]]) -> bool:
        """The agent's answer; False when the kiosk stopped waiting."""
        question = self._questions.get(question_id)
        if question is None:
            return False
        wanted = set(question.materials)
        question.answer = [d for d in documents if d["material_id"] in wanted]
        question.answered.set()
        return True

    def offered_material(self, doc_id: str, id_hash: str) -> str | None:
        """The material of a document offered to this citizen lately, or None."""
        now = time.monotonic()
        self._offered = {k: v for k, v in self._offered.items() if now - v[2] < OFFER_TTL_S}
        found = self._offered.get(doc_id)
        return found[1] if found is not None and found[0] == id_hash else None
