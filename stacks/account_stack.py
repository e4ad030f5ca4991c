"""Account-level stack: what exists once per AWS account and Region, whatever environments live there.

Its lifecycle is the account's, not an environment's: the stack name is the same for every environment (two
environments of one account would collide at deploy, and config validation refuses that at synth), it is
termination-protected, and its resources are retained if it is ever deleted.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from agentcore_constructs import TransactionSearch
from constructs import Construct
from stacks.config import EnvironmentConfig

ACCOUNT_STACK_NAME = "agentcore-account-observability"


class AccountStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)
        self.transaction_search = TransactionSearch(
            self, "TransactionSearch", indexing_percent=config.transaction_search_indexing_percent
        )
