"""The bundle's ``warroom-cli`` (or, asked with ``--render-worker``, the sandboxed
template renderer)."""

import sys

if sys.argv[1:2] == ["--render-worker"]:
    from warroom.renderworker import main as worker

    sys.exit(worker(sys.argv[2:]))

from warroom.cli import main  # noqa: E402

sys.exit(main())
