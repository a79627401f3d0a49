"""Shared test set-up: offscreen Qt, and no test may leave a warning unnoticed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc

import pytest

#: Fixtures shared across the tree, each module a pytest plugin in ``tests/helpers/``.
pytest_plugins = ("tests.helpers.hall_fixtures", "tests.helpers.hall_servers",
                  "tests.helpers.device_fixtures", "tests.helpers.central_db",
                  "tests.helpers.log_check", "tests.helpers.phone_browser")
#: Helpers that assert, imported by the tests (pytest rewrites their asserts as the tests').
pytest.register_assert_rewrite("tests.helpers.engine_steps", "tests.helpers.fake_halls",
                              "tests.helpers.caller_steps")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far (Qt, FastAPI, numpy, the test modules) out of the
    garbage collector's sight: each test's full collection below then scans only what the
    tests made, which took a minute and a half of the suite's ten otherwise."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    """Free reference cycles here, after each test: Qt objects freed by the garbage collector
    on a worker thread can crash the process."""
    yield
    gc.collect()
