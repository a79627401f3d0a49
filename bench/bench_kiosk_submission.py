"""The kiosk's own time in a self-service submission of a three-page item, and its memory
after 100 submissions.

The real kiosk view-model and view (Qt offscreen, a shown 1920x1080 window) run as the kiosk app
runs them: device reads, photos and printing on the app's worker threads (``ui.tasks.Tasks``,
four workers, as ``kiosk.app.KioskWindow``), and Qt's event loop turning between touches (the
workers' outcomes delivered, pages rebuilt and painted, posted events handled). The simulated
devices: the ID-card reader (GA 467 protocol over a pty), the document camera (a 1920x1080 MJPG
video of each page blurred then sharp, read through cv2.VideoCapture, found, straightened and
checked by OpenCV) and the ESC/POS printer over TCP. The hall is an in-process stand-in
answering at once (the hall node's and central's part are measured by their own benchmarks).
The citizen of the bench makes every touch the example hall's C07 asks for — the card, 27 keys
and a choice on the form, "next", three pages each shot blurred once then again and kept,
review, consent, submit — and for each touch the kiosk's time is what it takes from the touch
to the next screen drawn, device I/O included. The citizen's own reading and acting time is
not counted.

Memory: resident memory after each submission, and what of it is still held once glibc gives
back its free pages (``malloc_trim``). The event loop matters here: driving the screens without
it (only deleting the old pages) left every other event Qt posts for the new widgets in the
thread's posted-event list, which Qt compacts only when it sends all posted events; that list
grew ~2 KB per page built (+8 MB over 90 submissions) while the kiosk itself, with its loop
running, holds steady.

Run: ``.venv/bin/python -m bench.bench_kiosk_submission [--submissions 100]``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize
from PySide6.QtWidgets import QApplication

from devices.camera.simulator import open_sim_url as open_camera
from devices.idcard.simulator import open_sim_url as open_reader
from devices.printer.simulator import open_sim_url as open_printer
from kiosk.devices import KioskDevices
from kiosk.submission import Step
from kiosk.submission_screens import sample_receipt
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel, KioskSettings
from ui.qt import ensure_app
from ui.samples import sample_hall, sample_services
from ui.tasks import Tasks

TYPED = {"phone": "13800138000", "amount": "86000", "contract_date": "20240501"}


class InstantHall:
    """A hall client that answers at once: the hall, its services with guides, no documents
    given before, and the sample receipt for every submission."""

    def hall(self) -> dict:
        """The example hall."""
        return dict(sample_hall())

    def services(self, guide: bool = False) -> list[Any]:
        """The example hall's services with their guides (asked for or not)."""
        return sample_services(guide=True)

    def reusable_documents(self, id_number: str, item: str,
                           appointment_id: str | None = None) -> list[dict]:
        """Nothing given before."""
        return []

    def submit_submission(self, *args: Any, **kwargs: Any) -> dict:
        """The sample receipt."""
        return sample_receipt()


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux)."""
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def held_mb() -> float:
    """Resident memory once glibc has given back the free pages of its heap (``malloc_trim``):
    what is still in use, without the fragmentation that resident memory also counts."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


def settle(tasks: Tasks) -> None:
    """Turn Qt's event loop as the app's own loop does until a touch's work is done: every
    worker's outcome delivered, the page rebuilt and painted, the old page deleted and every
    event posted on the way handled."""
    app = QCoreApplication.instance()
    assert app is not None
    while tasks.pending:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    app.processEvents()  # the page's rebuild (a zero timer), then its paint
    QCoreApplication.sendPostedEvents()  # what the rebuild posted: old page's deletion, layout
    app.processEvents()


class Touches:
    """Times each touch: the model's work (devices on the workers included) and the next
    screen drawn."""

    def __init__(self, tasks: Tasks) -> None:
        self.tasks = tasks
        self.times: dict[str, list[float]] = {}

    def __call__(self, what: str, action: Callable[[], Any]) -> None:
        start = time.perf_counter()
        action()
        settle(self.tasks)
        self.times.setdefault(what, []).append(time.perf_counter() - start)


@dataclass
class BenchKiosk:
    """The kiosk of the bench: its model, shown view, workers and simulated devices."""

    model: KioskModel
    view: KioskView
    tasks: Tasks
    devices: KioskDevices


def open_kiosk(window: tuple[int, int] = (1920, 1080), camera: str = "1920x1080"
               ) -> BenchKiosk:
    """The kiosk's model and view shown at ``window`` over the simulated devices (a document
    camera of ``camera`` pixels), with four workers as the kiosk app has; settled on its first
    screen. Whoever opens it closes ``tasks`` and ``devices``."""
    ensure_app()
    devices = KioskDevices(id_reader=open_reader("sim://idcard?card=resident"),
                           printer=open_printer("sim://printer"),
                           document_camera=open_camera(f"sim://camera?document=3&size={camera}"))
    tasks = Tasks(workers=4, name="kiosk-worker")
    model = KioskModel(InstantHall(), devices, KioskSettings(name="bench"),  # type: ignore[arg-type]
                       run=tasks.run)
    model.start()
    view = KioskView(model)
    view.resize(QSize(*window))
    view.show()
    settle(tasks)
    return BenchKiosk(model, view, tasks, devices)


def one_submission(model: KioskModel, touch: Touches) -> None:
    """The card to the printed receipt, as the citizen touches."""
    touch("start", lambda: model.start_submission("C07"))
    # the card comes from a worker, as from the app's card poller
    touch("card", lambda: touch.tasks.run(model.devices.read_card, model.card_read))
    flow = model.submission
    assert flow is not None and flow.step == Step.FORM
    for key, digits in TYPED.items():
        touch("key", partial(flow.activate, key))
        for digit in digits:
            touch("key", partial(flow.type_key, digit))
    touch("key", lambda: flow.activate("reason"))
    touch("key", lambda: flow.choose("偿还购房贷款"))
    touch("key", lambda: flow.activate("address"))
    touch("key", flow.use_card_address)
    touch("next", flow.form_done)
    while flow.step == Step.PHOTOS:
        touch("photo", flow.take_photo)
        if flow.photos.current is not None:
            touch("keep", flow.keep_photo)
    touch("review", flow.review_done)
    touch("consent", lambda: flow.set_consent(True))
    touch("submit+print", flow.submit)
    assert flow.step == Step.RECEIPT and model.print_state == "printed", model.print_state
    touch("done", model.reset)


def main() -> None:
    """Print the kiosk's time per submission and its memory over ``--submissions``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    args = parser.parse_args()
    kiosk = open_kiosk()
    model, tasks, devices = kiosk.model, kiosk.tasks, kiosk.devices
    touch = Touches(tasks)
    totals: list[float] = []
    memory: list[float] = []
    try:
        for number in range(args.submissions):
            before = sum(sum(t) for t in touch.times.values())
            one_submission(model, touch)
            totals.append(sum(sum(t) for t in touch.times.values()) - before)
            gc.collect()
            resident = rss_mb()
            memory.append(held_mb())
            if number in (0, 9) or (number + 1) % 100 == 0 or number + 1 == args.submissions:
                print(f"after {number + 1:3d} submissions: RSS {resident:.1f} MB, "
                      f"held {memory[-1]:.1f} MB, "
                      f"{len(gc.get_objects())} Python objects, "
                      f"{len(QApplication.allWidgets())} widgets")
    finally:
        tasks.close()
        devices.close()
    touches = sum(len(t) for t in touch.times.values()) // args.submissions
    print(f"kiosk time per submission ({touches} touches, 3 pages, 6 shots): median "
          f"{statistics.median(totals):.2f} s, max {max(totals):.2f} s")
    for what, times in touch.times.items():
        print(f"  {what:13s} median {statistics.median(times) * 1000:7.1f} ms  "
              f"max {max(times) * 1000:7.1f} ms  ({len(times) // args.submissions} per "
              "submission)")
    if len(memory) >= 20:
        print(f"held after 10: {memory[9]:.1f} MB, after {len(memory)}: {memory[-1]:.1f} MB "
              f"(growth {memory[-1] - memory[9]:+.1f} MB; max {max(memory[9:]):.1f} MB)")
    if len(memory) >= 100:
        print(f"held 10th -> 100th: {memory[99] - memory[9]:+.1f} MB; 100th -> {len(memory)}th: "
              f"{memory[-1] - memory[99]:+.1f} MB")


if __name__ == "__main__":
    main()
