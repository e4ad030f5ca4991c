"""The contract between the rooms of an AgentCore app: every value two of them share has its one home here.

The constructs (which set things up), the agent (which reads env vars and memory namespaces), the tool Lambdas (which
emit metrics and receive the caller) and the local stand-ins all import these modules. Pure Python, standard library
only: :class:`~agentcore_constructs.runtime.AgentRuntime` ships this package into the agent bundle and
:class:`~agentcore_constructs.python_function.PythonArm64Function` into every Lambda asset.

* :mod:`.env_vars` — environment variables the constructs set on the Runtime and the agent reads, with their allowed
  values and bounds (the app config, ``AgentRuntime`` and the agent's settings all check against them);
* :mod:`.invocation` — the ``/invocations`` request: the runtime session header;
* :mod:`.tools` — the reserved caller argument, tool naming, the tool metrics namespace and dimensions;
* :mod:`.tool_schema` — the inline tool-schema rules ``ToolGateway`` and the tool Lambdas' declarations both apply;
* :mod:`.identity` — OAuth scope names and the default resource-server id;
* :mod:`.memory` — AgentCore Memory long-term namespaces; a turn not stored: the response field and header, the metric;
* :mod:`.streaming` — the streamed answer on ``/invocations`` (Server-Sent Events): its media type and event fields;
* :mod:`.release` — the release state the endpoint rollback function writes and the deploy guard reads;
* :mod:`.tool_policy` — the Cedar policy files ``ToolPolicy`` deploys and the local gateway evaluates.

:data:`CONTRACT_VERSION` changes whenever a name or meaning here changes incompatibly; the agent bundle and the
infrastructure must be built from the same contract version (see the library's versioning policy).
"""

from __future__ import annotations

CONTRACT_VERSION = "1"
