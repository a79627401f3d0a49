"""Shared test set-up: offscreen Qt, and no test may leave a warning unnoticed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
