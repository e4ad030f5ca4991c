"""AgentCore Runtime entry point (the zip root). Configuration comes from the environment contract."""

import os
import sys

from support_agent.app import app

if __name__ == "__main__":
    # The Runtime calls this on 8080; a port argument or PORT is for local runs only.
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8080"))
    app.run(port=port)
