"""Which contract variables an agent consumes: what the kit's modules read, and how the agent bundle records it.

``AgentRuntime`` scans the agent's source at synth (``agentcore_constructs.consumption``): the kit modules it imports
(:data:`KIT_CONSUMES`) and the contract variables it names itself. It writes the result into the bundle
(:data:`MANIFEST_FILE`) and onto the runtime resource (:data:`METADATA_KEY`), where the readiness pack compares it
with what the constructs provide: a stage the agent never reads is a stage that is not on. Memory counts only when
the agent calls what wires it (:data:`KIT_MEMORY_CALLABLES`), not when it merely imports the module. What the source
does that no template shows (hard-coded credentials, direct HTTP calls, memory imported but never called) goes onto
the runtime resource as :data:`SOURCE_METADATA_KEY`.
"""

from __future__ import annotations

from agentcore_constructs.contract import env_vars

#: The variables that turn a stage on for the agent, by stage.
STAGE_VARIABLES: dict[str, tuple[env_vars.EnvVar, ...]] = {
    "memory": (env_vars.MEMORY_ID,),
    "gateway": (env_vars.GATEWAY_URL,),
    "identity": (env_vars.AUTH_DISCOVERY_URL,),
}
_IDENTITY = (
    env_vars.AUTH_DISCOVERY_URL,
    env_vars.AUTH_ALLOWED_CLIENTS,
    env_vars.AUTH_ALLOWED_AUDIENCES,
    env_vars.AUTH_REQUIRED_SCOPE,
)
_RUNTIME = (*_IDENTITY, *env_vars.LIMITS, env_vars.LOG_LEVEL, env_vars.ENVIRONMENT_NAME)
_MODEL = (
    env_vars.MODEL_PROVIDER,
    env_vars.MODEL_ID,
    env_vars.MODEL_REGION,
    *env_vars.RETRY_SIGNAL,
)
_FRAMEWORK = (*_RUNTIME, *_MODEL, env_vars.MEMORY_ID, env_vars.GATEWAY_URL)

#: Kit module -> the contract variables an agent that imports it consumes.
KIT_CONSUMES: dict[str, tuple[env_vars.EnvVar, ...]] = {
    "agentcore_constructs.kit.strands": (*_FRAMEWORK, env_vars.OUTBOUND_OAUTH_PROVIDER, env_vars.OUTBOUND_OAUTH_SCOPES),
    "agentcore_constructs.kit.langgraph": _FRAMEWORK,
    "agentcore_constructs.kit.runtime": _RUNTIME,
    "agentcore_constructs.kit.auth": _IDENTITY,
    "agentcore_constructs.kit.guard": _IDENTITY,
    "agentcore_constructs.kit.identity": _IDENTITY,
    "agentcore_constructs.kit.memory": (env_vars.MEMORY_ID, *env_vars.RETRY_SIGNAL),
    "agentcore_constructs.kit.gateway": (env_vars.GATEWAY_URL, env_vars.RETRY_MAX_ATTEMPTS),
    "agentcore_constructs.kit.model": _MODEL,
    "agentcore_constructs.kit.outbound": (env_vars.OUTBOUND_OAUTH_PROVIDER, env_vars.OUTBOUND_OAUTH_SCOPES),
}

#: Kit module -> the names in it whose call (or subclass, or use as a decorator) wires AgentCore Memory into the
#: agent: the framework apps and runners (their session manager / checkpointer reads MEMORY_ID), and the neutral API.
KIT_MEMORY_CALLABLES: dict[str, tuple[str, ...]] = {
    "agentcore_constructs.kit.strands": ("AgentCoreApp", "StrandsAgentRunner", "create_session_manager"),
    "agentcore_constructs.kit.langgraph": ("AgentCoreApp", "LangGraphAgentRunner", "create_checkpointer"),
    "agentcore_constructs.kit.memory": ("conversation_memory", "AgentCoreConversationMemory"),
}

#: The manifest in the agent bundle's root, and the metadata key on the AWS::BedrockAgentCore::Runtime resource.
MANIFEST_FILE = "agentcore-manifest.json"
METADATA_KEY = "agentcore:consumes"
#: The metadata key on the runtime resource for what the agent source does that the template cannot show:
#: ``{"credentials": [{"file", "line", "kind"}], "direct_http": [{"file", "line", "host"}], "memory": "imported"}``,
#: each key only when there is something to say (never a secret's value). Absent: nothing found, or no record.
SOURCE_METADATA_KEY = "agentcore:source"
