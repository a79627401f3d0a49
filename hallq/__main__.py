"""``python -m hallq`` is ``hallq``."""

import sys

from hallq.cli import main

sys.exit(main())
