"""One wait figure everywhere: a day driven through the engine, and at many moments every
screen's wait for a theme or a ticket — the kiosk's home and ticket screens, the wall, the
console, the phone page and the ticket the printer simulator printed — against the engine's."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from caller.view import theme_waits
from devices.printer.simulator import EscposPrinterSimulator
from devices.printer.ticket import render_ticket
from display.viewmodel import DisplayModel
from display.viewmodel import wait_text as wall_wait
from hall.engine import Engine
from hall.errors import QueueError
from hall.estimate import Figure, called_first
from hall.state import Ticket, TicketStatus
from hall.views import services_view, ticket_view
from hall.wait_text import wait_sentence, wait_words
from hall.web_phone.state import hall_state
from kiosk.ticketprint import ticket_content
from kiosk.view import wait_text as kiosk_wait
from tests.helpers.hall_fixtures import make_id_number
from ui.look import Look
from ui.samples import sample_hall

LANGS = ("zh", "en")


def engine_words(figure: Figure) -> tuple[str, str]:
    """What the engine's figure says, in both languages."""
    return wait_words(figure.kind.value, figure.seconds)


def check_themes(engine: Engine, now: Any) -> set[str]:
    """Every theme's figure on the kiosk's home screen, the wall and the console."""
    services = services_view(engine, now)
    wall = DisplayModel()
    wall.load_services(services)
    kinds = set()
    for body, line in zip(services, wall.themes, strict=True):
        figure = engine.theme_wait(body["prefix"], now).next_figure()
        kinds.add(figure.kind.value)
        zh, en = engine_words(figure)
        sentence = wait_sentence(figure.kind.value, figure.seconds)
        for lang, words, said in zip(LANGS, (zh, en), sentence, strict=True):
            look = Look(lang=lang)
            assert kiosk_wait(look, body["wait_kind"], body["expected_wait_s"]) == said
            assert wall_wait(line, lang) == words
            console = theme_waits(look, services, [body["prefix"]])
            assert console.endswith(words)
        if body["waiting"] == 0 and figure.kind.value != "no_window":
            assert "分钟" not in zh       # "等候 0 人" never next to minutes
    return kinds


def check_ticket(engine: Engine, ticket: Ticket, now: Any, printer: EscposPrinterSimulator
                 ) -> None:
    """A waiting ticket's figure on the kiosk's ticket screen, its phone page and on paper."""
    ahead = engine.position(ticket, now)
    figure = engine.theme_wait(ticket.theme, now).figure(ahead, called_first(ticket))
    body = ticket_view(engine, ticket, now)
    assert (body["ahead"], body["wait_kind"], body["expected_wait_s"]) \
        == (ahead, figure.kind.value, figure.seconds)
    zh, en = wait_sentence(figure.kind.value, figure.seconds)
    if ahead == 0:
        assert "分钟" not in zh       # "前面还有 0 人" never next to "约 20 分钟"
    assert kiosk_wait(Look(lang="zh"), body["wait_kind"], body["expected_wait_s"]) == zh
    assert kiosk_wait(Look(lang="en"), body["wait_kind"], body["expected_wait_s"]) == en
    page = hall_state(body, engine.config)
    assert (page["ahead"], page["wait_zh"], page["wait_en"]) == (ahead, zh, en)
    session = printer.new_session()
    session.feed(render_ticket(ticket_content(body, sample_hall(), None)))
    printed = printer.tickets[-1]
    assert printed.overflowing == ()
    assert f"{zh} / {en}" in printed.lines or {zh, en} <= set(printed.lines)
    assert f"前面还有 {ahead} 人 / {ahead} ahead" in printed.lines


def step(engine: Engine, now: Any, pick: random.Random, serial: list[int], issuing: bool
         ) -> None:
    """One thing that happens in the hall: a window opens, pauses or closes, a citizen takes a
    number (some elderly; not once ``issuing`` stopped), a window calls or finishes."""
    roll, window = pick.random(), pick.choice(list(engine.config.windows))
    state = engine.state.windows[window]
    try:
        if roll < 0.06:
            engine.open_window(window, now)
        elif roll < 0.09:
            (engine.pause if pick.random() < 0.5 else engine.close_window)(window, now)
        elif roll < 0.11:
            engine.resume(window, now)
        elif roll < 0.35 and issuing:
            serial[0] += 1
            born = date(1945, 1, 1) if pick.random() < 0.2 else date(1990, 1, 1)
            engine.issue(pick.choice(("A", "B", "C")), now,
                         id_number=make_id_number(born, serial=f"{serial[0] % 1000:03d}"))
        elif state.current is None:
            engine.call_next(window, now)
        else:
            engine.finish(window, now)
    except QueueError:
        pass


@pytest.mark.parametrize("seed", [1, 2])
def test_every_screen_shows_the_engines_wait(engine: Engine, clock: Any, seed: int,
                                             tmp_path: Any) -> None:
    pick, serial = random.Random(seed), [0]
    printer = EscposPrinterSimulator(tmp_path)
    kinds: set[str] = set()
    checked = 0
    for moment in range(700):
        now = clock.advance(seconds=pick.choice((5, 20, 60)))
        step(engine, now, pick, serial, issuing=moment < 500)
        if moment % 25:
            continue
        kinds |= check_themes(engine, now)
        waiting = [t for t in engine.state.tickets.values()
                   if t.status is TicketStatus.WAITING]
        for ticket in pick.sample(waiting, min(3, len(waiting))):
            check_ticket(engine, ticket, now, printer)
            checked += 1
    assert kinds >= {"now", "about", "no_window"}    # the day met each case
    assert checked > 40 and len(printer.tickets) == checked


def test_the_findings_of_the_demo_hall(engine: Engine, clock: Any) -> None:
    def said(theme: str) -> tuple[str, str, str]:
        now = clock()
        body = next(s for s in services_view(engine, now) if s["prefix"] == theme)
        wall = DisplayModel()
        wall.load_services([body])
        return (kiosk_wait(Look(lang="zh"), body["wait_kind"], body["expected_wait_s"]),
                wall_wait(wall.themes[0], "zh"), theme_waits(Look(), [body], [theme]))

    # nobody waits, no window open: no number anywhere ("约 2 分钟" before)
    assert said("A") == ("暂无窗口办理此业务", "暂无窗口办理此业务", "商事登记 暂无窗口办理此业务")
    engine.open_window("1", clock())
    # "等候 0 人 · 约 4 分钟" on the kiosk, "0 人 无需等待" on the wall: now both say now
    assert said("A") == ("马上办理", "马上办理", "商事登记 马上办理")
    for _ in range(2):
        engine.issue("A", clock.advance(seconds=1))
    # "2 人 约 60 分钟" with its window open and idle: one is called at once, two services
    # of 12 minutes (the theme's mean) come before a new ticket
    assert said("A") == ("预计等待约 24 分钟", "约 24 分钟", "商事登记 约 24 分钟")
    engine.call_next("1", clock.advance(seconds=1))
    # one waits; window 1 has just begun a service (the node knows when: all of its 12
    # minutes are left, not half), then that citizen's
    assert said("A")[1] == "约 24 分钟"
    engine.open_window("2", clock())
    # a window opening: the figure goes down, never up ("约 2 → 约 24 分钟"); the waiting
    # citizen is called there at once, the new one waits for the first of two services
    assert said("A")[1] == "约 7 分钟"
