"""Shared test set-up: offscreen Qt, and no test may leave a warning unnoticed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    """Free reference cycles here, after each test: Qt objects freed by the garbage collector
    on a worker thread can crash the process."""
    yield
    gc.collect()
