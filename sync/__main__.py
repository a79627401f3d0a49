"""``python -m sync``: the sync agent without the hallq launcher."""

import sys

from sync.cli import main

sys.exit(main())
