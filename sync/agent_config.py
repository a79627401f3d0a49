"""The sync agent's settings, and the one check it makes of them before starting: central is
reached over HTTPS (submissions carry citizens' personal data) unless it is on a loopback
address or plain HTTP is explicitly allowed (tests, a trial)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from hall.net import is_loopback


class AgentConfigError(ValueError):
    """The agent was configured in a way that would be unsafe or cannot work."""


@dataclass
class AgentConfig:
    """Settings of the agent; durations in seconds."""

    hall_url: str
    hall_token: str             # a token of role "sync" (``hallq pair --role sync``)
    central_url: str
    credential: str             # this hall's central credential ``hq_…``
    state_dir: Path
    hall_data_dir: Path | None = None   # the node's data dir: its submissions outbox and key
    batch_size: int = 1000      # events per push (and the most held in memory)
    poll_s: float = 1.0         # check the hall this often when its stream is silent
    linger_s: float = 0.5       # after the first new event, wait this long to batch more
    min_backoff_s: float = 0.5
    max_backoff_s: float = 60.0
    pull_every_s: float = 60.0  # catalog and appointments
    report_every_s: float = 2.0
    verify: bool | str = True   # TLS verification: True, or a CA bundle path
    allow_plain_http: bool = False
    follow_stream: bool = True
    relay: bool = True          # cloud calling: the relay and inbox threads
    relay_every_s: float = 0.5
    inbox_wait_s: float = 10.0  # long poll (stopping the agent may wait this long)
    recommend_every_s: float = 15.0
    referral_every_s: float = 5.0
    relay_max_backoff_s: float = 10.0
    progress_every_s: float = 15.0  # submissions: the back office's progress to the node
    reuse_wait_s: float = 1.0       # one long poll of the node's reuse questions (a question
                                    # is answered at once; stopping waits this long at most)


def check_transport(central_url: str, allow_plain_http: bool) -> None:
    """Refuse plain HTTP to central except on loopback or when explicitly allowed."""
    parsed = urlparse(central_url)
    if parsed.scheme == "https" or allow_plain_http or is_loopback(parsed.hostname or ""):
        return
    raise AgentConfigError("central must be reached over https:// (personal data travels "
                           "only over TLS); --allow-plain-http is for trials only")
