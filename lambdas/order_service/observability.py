"""The order service's Powertools logger, tracer and metrics (one set per container, shared by its modules)."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

from agentcore_constructs.contract import tools as tool_contract
from order_service.tools import TARGET_NAME

#: Powertools service name: POWERTOOLS_SERVICE_NAME, which LambdaTool sets to the gateway target name (the
#: dashboard's tool row searches for exactly that value); the target name when unset (local runs, tests).
SERVICE = os.environ.get(tool_contract.POWERTOOLS_SERVICE_NAME_ENV) or TARGET_NAME
METRICS_NAMESPACE = tool_contract.TOOL_METRICS_NAMESPACE

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
