"""The kiosk's own time in a self-service submission of a three-page item, and its memory
after 100 submissions.

The real kiosk view-model and view (Qt offscreen, 1920x1080) with the simulated devices: the
ID-card reader (GA 467 protocol over a pty), the document camera (a 1920x1080 MJPG video of
each page blurred then sharp, read through cv2.VideoCapture, found, straightened and checked by
OpenCV) and the ESC/POS printer over TCP. The hall is an in-process stand-in answering at once
(the hall node's and central's part are measured by their own benchmarks). The citizen of the
bench makes every touch the example hall's C07 asks for — the card, 27 keys and a choice on the
form, "next", three pages each shot blurred once then again and kept, review, consent, submit —
and for each touch the kiosk's time is what it takes from the touch to the next screen drawn,
device I/O included. The citizen's own reading and acting time is not counted.

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
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize
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

    def reusable_documents(self, id_number: str, item: str) -> list[dict]:
        """Nothing given before."""
        return []

    def submit_submission(self, *args: Any) -> dict:
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


class Touches:
    """Times each touch: the model's work (devices included) and the next screen drawn."""

    def __init__(self, view: KioskView) -> None:
        self.view = view
        self.times: dict[str, list[float]] = {}

    def __call__(self, what: str, action: Callable[[], Any]) -> None:
        start = time.perf_counter()
        action()
        self.view.rebuild()
        # what the event loop does next: the page just replaced is deleted (deleteLater)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.times.setdefault(what, []).append(time.perf_counter() - start)


def one_submission(model: KioskModel, touch: Touches) -> None:
    """The card to the printed receipt, as the citizen touches."""
    touch("start", lambda: model.start_submission("C07"))
    touch("card", lambda: model.card_read(model.devices.read_card()))
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
    ensure_app()
    devices = KioskDevices(id_reader=open_reader("sim://idcard?card=resident"),
                           printer=open_printer("sim://printer"),
                           document_camera=open_camera("sim://camera?document=3"
                                                       "&size=1920x1080"))
    model = KioskModel(InstantHall(), devices, KioskSettings(name="bench"))  # type: ignore[arg-type]
    model.start()
    view = KioskView(model)
    view.resize(QSize(1920, 1080))
    touch = Touches(view)
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
            if number in (0, 9) or number + 1 == args.submissions:
                print(f"after {number + 1:3d} submissions: RSS {resident:.1f} MB, "
                      f"held {memory[-1]:.1f} MB, "
                      f"{len(gc.get_objects())} Python objects, "
                      f"{len(QApplication.allWidgets())} widgets")
    finally:
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


if __name__ == "__main__":
    main()
