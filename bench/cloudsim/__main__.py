"""``python -m bench.cloudsim cloud --scenario … --policy …`` (as ``hallq bench cloud``)."""

import sys

from bench.cloudsim.cli import main

sys.exit(main())
