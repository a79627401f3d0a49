"""A stand-in for the apps' background runner (``ui.tasks``), for tests of work still in
flight: where the real runner starts each job on a worker thread at once, this one keeps the
jobs until the test runs them, on the test's thread, in the order they came."""

from __future__ import annotations

from collections.abc import Callable


class Later:
    """A runner that keeps jobs until the test runs them (work still in flight)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable, Callable, Callable]] = []

    def __call__(self, job: Callable, done: Callable, failed: Callable) -> None:
        self.jobs.append((job, done, failed))

    def run_all(self) -> None:
        """Run every job kept so far, handing its result to ``done`` or its error to
        ``failed``."""
        jobs, self.jobs = self.jobs, []
        for job, done, failed in jobs:
            try:
                result = job()
            except Exception as err:
                failed(err)
            else:
                done(result)
