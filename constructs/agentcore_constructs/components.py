"""Which part of an agent a resource is, written into the template so the readiness pack judges only what is ours.

``mark_component(function, "tool")`` tags the resource ``agentcore:component=tool``. The readiness pack treats a
Lambda as a tool only when it carries that tag (set by :class:`~agentcore_constructs.gateway.LambdaTool`, or by
you on a function of your own), never by its name or construct path.
"""

from __future__ import annotations

import aws_cdk as cdk

from agentcore_constructs.aws_facts import COMPONENT_TAG
from constructs import IConstruct


def mark_component(construct: IConstruct, kind: str) -> None:
    """Tag ``construct`` (and its children) as the agent component ``kind`` (e.g. ``"tool"``)."""
    cdk.Tags.of(construct).add(COMPONENT_TAG, kind)
