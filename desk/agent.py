"""The desk's helper at work: it reads the desk's ID-card reader and tells the hall of each
new card, prints the tickets the desk's page issues or asks to reprint, and says every 20 s
that it and its devices are alive (the supervisor sees a reader or printer fault).

A card resting on the reader is told once; it is told again after it was lifted. What to print is
followed on the event stream from the moment the agent starts (a ticket asked for while it was
down is not printed later, when nobody waits for it). Nothing of a card but the masked number
is ever logged.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from desk.reprint import reprint_content
from devices.base import DeviceError, DeviceState
from devices.idcard.serial_reader import IdCardReader
from devices.printer.drivers import TicketPrinter
from hall.client import EventStream, HallApiError, HallClient

log = logging.getLogger("hallq.desk")

#: Seconds between two heartbeats.
HEARTBEAT_S = 20.0
#: Seconds one read of the reader waits for a card.
READ_S = 0.5


class DeskAgent:
    """One desk's reader and printer, for the hall at ``url`` with the desk's ``token``."""

    def __init__(self, url: str, token: str, reader: IdCardReader | None,
                 printer: TicketPrinter | None) -> None:
        self.client = HallClient(url, token)
        self.url, self.token = url, token
        self.reader, self.printer = reader, printer
        self.name = self.client.desk()["name"]
        self.hall = self.client.hall()
        self._card_on_reader: str | None = None
        self.states: dict[str, tuple[DeviceState, str]] = {}
        self.printed: list[str] = []            # ticket ids, for the technician and the tests

    # ------------------------------------------------------------------ the reader
    def read_card(self) -> bool:
        """Read the reader once; tell the hall of a card newly put on it. Whether one was
        told."""
        if self.reader is None:
            return False
        try:
            card = self.reader.read_card(timeout=READ_S)
        except DeviceError as failed:
            self._state("idcard", DeviceState.ERROR, failed)
            time.sleep(READ_S)
            return False
        self._state("idcard", DeviceState.READY)
        number = card.id_number if card is not None else None
        if number is None or number == self._card_on_reader:
            self._card_on_reader = number
            return False
        self._card_on_reader = number
        try:
            answer = self.client.desk_card(number)
        except HallApiError as refused:
            log.warning("the hall refused the card: %s", refused.message_en)
            return False
        log.info("card %s at %s: %d ticket(s) today", answer["id_masked"], self.name,
                 answer["tickets_today"])
        return True

    # ------------------------------------------------------------------ the printer
    def on_event(self, event: dict) -> None:
        """Print a ticket the desk's page issued or asked to reprint at this desk."""
        data = event["data"]
        if event["kind"] == "ticket.printed" and data.get("printer") == self.name:
            self.print_ticket(data["ticket"], bool(data.get("reprint")))

    def print_ticket(self, ticket_id: str, reprint: bool = True) -> bool:
        """Print the ticket as it stands now (a ``reprint`` marked 补打); a printer fault is
        told to the hall."""
        if self.printer is None:
            log.warning("%s to print, but this desk has no printer", ticket_id)
            return False
        try:
            ticket = self.client.ticket(ticket_id)
        except HallApiError as lost:
            log.warning("%s to print: the hall did not answer: %s", ticket_id,
                        lost.message_en)
            return False
        content = reprint_content(ticket, self.hall, datetime.now(UTC), reprint)
        try:
            state = self.printer.print_ticket(content)
        except DeviceError as failed:
            self._state("printer", DeviceState.ERROR, failed)
            self.client.device_status("printer", str(failed.code), self.name,
                                      f"{failed.message_zh} / {failed.message_en}")
            return False
        self._state("printer", state)
        self.printed.append(ticket_id)
        return True

    # ------------------------------------------------------------------ running
    def heartbeat(self) -> None:
        """Tell the hall this desk and its devices are alive."""
        devices = [{"device": kind, "state": state.value, "detail": detail}
                   for kind, (state, detail) in self.states.items()]
        try:
            self.client.heartbeat(time.time(), devices, where=self.name)
        except HallApiError as lost:
            log.info("heartbeat not delivered: %s", lost)

    def run(self, stop: threading.Event) -> None:
        """Read cards and print reprints until ``stop`` is set."""
        after = self.client.events(limit=1)["last_seq"]
        stream = EventStream(self.url, self.token, self.on_event, after=after).start()
        next_beat = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() >= next_beat:
                    self.heartbeat()
                    next_beat = time.monotonic() + HEARTBEAT_S
                if self.reader is None:
                    stop.wait(READ_S)
                else:
                    self.read_card()
        finally:
            stream.stop()
            self.client.close()

    def _state(self, kind: str, state: DeviceState, failed: DeviceError | None = None) -> None:
        detail = f"{failed.code}: {failed.message_en}" if failed else ""
        if self.states.get(kind, (None, ""))[0] != state and failed is not None:
            log.warning("%s at %s: %s", kind, self.name, detail)
        self.states[kind] = (state, detail)
