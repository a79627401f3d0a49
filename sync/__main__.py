"""``python -m sync``: the central service and the sync agent without the hallq CLI."""

import sys

from sync.cli import main

sys.exit(main())
