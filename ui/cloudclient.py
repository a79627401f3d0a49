"""Whether a hall client makes the cloud-calling calls (云叫号): the real
:class:`~hall.client.HallClient` does; a test's fake may not, and then the apps work as they did
before cloud calling (no offers, no remote calls)."""

from __future__ import annotations

from typing import cast

from hall.client import HallClient


def cloud_calls(client: HallClient | None) -> HallClient | None:
    """``client`` when it makes the cloud calls, else None."""
    return cast(HallClient, client) if hasattr(client, "remote_step") else None
