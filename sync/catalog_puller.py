"""The sync agent's puller thread: what central holds for the hall, down to it.

It fetches the hall's catalog (written to ``<state dir>/catalog.json``; applying it to the
running node is the hall's business) and the day's appointments (handed to the hall with
``HallClient.save_appointment``) every ``pull_every_s``. It also notices when central holds
less than it acknowledged and has the pusher send the rest again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from hall.client import HallApiError
from sync.agent_link import AgentLink, Backoff
from sync.agent_state import write_json_atomic
from sync.central_client import CentralApiError

log = logging.getLogger("hallq.sync.agent")


class CatalogPuller:
    """Pulls the catalog and the day's appointments.
    ``wake_pusher`` is called when central turns out to miss events it had acknowledged."""

    def __init__(self, link: AgentLink, wake_pusher: Callable[[], None]) -> None:
        self.link = link
        self._wake_pusher = wake_pusher
        self._timezone: ZoneInfo | None = None

    def _hall_day(self) -> str:
        if self._timezone is None:
            self._timezone = ZoneInfo(self.link.hall.hall()["timezone"])
        return datetime.now(self._timezone).date().isoformat()

    def pull_once(self) -> dict[str, int]:
        """Fetch the catalog and today's appointments; ``{"catalog": version, "handed": n}``.
        Also notices when central holds less than it acknowledged (restored, or it lost its
        last asynchronous commits in a crash) and makes the pusher send the rest again."""
        self.link.prepare()
        self._check_central_holds()
        version = self._pull_catalog()
        handed = self._pull_appointments()
        return {"catalog": version, "handed": handed}

    def _check_central_holds(self) -> None:
        link = self.link
        # Only what central acknowledged before this question must be there: the pusher may
        # have a batch acknowledged while the question is on its way.
        with link.lock:
            acked_before = link.state.acked_seq
        held = link.central.sync_state(link.hall_id)["acked"]
        with link.lock:
            if held < acked_before:
                log.warning("central holds up to %d, not %d; sending the rest again", held,
                            acked_before)
                link.state.acked_seq = held
                link.save()
                self._wake_pusher()

    def _pull_catalog(self) -> int:
        link = self.link
        try:
            published = link.central.catalog(link.hall_id)
        except CentralApiError as err:
            if err.status == 404:
                return 0
            raise
        if published["version"] != link.state.catalog_version:
            write_json_atomic(link.config.state_dir / "catalog.json", published)
            with link.lock:
                link.state.catalog_version = published["version"]
                link.save()
            log.info("catalog version %d fetched", published["version"])
        return published["version"]

    def _pull_appointments(self) -> int:
        link = self.link
        listed = link.central.day_list(link.hall_id, self._hall_day())
        handed = 0
        pushed = link.state.pushed_appointments
        for item in listed:
            if pushed.get(item["code"]) == item["updated_at"]:
                continue
            if item["status"] == "booked":
                try:
                    link.hall.save_appointment(item["code"], item["service"], item["slot_start"],
                                               item["slot_end"], item["id_hash"])
                    handed += 1
                except HallApiError as err:
                    if err.status in (0, 503) or err.status >= 500:
                        raise
                    log.warning("hall refused appointment %s: %s", item["code"], err.code)
            elif item["code"] in pushed:
                log.warning("appointment %s was cancelled; the hall cannot drop it yet",
                            item["code"])
            pushed[item["code"]] = item["updated_at"]
        with link.lock:
            link.state.pushed_appointments = {c: pushed[c] for c in
                                              {i["code"] for i in listed} if c in pushed}
            link.save()
        return handed

    def run(self) -> None:
        """The thread: pull every ``pull_every_s``."""
        config, stopping = self.link.config, self.link.stopping
        backoff = Backoff(config.min_backoff_s, config.max_backoff_s)
        next_pull = 0.0
        while not stopping.is_set():
            try:
                if time.monotonic() >= next_pull:
                    self.pull_once()
                    next_pull = time.monotonic() + config.pull_every_s
                backoff.reset()
                stopping.wait(min(config.poll_s, config.pull_every_s))
            except (HallApiError, CentralApiError) as err:
                log.info("sync pull/upload: %s", err)
                stopping.wait(backoff.next())
            except Exception:
                log.exception("sync pull/upload failed")
                stopping.wait(backoff.next())
