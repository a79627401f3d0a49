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
                  "tests.helpers.phone_browser")
#: Helpers that assert, imported by the tests (pytest rewrites their asserts as the tests').
pytest.register_assert_rewrite("tests.helpers.engine_steps", "tests.helpers.fake_halls",
                              "tests.helpers.caller_steps")


#: Tests that share one thing of the machine run on one pytest-xdist worker, one at a time
#: (``make test`` runs two workers with ``--dist loadgroup``): the docs' commands use port
#: 8470 and the repository's folder; PC/SC tests share pcscd and vpcd's first reader.
SHARED_BY_FILE = {"test_doc_commands.py": "port-8470", "test_smartcard_pcsc.py": "pcsc",
                  "test_smartcard_apdu.py": "pcsc", "test_doctor.py": "pcsc",
                  "test_deb_units.py": "pcsc"}
SHARED_BY_FIXTURE = {"pcscd": "pcsc", "vcard": "pcsc", "vpcd_reader": "pcsc"}


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests that share a thing of the machine in one xdist group."""
    for item in items:
        group = SHARED_BY_FILE.get(item.path.name) or next(
            (g for name, g in SHARED_BY_FIXTURE.items()
             if name in getattr(item, "fixturenames", ())), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


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
