"""``python -m warroom.cli``."""

import sys

from warroom.cli.app import main

sys.exit(main())
