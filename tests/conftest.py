"""Shared test set-up: offscreen Qt, and no test may leave a warning unnoticed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc

import pytest

#: Fixtures shared across the tree, each module a pytest plugin in ``tests/helpers/``.
pytest_plugins = ("tests.helpers.hall_fixtures", "tests.helpers.hall_servers",
                  "tests.helpers.device_fixtures", "tests.helpers.central_db",
                  "tests.helpers.log_check", "tests.helpers.browser",
                  "tests.helpers.central_office",
                  "tests.helpers.submission_stack")
#: Helpers that assert, imported by the tests (pytest rewrites their asserts as the tests').
pytest.register_assert_rewrite("tests.helpers.engine_steps", "tests.helpers.fake_halls",
                              "tests.helpers.caller_steps")


#: Tests that share one thing of the machine are marked ``machine_shared``: ``make test`` runs
#: the others on two pytest-xdist workers, then these in one process, one at a time. The
#: docs' commands use port 8470 and the repository's folder; PC/SC tests share pcscd and vpcd's
#: first reader.
SHARED_FILES = frozenset({"test_doc_commands.py", "test_smartcard_pcsc.py",
                          "test_smartcard_apdu.py", "test_doctor.py", "test_deb_units.py"})
SHARED_FIXTURES = frozenset({"pcscd", "vcard", "vpcd_reader"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that share a thing of the machine."""
    for item in items:
        if item.path.name in SHARED_FILES or SHARED_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.machine_shared)


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
