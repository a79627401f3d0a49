"""The desk's helper (``hallq desk-agent``) against a real hall node, with the simulated GA 467
ID-card reader (on a pty, speaking its serial protocol) and the simulated ESC/POS printer (on
TCP): a card put on the reader opens the citizen's tickets on the page of the staff member
signed in at that desk, once per card; a number issued on the page for a citizen without a
card, and a reprint, come out of that desk's printer (the copy marked 补打), and another desk's
do not."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desk.agent import DeskAgent
from devices.idcard.samples import RESIDENT
from devices.registry import open_device
from hall.idnumber import mask
from tests.helpers.hall_servers import Hall

DESK = "test-desk"


def signed_in(hall: Hall, desk: str | None = DESK) -> tuple[httpx.Client, str]:
    """A browser-like client signed in as S001 at ``desk``, and its CSRF token."""
    http = hall.http()
    form = http.get("/staff/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    answer = http.post("/staff/sign-in", headers={"origin": hall.url}, data={
        "csrf": token.group(1), "staff_id": "S001", "pin": "1234", "desk": desk or ""})
    assert answer.status_code == 303
    page = http.get("/desk")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    return http, csrf.group(1)


@pytest.fixture
def agent(hall: Hall, tmp_path: Path) -> Iterator[DeskAgent]:
    """The desk's agent with an empty simulated reader and a simulated printer."""
    reader = open_device("sim://idcard?card=none")
    printer = open_device(f"sim://printer?out={tmp_path / 'paper'}")
    made = DeskAgent(hall.url, hall.tokens["desk"], reader, printer)
    yield made
    made.client.close()
    reader.close()
    printer.close()


def test_a_card_on_the_reader_opens_on_the_desks_page_once(hall: Hall, agent: DeskAgent
                                                            ) -> None:
    ticket = hall.client("kiosk").issue("A", id_number=RESIDENT.id_number)
    http, _ = signed_in(hall)
    assert http.get("/desk/card", params={"after": 0}).json() == {}
    assert agent.read_card() is False                      # nothing on the reader yet
    agent.reader.simulator.insert(RESIDENT)                # type: ignore[union-attr]
    assert agent.read_card() is True
    assert agent.read_card() is False                      # still resting there: told once
    go = http.get("/desk/card", params={"after": 0}).json()["go"]
    page = http.get(go)
    assert ticket["number"] in page.text
    assert mask(RESIDENT.id_number) in page.text
    assert RESIDENT.id_number not in page.text             # masked only
    agent.reader.simulator.remove()                        # type: ignore[union-attr]
    assert agent.read_card() is False
    agent.reader.simulator.insert(RESIDENT)                # type: ignore[union-attr]
    assert agent.read_card() is True                       # lifted and put back: told again


def test_a_card_at_another_desk_does_not_open_here(hall: Hall, agent: DeskAgent) -> None:
    http, _ = signed_in(hall, desk=None)                    # signed in without a desk
    agent.reader.simulator.insert(RESIDENT)                # type: ignore[union-attr]
    assert agent.read_card() is True
    assert http.get("/desk/card", params={"after": 0}).json() == {}


def test_a_reprint_comes_out_of_this_desks_printer(hall: Hall, agent: DeskAgent) -> None:
    ticket = hall.client("kiosk").issue("A")
    stop = threading.Event()
    running = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    running.start()
    try:
        http, csrf = signed_in(hall)
        answer = http.post(f"/desk/tickets/{ticket['id']}/reprint", data={"csrf": csrf},
                           headers={"origin": hall.url})
        assert answer.status_code == 303
        printed = agent.printer.simulator.wait_tickets(1, timeout=10)   # type: ignore[union-attr]
        assert ticket["number"] in printed[0].text
        assert "补打" in printed[0].text
        deadline = time.monotonic() + 5
        while not agent.printed and time.monotonic() < deadline:   # the printer confirms
            time.sleep(0.02)
        assert agent.printed == [ticket["id"]]
    finally:
        stop.set()
        running.join(timeout=10)


def test_a_number_issued_at_the_desk_comes_out_of_its_printer(hall: Hall, agent: DeskAgent
                                                              ) -> None:
    stop = threading.Event()
    running = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    running.start()
    try:
        http, csrf = signed_in(hall)
        answer = http.post("/desk/issue", data={"csrf": csrf, "service": "B"},
                           headers={"origin": hall.url})
        assert answer.status_code == 303
        printed = agent.printer.simulator.wait_tickets(1, timeout=10)   # type: ignore[union-attr]
        assert "B001" in printed[0].text and "补打" not in printed[0].text
        assert "过号请到服务台重新签到" in printed[0].text
    finally:
        stop.set()
        running.join(timeout=10)


def test_another_desks_reprint_is_not_printed_here(hall: Hall, agent: DeskAgent,
                                                   tmp_path: Path) -> None:
    hall.server.node.store.pair("desk", "desk-2")
    ticket = hall.client("kiosk").issue("A")
    stop = threading.Event()
    running = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    running.start()
    try:
        http, csrf = signed_in(hall, desk="desk-2")
        http.post(f"/desk/tickets/{ticket['id']}/reprint", data={"csrf": csrf},
                  headers={"origin": hall.url})
        reprinted = [e for e in hall.client("admin").events()["events"]
                     if e["kind"] == "ticket.printed"]
        assert reprinted[-1]["data"]["printer"] == "desk-2"
        time.sleep(0.5)                 # the stream delivered it by now; nothing printed here
        assert agent.printed == []
    finally:
        stop.set()
        running.join(timeout=10)


@pytest.mark.allow_log(r"printer at test-desk: printer\.paper_out")
def test_a_printer_out_of_paper_is_told_to_the_hall(hall: Hall, tmp_path: Path) -> None:
    printer = open_device(f"sim://printer?out={tmp_path / 'paper'}&paper=out")
    agent = DeskAgent(hall.url, hall.tokens["desk"], None, printer)
    try:
        ticket = hall.client("kiosk").issue("A")
        assert agent.print_ticket(ticket["id"]) is False
        told = [e["data"] for e in hall.client("admin").events()["events"]
                if e["kind"] == "device.status"]
        assert told[-1]["device"] == "printer" and told[-1]["where"] == DESK
        assert told[-1]["state"] == "printer.paper_out"
        assert "缺纸" in told[-1]["detail"]
    finally:
        agent.client.close()
        printer.close()
