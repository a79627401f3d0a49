"""``python -m central``: the central platform without the hallq launcher."""

import sys

from central.cli import main

sys.exit(main())
