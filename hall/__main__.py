"""``python -m hall`` is ``hallq``."""

import sys

from hall.cli import main

sys.exit(main())
