"""``python -m scripts.cost``: see :mod:`scripts.cost.cli`."""

import sys

from scripts.cost.cli import main

sys.exit(main())
