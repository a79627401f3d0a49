"""The wall display's view-model: events and API reads in, what the screen shows out."""

from display.viewmodel import DisplayModel, ThemeLine, pause_reason, wait_text, windows_touched
from hall.events import EventKind
from tests.helpers.clocks import SecondsClock
from tests.helpers.events import called, event, windows_read


def test_a_call_is_shown_highlighted_and_announced() -> None:
    clock = SecondsClock()
    model = DisplayModel(clock=clock, highlight_s=8)
    outcome = model.apply(called("A001", "3", 1))
    assert outcome.changed and outcome.reload_services
    assert outcome.announce == ("A001", "3")
    [call] = model.current_calls(5)
    assert (call.number, call.window) == ("A001", "3")
    assert model.highlighted(call) and model.any_highlighted()
    clock.now += 9
    assert not model.highlighted(call) and not model.any_highlighted()


def test_newest_call_first_and_the_board_keeps_one_call_per_window() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "3", 1))
    model.apply(called("B001", "14", 2))
    model.apply(called("A002", "3", 3))
    assert [(c.number, c.window) for c in model.current_calls(5)] == [("A002", "3"),
                                                                     ("B001", "14")]
    assert [c.number for c in model.current_calls(1)] == ["A002"]
    assert [c.number for c in model.recent] == ["A002", "B001", "A001"]


def test_recall_highlights_again_and_moves_to_the_top_of_recent() -> None:
    clock = SecondsClock()
    model = DisplayModel(clock=clock)
    model.apply(called("A001", "3", 1))
    model.apply(called("B001", "14", 2))
    clock.now += 30
    outcome = model.apply(event(EventKind.TICKET_RECALLED, 3, ticket="t-A001", number="A001",
                                window="3", recalls=1))
    assert outcome.announce == ("A001", "3")
    assert model.current["3"].recalls == 1 and model.highlighted(model.current["3"])
    assert [c.number for c in model.recent] == ["A001", "B001"]


def test_finish_no_show_and_transfer_clear_the_window() -> None:
    model = DisplayModel(clock=SecondsClock())
    for seq, (number, window) in enumerate((("A001", "1"), ("A002", "2"), ("A003", "3")), 1):
        model.apply(called(number, window, seq))
    model.apply(event(EventKind.TICKET_FINISHED, 4, ticket="t-A001", number="A001", window="1"))
    model.apply(event(EventKind.TICKET_NO_SHOW, 5, ticket="t-A002", number="A002", window="2"))
    model.apply(event(EventKind.TICKET_TRANSFERRED, 6, ticket="t-A003", number="A003",
                      from_window="3", theme="B", to_window=None))
    assert model.current == {}
    assert [c.number for c in model.recent] == ["A003", "A002", "A001"]


def test_an_undone_no_show_is_shown_at_its_window_again_without_a_call() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A002", "2", 1))
    model.apply(event(EventKind.TICKET_NO_SHOW, 2, ticket="t-A002", number="A002", window="2"))
    assert "2" not in model.current
    outcome = model.apply(event(EventKind.TICKET_NO_SHOW_UNDONE, 3, ticket="t-A002",
                                number="A002", theme="A", window="2", staff="S001",
                                called_at=1.0, recalls=1))
    assert outcome.changed and outcome.announce is None
    assert model.current["2"].number == "A002" and model.current["2"].window == "2"
    assert [c.number for c in model.recent] == ["A002"]


def test_an_event_for_an_older_ticket_leaves_the_current_call() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A002", "1", 2))
    outcome = model.apply(event(EventKind.TICKET_FINISHED, 3, ticket="t-A001", number="A001",
                                window="1"))
    assert not outcome.changed and model.current["1"].number == "A002"


def test_history_is_shown_but_neither_highlighted_nor_announced() -> None:
    model = DisplayModel(clock=SecondsClock())
    outcome = model.apply(called("A001", "3", 1), live=False)
    assert outcome.announce is None
    assert not model.highlighted(model.current["3"])


def test_paused_windows_follow_window_events() -> None:
    model = DisplayModel(clock=SecondsClock())
    assert model.apply(event(EventKind.WINDOW_PAUSED, 1, window="5", status="paused")).changed
    assert model.paused == {"5"}
    assert not model.apply(event(EventKind.WINDOW_PAUSED, 2, window="5", status="paused")).changed
    model.apply(event(EventKind.WINDOW_RESUMED, 3, window="5", status="open"))
    assert model.paused == set()
    model.apply(event(EventKind.WINDOW_CLOSED, 4, window="6", status="closed"))
    assert model.paused == set()


def test_recent_is_bounded() -> None:
    model = DisplayModel(clock=SecondsClock(), max_recent=3)
    for seq in range(1, 8):
        model.apply(called(f"A{seq:03d}", str(seq), seq))
    assert [c.number for c in model.recent] == ["A007", "A006", "A005"]


def test_load_windows_takes_the_hall_state_and_window_names() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A009", "2", 1))
    model.load_windows(windows_read(w1="A001"))
    assert model.loaded
    assert [(c.number, c.window) for c in model.current_calls(5)] == [("A001", "1")]
    assert model.paused == {"2"}
    assert model.window_name("1", "zh") == "1号窗口"
    assert model.window_name("1", "en") == "Window 1"
    assert model.window_name("77", "zh") == "77号窗口"


def test_load_windows_keeps_what_events_said_during_the_read() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A002", "1", 5))
    model.load_windows(windows_read(w1="A001", w3="A003"), keep={"1"})
    assert model.current["1"].number == "A002"
    assert model.current["3"].number == "A003"


def test_load_windows_keeps_a_known_call_with_its_highlight() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "1", 1))
    model.load_windows(windows_read(w1="A001"))
    assert model.highlighted(model.current["1"])


def test_services_and_hall_name() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.load_hall({"name_zh": "福田区政务服务中心", "name_en": "Futian",
                     "timezone": "Asia/Shanghai"})
    model.load_services([{"prefix": "A", "name_zh": "商事登记", "name_en": "Business",
                          "waiting": 4, "expected_wait_s": 750, "items": []}])
    assert model.hall_name("en") == "Futian" and model.timezone == "Asia/Shanghai"
    [line] = model.themes
    assert (line.prefix, line.waiting, line.expected_wait_s) == ("A", 4, 750)


def test_revision_grows_with_every_change() -> None:
    model = DisplayModel(clock=SecondsClock())
    before = model.revision
    model.apply(called("A001", "1", 1))
    model.set_connected(True)
    assert model.revision == before + 2
    model.set_connected(True)
    assert model.revision == before + 2


def test_personal_data_in_an_event_is_not_kept() -> None:
    model = DisplayModel(clock=SecondsClock())
    sneaky = called("A001", "1", 1)
    sneaky["data"]["id_masked"] = "4403**********1234"
    sneaky["data"]["name"] = "张三"
    model.apply(sneaky)
    assert "4403" not in repr(model) and "张三" not in repr(model)


def test_wait_text_says_what_the_hall_says() -> None:
    assert wait_text(ThemeLine("A", "", "", 4, 720, "about"), "zh") == "约 12 分钟"
    assert wait_text(ThemeLine("A", "", "", 4, 720, "about"), "en") == "about 12 min"
    assert wait_text(ThemeLine("A", "", "", 0, 0, "now"), "zh") == "马上办理"
    assert wait_text(ThemeLine("A", "", "", 0, None, "no_window"), "en") \
        == "no window serving this now"


def test_windows_touched() -> None:
    assert windows_touched(called("A001", "3", 1)) == {"3"}
    assert windows_touched(event(EventKind.TICKET_TRANSFERRED, 2, from_window="4",
                                 to_window="5")) == {
        "4"}
    assert windows_touched(event(EventKind.TICKET_ISSUED, 3, number="A001")) == set()


def test_an_expired_or_cancelled_ticket_leaves_its_window() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "1", 1))
    assert model.apply(event(EventKind.TICKET_EXPIRED, 2, ticket="t-A001", number="A001",
                             theme="A")).changed
    assert model.current == {}


def test_a_new_day_starts_with_no_calls() -> None:
    model = DisplayModel(clock=SecondsClock(), timezone="Asia/Shanghai")
    day = 1_800_000_000.0
    model.apply(called("A009", "1", 1) | {"ts": day})
    model.apply(called("B003", "14", 2) | {"ts": day + 60})
    assert len(model.recent) == 2
    model.apply(event(EventKind.TICKET_ISSUED, 3, ts=day + 86_400, number="A001"))
    assert model.recent == [] and model.current == {}
    assert model.day == model.day_of(day + 86_400)


# ---------------------------------------------------------------------- what became of a call
def test_a_no_show_is_marked_in_the_history_and_listed_as_missed() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "1", 1))
    model.apply(called("A002", "2", 2))
    model.apply(event(EventKind.TICKET_NO_SHOW, 3, ticket="t-A001", number="A001", window="1"))
    assert [(c.number, c.outcome) for c in model.recent] == [("A001", "no_show"),
                                                             ("A002", "")]
    assert model.place_name(model.recent[0], "zh") == "1号窗口"
    assert [(m.number, m.window) for m in model.missed] == [("A001", "1")]


def test_an_undone_no_show_is_a_call_again_and_no_longer_missed() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "1", 1))
    model.apply(event(EventKind.TICKET_NO_SHOW, 2, ticket="t-A001", number="A001", window="1"))
    outcome = model.apply(event(EventKind.TICKET_NO_SHOW_UNDONE, 3, ticket="t-A001",
                                number="A001", window="1", theme="A", staff=None,
                                called_at=1.0, recalls=1))
    assert outcome.changed and outcome.announce is None
    assert model.missed == [] and model.recent[0].outcome == ""
    assert model.current["1"].number == "A001"


def test_a_no_show_back_in_line_leaves_the_missed_list_and_may_not_check_in_twice() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.load_hall({"max_recheckins": 1})
    model.apply(called("A001", "1", 1))
    model.apply(event(EventKind.TICKET_NO_SHOW, 2, ticket="t-A001", number="A001", window="1"))
    assert model.apply(event(EventKind.TICKET_RECHECKED_IN, 3, ticket="t-A001", number="A001",
                             theme="A", ahead=3)).changed
    assert model.missed == [] and model.recent[0].outcome == "rechecked"
    model.apply(called("A001", "4", 4))
    model.apply(event(EventKind.TICKET_NO_SHOW, 5, ticket="t-A001", number="A001", window="4"))
    assert model.missed == [], "its one re-check-in is used: the desk cannot check it in again"
    assert model.recent[0].outcome == "no_show"


def test_missed_numbers_are_today_s_only() -> None:
    model = DisplayModel(clock=SecondsClock(), timezone="Asia/Shanghai")
    model.apply(called("A001", "1", 1, ticket="t-1"))
    model.apply(event(EventKind.TICKET_NO_SHOW, 2, ticket="t-1", number="A001", window="1"))
    assert len(model.missed) == 1
    model.apply(called("A001", "1", 3, ticket="t-2") | {"ts": 86_400.0 * 2})
    assert model.missed == []


def test_a_transfer_says_where_the_citizen_waits_now_not_a_call() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.load_services([{"prefix": "B", "name_zh": "工程建设", "name_en": "Construction projects",
                          "waiting": 2, "expected_wait_s": 600}])
    model.apply(called("A003", "3", 1))
    model.apply(called("A004", "4", 2))
    model.apply(event(EventKind.TICKET_TRANSFERRED, 3, ticket="t-A003", number="A003",
                      from_window="3", theme="B", to_window=None))
    model.apply(event(EventKind.TICKET_TRANSFERRED, 4, ticket="t-A004", number="A004",
                      from_window="4", theme="A", to_window="14"))
    by_window, by_theme = model.recent[:2]
    assert (by_theme.number, by_theme.outcome) == ("A003", "transferred")
    assert model.transfer_to(by_theme, "zh") == "B 工程建设"
    assert model.transfer_to(by_theme, "en") == "B Construction projects"
    assert model.transfer_to(by_window, "zh") == "14号窗口"
    assert model.missed == [] and model.current == {}


def test_the_window_board_tells_idle_from_calling_serving_and_paused() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.load_windows(windows_read(w1="A001"))
    model.apply(event(EventKind.WINDOW_OPENED, 1, window="4", status="open"))
    model.apply(called("A002", "3", 2))
    model.apply(event(EventKind.TICKET_SERVING, 3, ticket="t-A002", number="A002", window="3"))
    board = {t.window: (t.state, t.number) for t in model.window_board()}
    assert board == {"1": ("called", "A001"), "2": ("paused", ""), "3": ("serving", "A002"),
                     "4": ("idle", "")}
    model.apply(event(EventKind.TICKET_FINISHED, 4, ticket="t-A002", number="A002",
                      window="3"))
    assert {t.window: t.state for t in model.window_board()}["3"] == "idle", "not 服务中"
    model.apply(event(EventKind.WINDOW_CLOSED, 5, window="4", status="closed"))
    assert "4" not in {t.window for t in model.window_board()}


def test_a_pause_s_reason_is_shown_when_the_event_carries_one() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(event(EventKind.WINDOW_OPENED, 1, window="9", status="open"))
    assert model.apply(event(EventKind.WINDOW_PAUSED, 2, window="9", status="paused",
                             reason="lunch")).changed
    [tile] = model.window_board()
    assert (tile.state, tile.reason) == ("paused", "lunch")
    assert (pause_reason(tile.reason, "zh"), pause_reason(tile.reason, "en")) == (
        "午休", "Lunch break")      # the console's labels (hall/window_states.py)
    assert pause_reason("meeting", "en") == "In a meeting"
    assert pause_reason("培训班", "zh") == "培训班"    # an unknown reason as it came
    model.apply(event(EventKind.WINDOW_RESUMED, 3, window="9", status="open"))
    assert [(t.state, t.reason) for t in model.window_board()] == [("idle", "")]


def test_a_window_serving_another_hall_by_video_is_not_idle() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(event(EventKind.WINDOW_OPENED, 1, window="30", status="open"))
    common = {"window": "30", "lease": "L", "home": "H2", "ticket": "x", "number": "B001",
              "theme": "B"}
    model.apply(event(EventKind.WINDOW_REMOTE, 2, **common, state="serving"))
    assert [t.state for t in model.window_board()] == ["remote"]
    model.apply(event(EventKind.WINDOW_REMOTE_FREE, 3, **common, state="done"))
    assert [t.state for t in model.window_board()] == ["idle"]


def test_the_hall_read_gives_the_phone_ticketing_address() -> None:
    model = DisplayModel()
    model.load_hall({"name_zh": "大厅", "phone_ticketing_url": "https://x.example/qh",
                     "max_recheckins": 2})
    assert (model.phone_ticketing_url, model.max_recheckins) == ("https://x.example/qh", 2)
