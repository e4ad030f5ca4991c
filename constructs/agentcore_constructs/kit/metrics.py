"""The agent's own CloudWatch metrics: one embedded-metric-format (EMF) JSON line on stdout per data point.

AgentCore writes the agent's stdout to the runtime's log group (``/aws/bedrock-agentcore/runtimes/<id>-<endpoint>``,
see ``agentcore_constructs.aws_facts``), and CloudWatch Logs extracts the metrics of every log event that is one EMF
document (CloudWatch user guide, "Specification: Embedded metric format",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html;
the ``x-amzn-logs-format: json/emf`` header "is not required", "Using the PutLogEvents API to send manually-created
embedded metric format logs"). So no PutMetricData call: no IAM permission, no network call on a failure path.
Not verified against a deployed runtime: that AgentCore ships each stdout line as one log event, unprefixed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping

from agentcore_constructs.contract.memory import AGENT_METRICS_NAMESPACE

_write_lock = threading.Lock()


def emit_count(metric: str, dimensions: Mapping[str, str], *, namespace: str = AGENT_METRICS_NAMESPACE) -> None:
    """Count one ``metric`` (unit Count, value 1) with ``dimensions``, as an EMF line on stdout."""
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": metric, "Unit": "Count"}],
                }
            ],
        },
        **dimensions,
        metric: 1,
    }
    line = json.dumps(document, separators=(",", ":")) + "\n"
    with _write_lock:  # one line per event, never interleaved by concurrent requests
        sys.stdout.write(line)
        sys.stdout.flush()
