"""The sync agent's small durable state, a JSON file in its state directory.

It holds the last sequence number central acknowledged, the catalog version already fetched,
which of the day's appointments were handed to the hall and up to when the progress of the
hall's submissions was brought to it. Written atomically (temporary
file, fsync, rename), so a crash leaves the old or the new state, never half of one. Central
stays the authority on what it holds: a stale ``acked_seq`` only makes the agent resend
events central then ignores.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AgentState:
    """What the agent remembers between runs."""

    hall_id: str = ""
    acked_seq: int = 0
    catalog_version: int = 0
    pushed_appointments: dict[str, float] = field(default_factory=dict)  # code -> updated_at
    progress_after: float = 0.0     # central's updated_at of the last progress handed over


class StateFile:
    """Load and save :class:`AgentState` at ``state_dir/state.json``."""

    def __init__(self, state_dir: Path | str) -> None:
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "state.json"

    def load(self) -> AgentState:
        """The saved state, or a fresh one."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return AgentState()
        return AgentState(**{k: v for k, v in data.items() if k in AgentState.__annotations__})

    def save(self, state: AgentState) -> None:
        """Write the state durably."""
        write_json_atomic(self.path, asdict(state))


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON: all of it or nothing."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
