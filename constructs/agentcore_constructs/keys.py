"""Customer-managed KMS keys handed to the library: usable where they are used, or a clear error or warning at synth.

CloudWatch Logs encrypts a log group only with a key whose key policy lets ``logs.<region>.amazonaws.com`` use it,
and CloudWatch alarms publish to an encrypted SNS topic only when the key policy lets ``cloudwatch.amazonaws.com``
use it; without that statement the deploy fails (log group) or notifications are silently dropped (topic). Both
services need the key's ARN, not an alias (CloudWatch Logs API reference, CreateLogGroup/AssociateKmsKey:
"the Amazon Resource Name (ARN) of the KMS key"; KMS developer guide, "Using aliases": aliases are not accepted in
key policies and most service integrations).

For a key created in the same CDK app (``kms.Key``) the library adds the statement itself, once. An imported key's
policy cannot be changed from here: the construct warns, naming the statement to add.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import IConstruct

#: Keys that already carry each statement (a Python-side record: no jsii round trip per check).
_HAS_LOGS_STATEMENT: weakref.WeakSet[kms.Key] = weakref.WeakSet()
_HAS_ALARMS_STATEMENT: weakref.WeakSet[kms.Key] = weakref.WeakSet()


def alias_problem(key: kms.IKey | None) -> str | None:
    """What is wrong with ``key`` when it is a KMS alias (the prop's name goes before it), else None."""
    if key is None:
        return None
    alias_name = getattr(key, "alias_name", None)
    key_arn = key.key_arn
    if alias_name is not None or (not cdk.Token.is_unresolved(key_arn) and ":alias/" in key_arn):
        return (
            f"is a KMS alias ({alias_name or key_arn}); pass the key itself (kms.Key, or "
            "kms.Key.from_key_arn with the key's ARN): CloudWatch Logs, SNS and IAM grants need the key ARN"
        )
    return None


def refuse_alias(owner: str, prop: str, key: kms.IKey | None) -> kms.IKey | None:
    """``key``, unless it is a KMS alias (then a ValueError naming ``owner`` and ``prop``)."""
    problem = alias_problem(key)
    if problem is not None:
        raise ValueError(f"{owner}: {prop} {problem}")
    return key


def allow_cloudwatch_alarms(key: kms.Key) -> None:
    """Let CloudWatch alarms publish to SNS topics encrypted with ``key`` (key policy, this account). Idempotent."""
    if key in _HAS_ALARMS_STATEMENT:
        return
    _HAS_ALARMS_STATEMENT.add(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToEncryptedTopics",
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            resources=["*"],  # In a key policy "*" means this key.
            conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(key).account}},
        )
    )


def allow_cloudwatch_logs(key: kms.Key) -> None:
    """Let CloudWatch Logs encrypt this account's log groups with ``key`` (key policy statement). Idempotent."""
    if key in _HAS_LOGS_STATEMENT:
        return
    _HAS_LOGS_STATEMENT.add(key)
    stack = cdk.Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsEncryption",
            actions=[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.{stack.url_suffix}")],
            resources=["*"],  # In a key policy "*" means this key.
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )


def _usable_key(
    scope: IConstruct,
    owner: str,
    prop: str,
    key: kms.IKey | None,
    allow: Callable[[kms.Key], None],
    warning_id: str,
    warning: str,
) -> kms.IKey | None:
    if refuse_alias(owner, prop, key) is None:
        return None
    if isinstance(key, kms.Key):
        allow(key)
    else:
        cdk.Annotations.of(scope).add_warning_v2(warning_id, f"{prop} is an imported key: {warning}")
    return key


def key_for_log_groups(scope: IConstruct, owner: str, prop: str, key: kms.IKey | None) -> kms.IKey | None:
    """A key CloudWatch Logs can use: alias refused; a ``kms.Key`` gets the Logs statement; an imported key warns."""
    return _usable_key(
        scope,
        owner,
        prop,
        key,
        allow_cloudwatch_logs,
        "agentcore-constructs:imported-log-key",
        "its key policy must let logs.<region>.amazonaws.com use it for this account's log groups (the statement "
        "agentcore_constructs.keys.allow_cloudwatch_logs adds), or the log group fails to create",
    )


def key_for_alarm_topic(scope: IConstruct, owner: str, prop: str, key: kms.IKey | None) -> kms.IKey | None:
    """A key alarm notifications can use: alias refused; a ``kms.Key`` gets the CloudWatch statement; an imported
    key warns."""
    return _usable_key(
        scope,
        owner,
        prop,
        key,
        allow_cloudwatch_alarms,
        "agentcore-constructs:imported-topic-key",
        "its key policy must let cloudwatch.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*), or alarm "
        "notifications are dropped without an error",
    )
