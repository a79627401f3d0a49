"""What the sync agent's threads share: the link between one hall node and central.

:class:`AgentLink` holds both clients, the durable state (:mod:`sync.agent_state`) and the lock
that guards it, the signal that stops every thread, and what the agent learns on first contact
(the hall's id, where central stands). :class:`Backoff` is the wait between two failed tries
that each thread keeps for itself.
"""

from __future__ import annotations

import logging
import random
import threading

from sync.agent_config import AgentConfig
from sync.agent_state import AgentState, StateFile
from sync.central_client import CentralClient
from sync.hall_client import SyncHallClient

log = logging.getLogger("hallq.sync.agent")


class Backoff:
    """Exponential backoff with jitter, capped."""

    def __init__(self, first: float, cap: float) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        """The delay to wait now; the next one doubles."""
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        """Back to the first delay after a success."""
        self._next = self.first


class AgentLink:
    """One hall node and central as every thread of the agent reaches them. ``state`` is
    changed and saved under ``lock``; ``stopping`` is set when the agent stops."""

    def __init__(self, config: AgentConfig, hall: SyncHallClient, central: CentralClient,
                 state_file: StateFile) -> None:
        self.config = config
        self.hall = hall
        self.central = central
        self.state_file = state_file
        self.state: AgentState = state_file.load()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.hall_id = ""
        """The hall's id, learnt from the node on first contact."""
        self.hall_seq = 0
        """The highest sequence number the hall is known to have."""
        self._aligned = False

    @property
    def acked(self) -> int:
        """The highest sequence number central holds contiguously (as last heard)."""
        return self.state.acked_seq

    def save(self) -> None:
        """Write the state file (under the lock)."""
        with self.lock:
            self.state_file.save(self.state)

    def prepare(self) -> None:
        """Learn the hall's id and where central stands, and hand central the hall's public
        link key (once, on first contact)."""
        if not self.hall_id:
            health = self.hall.health()
            self.hall_id = health["hall_id"]
            self.hall_seq = max(self.hall_seq, health.get("last_seq", 0))
            if self.state.hall_id not in ("", self.hall_id):
                log.warning("state dir belonged to another hall; starting afresh")
                self.state = AgentState()
            self.state.hall_id = self.hall_id
        if not self._aligned:
            at_central = self.central.sync_state(self.hall_id)["acked"]
            if at_central != self.state.acked_seq:
                log.info("central holds up to %d, state file said %d; resuming from central",
                         at_central, self.state.acked_seq)
                self.state.acked_seq = at_central
                self.save()
            # central's public phone pages check the hall's tokens with this key
            self.central.put_phone_key(self.hall_id, self.hall.phone_key())
            self._aligned = True
