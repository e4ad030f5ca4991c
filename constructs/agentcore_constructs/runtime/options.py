"""The option types only ``AgentRuntime`` takes: how the agent is packaged (:class:`CodeArtifact` or
:class:`ContainerArtifact`) and where it runs (:class:`VpcPlacement`, or PUBLIC). Each checks itself:
:meth:`problems` returns ``(prop, what is wrong)`` pairs the construct records under the group's name.

The groups the app's config shares (retry, limits, lifecycle) are pure Python and live in
:mod:`agentcore_constructs.options`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ec2 as ec2

#: ``endpoint_version`` value that makes the endpoint follow the newest runtime version on every deploy.
LATEST_VERSION = "latest"
#: Runtime platform versions (CloudFormation AWS::BedrockAgentCore::Runtime ``PlatformVersion``; aws-cdk-lib
#: ``PlatformVersion.V1``/``V2``).
PLATFORM_VERSIONS = ("V1", "V2")
_PYTHON_RUNTIME_VALUE = re.compile(r"^PYTHON_(\d+)_(\d+)$")


class RuntimeArtifactKind(enum.Enum):
    """How the agent is packaged."""

    #: Direct code deploy: a zip of the source plus vendored linux/arm64 wheels (no Docker needed).
    CODE = "code"
    #: A container image built from a Dockerfile, always for linux/arm64.
    CONTAINER = "container"


def python_version(python_runtime: agentcore.AgentCoreRuntime) -> str | None:
    """``"3.13"`` for ``PYTHON_3_13``; None for a runtime that is not Python."""
    # jsii enum-like members are fresh objects on every access (no equality): compare their values.
    match = _PYTHON_RUNTIME_VALUE.match(str(python_runtime.value))
    return f"{match.group(1)}.{match.group(2)}" if match else None


@dataclass(frozen=True)
class CodeArtifact:
    """Direct code deploy: a zip of ``source_dir`` with the lock's linux/arm64 wheels vendored (no Docker needed).

    Attributes:
        entrypoint: the command in the zip; every ``.py`` file it names must exist in ``source_dir``. Default: ADOT
            auto-instrumentation of ``main.py`` (``["opentelemetry-instrument", "main.py"]``, which needs
            aws-opentelemetry-distro in the lock) when ``adot_instrumentation`` is on, else ``["main.py"]``.
        python_runtime: Default: ``AgentCoreRuntime.PYTHON_3_13``.
        requirements_file: a complete lock (every distribution, dependencies included, pinned with ``==``) installed
            for arm64 into the zip, relative to ``source_dir``. Checked at synth: unpinned lines fail, and bundling
            fails naming any dependency the lock lacks. ``None`` vendors nothing. The library's contract and kit are
            copied in when the code imports ``agentcore_constructs`` and the lock does not pin
            ``agentcore-constructs`` itself. Default: ``"requirements.lock"``.
        compile_bytecode: ship bytecode compiled for ``python_runtime`` in the bundle. AWS documents neither a
            writable code directory nor bytecode caching, and each session's microVM starts from the zip, so without
            it every start compiles every import (``make bench``: 0.85 s -> 4.0 s for the support agent locally).
            Needs an interpreter of exactly that version on the build machine
            (:func:`agentcore_constructs.bundling.bytecode_interpreter`). ``None``: when one is found (a synth warning
            says how to get one otherwise); ``True``: required (synth fails without one); ``False``: sources only.
            Default: None.
    """

    entrypoint: Sequence[str] | None = None
    python_runtime: agentcore.AgentCoreRuntime = agentcore.AgentCoreRuntime.PYTHON_3_13
    requirements_file: str | None = "requirements.lock"
    compile_bytecode: bool | None = None

    @property
    def kind(self) -> RuntimeArtifactKind:
        return RuntimeArtifactKind.CODE

    def __repr__(self) -> str:  # the jsii runtime object would repr as a memory address
        return (
            f"CodeArtifact(entrypoint={self.entrypoint!r}, "
            f"python_runtime=AgentCoreRuntime.{self.python_runtime.value}, "
            f"requirements_file={self.requirements_file!r}, compile_bytecode={self.compile_bytecode!r})"
        )

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value the zip cannot be built from (``source_dir`` is checked by the
        construct)."""
        found = []
        if python_version(self.python_runtime) is None:
            found.append(("python_runtime", f"{self.python_runtime.value!r} is not a Python runtime"))
        if self.entrypoint is not None and (
            isinstance(self.entrypoint, str) or not all(isinstance(part, str) for part in self.entrypoint)
        ):
            found.append(("entrypoint", f"{self.entrypoint!r} must be a list of strings (the command and its args)"))
        return found


@dataclass(frozen=True)
class ContainerArtifact:
    """A container image built from the Dockerfile in ``source_dir`` (the Docker context), always for linux/arm64,
    pushed as a CDK asset; the execution role may pull only that repository."""

    @property
    def kind(self) -> RuntimeArtifactKind:
        return RuntimeArtifactKind.CONTAINER

    def problems(self) -> list[tuple[str, str]]:
        """Nothing to check beyond ``source_dir`` holding a Dockerfile (checked by the construct)."""
        return []


@dataclass(frozen=True)
class VpcPlacement:
    """Run the runtime in private subnets of a VPC (AgentCore's VPC network mode) instead of the PUBLIC mode.

    The subnets must be private (with a NAT gateway or VPC endpoints for Bedrock, AgentCore and CloudWatch):
    AgentCore's network interfaces get private addresses only, so a public subnet gives no internet access
    (AgentCore developer guide, "Configure AgentCore Runtime and tools for VPC", internet access considerations:
    https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/agentcore-vpc.html).

    Attributes:
        vpc: the VPC.
        subnets: which of its subnets. Default: its private subnets (else its isolated ones).
        existing_security_groups: security groups for the runtime's interfaces instead of the one the construct
            creates. Default: one egress-only group (``AgentRuntime.security_group``).
        endpoints: the endpoint services the VPC provides (``"s3"``, ``"bedrock-runtime"``, ``"bedrock-agentcore"``,
            ``"logs"``, ``"xray"``, ``"sts"``, and ``"ecr.api"``/``"ecr.dkr"`` for a container), or ``"internet"``
            when the subnets route to the internet (NAT). Recorded on the runtime; the readiness pack names the ones
            missing (``Readiness-VpcEndpoints``). Default: none declared.
    """

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection | None = None
    existing_security_groups: Sequence[ec2.ISecurityGroup] = ()
    endpoints: Sequence[str] = ()

    @property
    def selection(self) -> ec2.SubnetSelection:
        """The subnet selection the runtime uses (CDK's default: private, else isolated, else public)."""
        return self.subnets or ec2.SubnetSelection()

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for a placement the runtime cannot work in."""
        selection = self.selection
        try:
            selected = self.vpc.select_subnets(
                availability_zones=selection.availability_zones,
                one_per_az=selection.one_per_az,
                subnet_filters=selection.subnet_filters,
                subnet_group_name=selection.subnet_group_name,
                subnets=selection.subnets,
                subnet_type=selection.subnet_type,
            )
        except RuntimeError as error:  # jsii: the VPC has no such group or type of subnet
            return [("subnets", f"cannot be selected: {error}")]
        if selected.has_public:
            return [
                (
                    "subnets",
                    "selects public subnets; AgentCore gives the runtime's interfaces private addresses only, so it "
                    "would have no internet access there. Select private subnets (NAT gateway or VPC endpoints)",
                )
            ]
        if not selected.subnet_ids:
            return [("subnets", "selects no subnet of the VPC")]
        return []
