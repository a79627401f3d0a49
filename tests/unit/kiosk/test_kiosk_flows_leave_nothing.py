"""A self-service submission leaves nothing behind in the kiosk: after twelve of them, from the
card to the printed receipt, the kiosk holds as many widgets, Qt objects, timers, connections,
threads and Python wrappers of Qt objects as after the second. And the kiosk benchmark's touches
are timed to the next screen drawn, with Qt's event loop turning as in the app (the bench once
drove the screens without it: the events Qt posts for each new page piled up in the thread's
posted-event list, and the kiosk seemed to grow 0.09 MB per submission).

The real kiosk model and view, shown, with the app's four workers, the simulated ID-card
reader, document camera (through cv2.VideoCapture) and ESC/POS printer over TCP."""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import SIGNAL, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from bench.bench_kiosk_submission import BenchKiosk, Touches, open_kiosk
from kiosk.submission import Step
from kiosk.submission_screens import FILLED


@pytest.fixture
def kiosk(qtbot) -> Iterator[BenchKiosk]:
    """The bench's kiosk, smaller (a 960x540 window and camera) to keep the test quick."""
    opened = open_kiosk(window=(960, 540), camera="960x540")
    qtbot.addWidget(opened.view)
    yield opened
    opened.tasks.close()
    opened.devices.close()


def submission(kiosk: BenchKiosk, touch: Touches) -> None:
    """The card to the printed receipt: the bench's touches, the form filled at once."""
    model = kiosk.model
    touch("start", lambda: model.start_submission("C07"))
    touch("card", lambda: kiosk.tasks.run(kiosk.devices.read_card, model.card_read))
    flow = model.submission
    assert flow is not None
    for key, value in FILLED.items():
        flow.form.activate(key)
        flow.form.set_value(value)
    touch("next", flow.form_done)
    while flow.step == Step.PHOTOS:
        touch("photo", flow.take_photo)
        if flow.photos.current is not None:
            touch("keep", flow.keep_photo)
    touch("review", flow.review_done)
    touch("consent", lambda: flow.set_consent(True))
    touch("submit", flow.submit)
    assert flow.step == Step.RECEIPT and model.print_state == "printed"
    touch("done", model.reset)


def _from_pyside(kind: type) -> bool:
    """Whether a type is one of PySide6's wrappers (a type made by another test's metaclass
    may have no ``__module__`` string at all)."""
    module = getattr(kind, "__module__", None)
    return isinstance(module, str) and module.startswith("PySide6")


def held_by(kiosk: BenchKiosk) -> dict[str, Any]:
    """What a kiosk holds that a flow could leave behind."""
    wrappers = Counter(type(o).__name__ for o in gc.get_objects()
                       if _from_pyside(type(o)))
    return {"widgets": len(QApplication.allWidgets()),
            "Qt objects under the view": len(kiosk.view.findChildren(QObject)),
            "timers": len(kiosk.view.findChildren(QTimer)),
            "workers' connections": kiosk.tasks.receivers(SIGNAL("_outcome(PyObject)")),
            "model's listeners": len(kiosk.model._listeners),
            # the app's pool starts up to four workers as it needs them
            "threads but the workers": sorted(t.name for t in threading.enumerate()
                                              if not t.name.startswith("kiosk-worker")),
            "Python wrappers of Qt objects": wrappers}


def test_submissions_leave_no_widget_timer_connection_or_thread_behind(
        kiosk: BenchKiosk) -> None:
    touch = Touches(kiosk.tasks)
    printer = kiosk.devices.printer
    submission(kiosk, touch)
    submission(kiosk, touch)
    gc.collect()
    after_two = held_by(kiosk)
    for _ in range(10):
        submission(kiosk, touch)
    gc.collect()
    assert held_by(kiosk) == after_two
    assert sum(t.name.startswith("kiosk-worker") for t in threading.enumerate()) <= 4
    assert len(printer.simulator.tickets) == 12  # every receipt printed


class Paints(QObject):
    """Counts the paint events of the widgets in a view."""

    def __init__(self, view: QWidget) -> None:
        super().__init__()
        self.view = view
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Count a paint of the view or of a widget in it."""
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) \
                and (watched is self.view or self.view.isAncestorOf(watched)):
            self.count += 1
        return False


def test_each_touch_of_the_bench_ends_with_its_screen_drawn(kiosk: BenchKiosk) -> None:
    touch = Touches(kiosk.tasks)
    paints = Paints(kiosk.view)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(paints)
    try:
        touch("start", lambda: kiosk.model.start_submission("C07"))
        assert paints.count > 0
        drawn = paints.count
        touch("card", lambda: kiosk.tasks.run(kiosk.devices.read_card,
                                              kiosk.model.card_read))
    finally:
        app.removeEventFilter(paints)
    flow = kiosk.model.submission
    assert flow is not None and flow.step == Step.FORM  # the card came from a worker
    assert paints.count > drawn
    citizen = kiosk.model.citizen
    assert citizen is not None
    chips = [w.text() for w in kiosk.view.findChildren(QLabel, "masked_id")]
    assert chips == [f"证件 {citizen.masked_id}"] and "*" in citizen.masked_id
    # the pages before are gone, not hidden and waiting for an event loop to delete them
    assert len(kiosk.view.findChildren(QWidget, "page")) == 1
