"""Gateway and target names AgentCore accepts: letters, digits and single hyphens, starting with a letter or digit
(the target name's pattern ``^([0-9a-zA-Z][-]?){1,100}$`` as aws-cdk documents it: GatewayTargetCommonProps
``gatewayTargetName``, https://docs.aws.amazon.com/cdk/api/v2/docs/@aws-cdk_aws-bedrock-agentcore-alpha.GatewayTargetCommonProps.html).
These patterns are a conservative form of it (no trailing hyphen) and were not checked against the service itself."""

from __future__ import annotations

import re

TARGET_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,98}[a-zA-Z0-9])?$")
GATEWAY_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,98}[a-zA-Z0-9])?$")
