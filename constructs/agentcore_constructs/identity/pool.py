"""The user pool parts of :class:`~agentcore_constructs.identity.AgentIdentity`: the hardened pool's defaults, the
pre token generation trigger that gives API sign-ins their scopes, and the resource server with its two scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from agentcore_constructs.components import mark_component
from agentcore_constructs.identity.options import UserPoolSettings
from agentcore_constructs.python_function import PythonArm64Function
from constructs import Construct

_FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"


def hardened_pool_defaults(name: str, settings: UserPoolSettings, removal_policy: cdk.RemovalPolicy) -> dict[str, Any]:
    """``cognito.UserPool`` keywords that pass cdk-nag AwsSolutions: full password policy (COG1), MFA (COG2, TOTP),
    feature plan PLUS with full threat protection (COG8), no self sign-up."""
    return dict(
        user_pool_name=f"{name}-users",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True, username=False),
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        password_policy=cognito.PasswordPolicy(
            min_length=12,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=cdk.Duration.days(3),
        ),
        mfa=cognito.Mfa.REQUIRED if settings.mfa_required else cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        feature_plan=cognito.FeaturePlan.PLUS,
        standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        deletion_protection=settings.deletion_protection,
        removal_policy=removal_policy,
    )


def add_scope_trigger(
    scope: Construct,
    pool: cognito.UserPool,
    log_retention: logs.RetentionDays,
    log_encryption_key: kms.IKey | None,
) -> PythonArm64Function:
    """API sign-ins (InitiateAuth: SRP, admin password, refresh) get the custom scopes their client is allowed
    through a pre token generation trigger (V2_0, needs the PLUS plan): Cognito puts no resource-server scopes in
    those tokens by itself, and the JWT authorizers require them. See ``functions/api_auth_scopes``."""
    trigger = PythonArm64Function(
        scope,
        "ApiAuthScopes",
        code_root=_FUNCTIONS_DIR / "api_auth_scopes",
        handler="handler.lambda_handler",
        service_name="api-auth-scopes",
        description="Cognito pre token generation: API sign-ins get the OAuth scopes their app client is allowed",
        log_retention=log_retention,
        log_encryption_key=log_encryption_key,
        timeout=cdk.Duration.seconds(5),
    )
    mark_component(trigger.function, "identity-scope-trigger")
    pool.add_trigger(
        cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, trigger.function, cognito.LambdaVersion.V2_0
    )
    # A separate policy: the function must not wait for it (pool -> trigger -> policy -> pool would be a cycle).
    iam.Policy(
        scope,
        "ApiAuthScopesPolicy",
        roles=[trigger.role],
        statements=[
            iam.PolicyStatement(
                sid="ReadClientScopes",
                actions=["cognito-idp:DescribeUserPoolClient"],
                resources=[pool.user_pool_arn],
            )
        ],
    )
    return trigger


def add_resource_server(
    pool: cognito.IUserPool, identifier: str, agent_scope_name: str, tools_scope_name: str
) -> cognito.UserPoolResourceServer:
    return pool.add_resource_server(
        "ResourceServer",
        identifier=identifier,
        scopes=[
            cognito.ResourceServerScope(scope_name=agent_scope_name, scope_description="Invoke the agent"),
            cognito.ResourceServerScope(
                scope_name=tools_scope_name, scope_description="Call the agent's tools through the gateway"
            ),
        ],
    )
