"""Keeping Python's garbage collector from stalling the hall node.

A full (generation 2) collection walks every object the process holds. With a city centre's
line in memory (60,000 tickets waiting in ``bench/bench_scale.py``) each one took 60–215 ms
and found nothing to free, and every request waited for it: at 200 clients the p99 was 171 ms
and the rate in the last tenth 0.84 of the first (2026-12-07, idle machine). Objects that
survived a full collection are long-lived (the day's tickets, the app, the imports), so after
each full collection they are moved to the permanent generation (:func:`gc.freeze`) and later
collections walk only what is new: p99 59 ms, last tenth 0.92 of the first.

Objects frozen are still freed when their last reference goes (reference counting); only a
reference cycle among them would wait. :func:`collect_in_full` unfreezes and collects
everything, which the node does once a day, at night, with the day's other housekeeping.
"""

from __future__ import annotations

import gc
from typing import Any

_installed = False


def _freeze_after_full_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def keep_collections_short() -> None:
    """Collect once, freeze what survived, and freeze again after every full collection
    (for the node's own process: it changes the collector for the whole process)."""
    global _installed
    if _installed:
        return
    gc.collect()
    gc.freeze()
    gc.callbacks.append(_freeze_after_full_collection)
    _installed = True


def collect_in_full() -> int:
    """Once :func:`keep_collections_short` runs: walk every object once (reference cycles
    among long-lived objects freed), then freeze again; the number of objects collected.
    Otherwise nothing (tests run nodes in their own process and manage its collector)."""
    if not _installed:
        return 0
    gc.unfreeze()
    collected = gc.collect()
    gc.freeze()
    return collected

