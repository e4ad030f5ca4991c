"""``make dev``: run the agent locally on 127.0.0.1:8080 with the AgentCore Runtime HTTP contract.

    python -m scripts.dev_server [--port 8080] [--host 127.0.0.1]

Offline by default when no AWS credentials are found; memory in ``.local/memory``. See local_dev/server.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The agent's own root (the deployed zip root) is not a package of this repo; put it on the path.
sys.path.insert(0, str(REPO_ROOT / "agent_src"))

from local_dev.server import DEFAULT_HOST, DEFAULT_PORT, serve  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    parser.add_argument("--host", default=DEFAULT_HOST)
    args = parser.parse_args(argv)
    serve(port=args.port, host=args.host)


if __name__ == "__main__":
    main()
