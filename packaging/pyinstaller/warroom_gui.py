"""The bundle's ``warroom``: the window; or, started as ``warroom-cli`` (a link to
this program on Linux), the command line; or, asked with ``--render-worker``, the
sandboxed template renderer (a frozen program has no ``python -m``)."""

import os
import sys

if sys.argv[1:2] == ["--render-worker"]:
    from warroom.renderworker import main as worker

    sys.exit(worker(sys.argv[2:]))

if os.path.basename(sys.argv[0]).startswith("warroom-cli"):
    from warroom.cli import main
else:
    from ui.app import main

sys.exit(main())
