"""Worker threads that report back to the Qt thread."""

from __future__ import annotations

import itertools
import threading

from ui.tasks import Tasks, run_now


def test_results_and_errors_come_back_on_the_qt_thread(qtbot) -> None:
    tasks = Tasks(workers=2)
    main = threading.current_thread()
    seen: list[tuple[str, object, bool]] = []
    try:
        tasks.run(lambda: threading.current_thread() is not main,
                  lambda value: seen.append(("done", value, threading.current_thread() is main)))
        tasks.run(lambda: 1 / 0, None,
                  lambda err: seen.append(("error", type(err).__name__,
                                           threading.current_thread() is main)))
        qtbot.waitUntil(lambda: tasks.pending == 0, timeout=3000)
    finally:
        tasks.close()
    assert sorted(seen) == [("done", True, True), ("error", "ZeroDivisionError", True)]


def test_a_poller_delivers_what_it_finds_until_closed(qtbot) -> None:
    tasks = Tasks()
    counter = itertools.count()
    found: list[int] = []
    tasks.poll("test", lambda: n if (n := next(counter)) % 2 else None, 0.01, found.append)
    qtbot.waitUntil(lambda: len(found) >= 3, timeout=3000)
    tasks.close()
    qtbot.wait(50)
    settled = len(found)
    qtbot.wait(50)
    assert len(found) == settled and all(n % 2 for n in found)
    tasks.run(lambda: 1, found.append)  # refused once closed
    assert tasks.pending == 0


def test_run_now_runs_in_the_caller() -> None:
    out: list[object] = []
    run_now(lambda: 2, out.append, out.append)
    run_now(lambda: {}["x"], out.append, lambda err: out.append(type(err)))
    assert out == [2, KeyError]
