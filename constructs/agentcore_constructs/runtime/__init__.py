"""Stage 1: ``AgentRuntime`` — the agent on Amazon Bedrock AgentCore Runtime, least privilege, observable.

Built on the stable ``aws_bedrockagentcore.Runtime`` L2, closing its gaps:

* the L2 grants no ``bedrock:InvokeModel``: we grant it on the configured inference profile and the foundation models
  it routes to (see :mod:`agentcore_constructs.model_access`);
* ``from_code_asset`` zips the folder without dependencies and grants read on the whole CDK assets bucket: we stage
  the zip ourselves with arm64 wheels vendored, and grant ``s3:GetObject`` on that one object (:mod:`.artifact`);
* the L2 adds account-wide log, X-Ray, metrics and workload-identity statements to whatever role it is given: we hand
  it a role it cannot modify and write the statements ourselves, each as narrow as AWS allows (:mod:`.permissions`);
* container images get ``Platform.LINUX_ARM64`` always.

Modules: :mod:`.construct` (the construct: checks, then composes), :mod:`.validation` (every prop check),
:mod:`.options` (the runtime's option types), :mod:`.artifact`, :mod:`.permissions`, :mod:`.network`.
"""

from __future__ import annotations

from agentcore_constructs.aws_facts import ADOT_LAUNCHER
from agentcore_constructs.runtime.construct import AgentRuntime
from agentcore_constructs.runtime.options import (
    LATEST_VERSION,
    PLATFORM_VERSIONS,
    CodeArtifact,
    ContainerArtifact,
    RuntimeArtifactKind,
    VpcPlacement,
)
from agentcore_constructs.runtime.permissions import (
    RUNTIME_METRICS_NAMESPACE,
    SERVICE_PRINCIPAL,
    agentcore_service_principal,
)

__all__ = [
    "ADOT_LAUNCHER",
    "LATEST_VERSION",
    "PLATFORM_VERSIONS",
    "RUNTIME_METRICS_NAMESPACE",
    "SERVICE_PRINCIPAL",
    "AgentRuntime",
    "CodeArtifact",
    "ContainerArtifact",
    "RuntimeArtifactKind",
    "VpcPlacement",
    "agentcore_service_principal",
]
