"""Logging of hallq's long-running commands (hall node, central, sync agent): one line a record,
with the time, level and the subsystem's logger name (``hallq.node``, ``hallq.sync.agent``…).

Personal data never reaches a log: ID numbers and names are not passed to loggers anywhere."""

from __future__ import annotations

import logging


def setup_logging(verbose: bool = False) -> None:
    """Log INFO and above to standard error (DEBUG with ``verbose``)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request at INFO: a sync agent's would fill the journal (~8 MB a day)
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)
