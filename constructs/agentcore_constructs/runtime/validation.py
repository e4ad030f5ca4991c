"""Every check of ``AgentRuntime``'s props that needs nothing built: each problem is recorded (``Problems``), none
raised here, so one synth names every mistake (the construct raises them together before creating anything)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_kms as kms

from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.keys import refuse_alias
from agentcore_constructs.model_access import ModelAccess
from agentcore_constructs.options import InvocationLimits, RetryPolicy, SessionLifecycle
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime.options import (
    LATEST_VERSION,
    PLATFORM_VERSIONS,
    CodeArtifact,
    ContainerArtifact,
    VpcPlacement,
)

#: AgentCore runtime and endpoint names: ``agentRuntimeName`` and the endpoint's ``name`` (AgentCore Control Plane API
#: reference, CreateAgentRuntime and CreateAgentRuntimeEndpoint, "Pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}":
#: https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateAgentRuntime.html,
#: https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateAgentRuntimeEndpoint.html).
NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")
#: Runtime versions are "1", "2", ... (CreateAgentRuntimeEndpoint ``agentRuntimeVersion``: ``[1-9][0-9]{0,4}``).
_RUNTIME_VERSION = re.compile(r"^[1-9][0-9]{0,4}$")


def check_props(
    problems: Problems,
    *,
    runtime_name: str,
    endpoint_name: str,
    endpoint_version: str,
    source_path: Path,
    artifact: object,
    retry: object,
    limits: object,
    lifecycle: object,
    model_provider: str,
    log_level: str,
    platform_version: str | None,
    network: object,
    log_encryption_key: kms.IKey | None,
) -> bool:
    """Record every problem of these props; returns whether the artifact's contents can be checked next (its
    props are sound and its files exist)."""
    problems.check(NAME.match(runtime_name), "runtime_name", f"{runtime_name!r} must match {NAME.pattern}")
    problems.check(NAME.match(endpoint_name), "endpoint_name", f"{endpoint_name!r} must match {NAME.pattern}")
    problems.check(
        endpoint_version == LATEST_VERSION or _RUNTIME_VERSION.match(endpoint_version),
        "endpoint_version",
        f"{endpoint_version!r} must be 'latest' or a version number like '3'",
    )
    problems.check(
        platform_version in (None, *PLATFORM_VERSIONS),
        "platform_version",
        f"{platform_version!r} must be one of {', '.join(PLATFORM_VERSIONS)}",
    )
    # The agent refuses to start outside these choices (kit settings read the same contract): refuse at synth.
    for prop, var, choice in (
        ("model_provider", env_contract.MODEL_PROVIDER, model_provider),
        ("log_level", env_contract.LOG_LEVEL, log_level),
    ):
        problems.check(choice in var.choices, prop, f"{choice!r} must be one of {', '.join(var.choices)}")
    _group(problems, "retry", retry, (RetryPolicy,))
    _group(problems, "limits", limits, (InvocationLimits,))
    _group(problems, "lifecycle", lifecycle, (SessionLifecycle,))
    if network is not None:
        _group(problems, "network", network, (VpcPlacement,))
    _check_key(problems, log_encryption_key)
    artifact_sound = _group(problems, "artifact", artifact, (CodeArtifact, ContainerArtifact))
    if not problems.check(source_path.is_dir(), "source_dir", f"{str(source_path)!r} is not a directory"):
        return False
    if isinstance(artifact, CodeArtifact) and artifact.requirements_file:
        artifact_sound &= problems.check(
            (source_path / artifact.requirements_file).is_file(),
            "artifact.requirements_file",
            f"{artifact.requirements_file!r} not found in {source_path}",
        )
    if isinstance(artifact, ContainerArtifact):
        artifact_sound &= problems.check(
            (source_path / "Dockerfile").is_file(), "artifact", f"ContainerArtifact needs a Dockerfile in {source_path}"
        )
    return artifact_sound


def model_access(
    problems: Problems,
    stack: cdk.Stack,
    model_id: str,
    routed_regions: Sequence[str] | None,
    source_model_id: str | None,
) -> ModelAccess | None:
    """What ``model_id`` invokes (None, with the problem recorded, when it cannot be granted)."""
    try:
        return ModelAccess.for_model(
            stack,
            model_id,
            routed_regions=routed_regions,
            source_model_id=source_model_id,
            source_parameter="model_source_id",
        )
    except ValueError as error:
        # ModelAccess names the prop first ("model_id ...", "model_source_id ...").
        prop, _, what = str(error).partition(" ")
        problems.add(prop, what)
        return None


def _group(problems: Problems, name: str, value: object, kinds: tuple[type, ...]) -> bool:
    """Record ``value``'s own problems under ``name.<prop>`` (or that it is no ``kinds``); returns whether it has
    none."""
    if not isinstance(value, kinds):
        expected = " or ".join(kind.__name__ for kind in kinds)
        problems.add(name, f"must be a {expected}, not {type(value).__name__}")
        return False
    found = value.problems()  # type: ignore[attr-defined]
    problems.extend((f"{name}.{prop}", what) for prop, what in found)
    return not found


def _check_key(problems: Problems, key: kms.IKey | None) -> None:
    try:
        refuse_alias("", "log_encryption_key", key)
    except ValueError as error:
        problems.add("log_encryption_key", str(error).split("log_encryption_key ", 1)[1])


def check_canary(
    problems: Problems, exists: bool, endpoint_name: str, main_endpoint_name: str, main_endpoint_version: str
) -> None:
    """``add_canary_endpoint``: one canary, beside a pinned main endpoint, under a name of its own."""
    problems.check(not exists, "add_canary_endpoint", "was called already: the canary endpoint exists already")
    problems.check(
        main_endpoint_version != LATEST_VERSION,
        "endpoint_version",
        "is 'latest': a canary endpoint needs the main endpoint pinned (both would serve the newest version)",
    )
    problems.check(
        NAME.match(endpoint_name) and endpoint_name not in (main_endpoint_name, "DEFAULT"),
        "canary endpoint_name",
        f"{endpoint_name!r} must match {NAME.pattern} and differ from {main_endpoint_name!r} and DEFAULT",
    )


def check_jwt_authorizer(
    problems: Problems, allowed_clients: Sequence[str], allowed_scopes: Sequence[str], allowed_audiences: Sequence[str]
) -> None:
    """``use_jwt_authorizer``: a token is matched on its client or audience, and must carry a scope."""
    problems.check(
        allowed_clients or allowed_audiences,
        "use_jwt_authorizer allowed_clients/allowed_audiences",
        "are both empty: the authorizer needs at least one allowed client or allowed audience",
    )
    problems.check(
        allowed_scopes,
        "use_jwt_authorizer allowed_scopes",
        "is empty: the authorizer needs the scope a caller's token must carry",
    )
