"""A test fails when it logs a warning or an error it did not declare (a pytest plugin of
``tests/conftest.py``).

A warning in the log is a fault a technician would read; a test that causes one on purpose
says so with ``@pytest.mark.allow_log("regex", ...)``: each record at WARNING or above whose
message (or logger name) no pattern matches fails the test at teardown. Qt's own warnings fail
a test through pytest-qt (``qt_log_level_fail`` in ``pyproject.toml``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest


class _Recorder(logging.Handler):
    """Keeps every record at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def unexpected(records: list[logging.LogRecord], patterns: list[str]) -> list[str]:
    """The records no pattern allows, as ``LEVEL logger: message`` lines."""
    allowed = [re.compile(pattern) for pattern in patterns]
    lines = []
    for record in records:
        message = record.getMessage()
        if not any(p.search(message) or p.search(record.name) for p in allowed):
            lines.append(f"{record.levelname} {record.name}: {message}")
    return lines


@pytest.fixture(autouse=True)
def _fail_on_unexpected_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Record the test's warnings and errors; fail it on any it did not allow."""
    recorder = _Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield
    finally:
        root.removeHandler(recorder)
    patterns = [p for marker in request.node.iter_markers("allow_log") for p in marker.args]
    lines = unexpected(recorder.records, patterns)
    if lines:
        pytest.fail("unexpected warnings in the log (mark the test allow_log if meant):\n  "
                    + "\n  ".join(lines[:20]), pytrace=False)
