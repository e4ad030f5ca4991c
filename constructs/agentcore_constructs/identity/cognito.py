"""``AgentIdentity``: a hardened Cognito user pool and app client that the Runtime and the Gateway trust.

* The pool passes cdk-nag AwsSolutions without acknowledgements (:mod:`.pool`); the app client is for people:
  authorization code + PKCE, no secret, no USER_PASSWORD_AUTH (:mod:`.clients`).
* ``protect_runtime`` sets the Runtime's custom JWT authorizer (this pool's discovery URL, this client, the agent
  scope) and allow-lists the ``Authorization`` header so the agent can read the verified caller.
* ``gateway_authorizer`` is the Gateway's CUSTOM_JWT authorizer against the same pool (the tools scope).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from agentcore_constructs.acknowledgements import acknowledge
from agentcore_constructs.contract import identity as identity_contract
from agentcore_constructs.identity.clients import add_e2e_client, web_client_defaults
from agentcore_constructs.identity.inbound import InboundWiring
from agentcore_constructs.identity.options import OAuthScopes, UserClientSettings, UserPoolSettings
from agentcore_constructs.identity.pool import add_resource_server, add_scope_trigger, hardened_pool_defaults
from agentcore_constructs.identity.validation import RESOURCE_SERVER_ID, domain_prefix_problems, user_group_problems
from agentcore_constructs.props import Problems, collect_merged, exactly_one_source
from agentcore_constructs.python_function import PythonArm64Function
from constructs import Construct


class AgentIdentity(InboundWiring, Construct):
    """A hardened Cognito user pool and app client that the Runtime and the Gateway trust.

    Args:
        name: prefix for the pool and client names; the default resource-server id.
        domain_prefix: hosted-UI domain prefix. Must be unique per Region across AWS: include the account id
            (the stack passes ``support-agent-<env>-<account>``). Required unless ``existing_user_pool`` is given
            (then default: no domain is added; the pool's own serves the OAuth flows).
        scopes: the resource server and the agent and tools scope names (:class:`OAuthScopes`).
            Default: None (``OAuthScopes()``: resource server ``name``, scopes ``invoke`` and ``tools``).
        existing_user_pool: a pool to add the resource server and client to, instead of creating one. A
            ``cognito.UserPool`` of this app also gets the scope trigger; an imported pool cannot (synth warning:
            API sign-ins then carry no custom scopes). Default: a new hardened pool.
        user_pool_props: overrides merged over the hardened pool's defaults (any ``cognito.UserPool`` keyword but
            ``lambda_triggers``, which the construct sets). Not with ``existing_user_pool``. Default: none.
        pool: settings of the created pool: MFA, deletion protection (:class:`UserPoolSettings`). Not with
            ``existing_user_pool``. Default: None (``UserPoolSettings()``: MFA required, deletion protection on).
        existing_user_pool_client: the client callers use, instead of creating one; its allowed OAuth scopes must
            include the agent and tools scopes (synth warning says so). Default: a new code+PKCE client.
        user_client_props: overrides merged over the created client's defaults (any ``UserPool.add_client``
            keyword). Not with ``existing_user_pool_client``. Default: none.
        client: settings of the created client: redirect URLs, token lifetimes (:class:`UserClientSettings`).
            Not with ``existing_user_pool_client``. Default: None (``UserClientSettings()``: localhost redirects,
            60-minute access tokens, 30-day refresh tokens).
        user_groups: Cognito groups to create in the pool, for tools and policies that check the caller's
            ``cognito:groups`` claim (Cognito puts a user's groups in their access token). Names as Cognito takes them:
            1-128 characters, no whitespace or control characters. Default: none.
        e2e_test_client: add a second client for the deployed end-to-end suite, allowing
            ``ADMIN_USER_PASSWORD_AUTH`` (callable only with IAM credentials that may call AdminInitiateAuth on this
            pool, never by end users). The Runtime and Gateway accept its tokens. Default: False (keep it off in prod).
        removal_policy: for the created pool. Default: RETAIN.
        log_retention / log_encryption_key: of the scope trigger's log group. Defaults: one month / none.

    Every prop is checked before anything is created; all problems are raised together as one
    :class:`~agentcore_constructs.props.PropsError` (``AgentIdentity <path>: <prop> <what is wrong>`` per line).

    API sign-ins (InitiateAuth: SRP, admin password, refresh) get the custom scopes their client is allowed through
    a pre token generation trigger (V2_0, needs the PLUS plan this pool has): Cognito puts no resource-server scopes
    in those tokens by itself, and the JWT authorizers require them. See ``functions/api_auth_scopes``.

    Attributes:
        user_pool, user_client, resource_server, domain (None when not created); ``discovery_url`` (OIDC discovery
        document); ``agent_scope`` / ``tools_scope`` (full scope strings); ``scope_trigger`` (None when the pool is
        imported); ``groups`` (group name -> ``cognito.UserPoolGroup``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        domain_prefix: str | None = None,
        scopes: OAuthScopes | None = None,
        existing_user_pool: cognito.IUserPool | None = None,
        user_pool_props: Mapping[str, Any] | None = None,
        pool: UserPoolSettings | None = None,
        existing_user_pool_client: cognito.IUserPoolClient | None = None,
        user_client_props: Mapping[str, Any] | None = None,
        client: UserClientSettings | None = None,
        user_groups: Sequence[str] = (),
        e2e_test_client: bool = False,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        scopes = scopes or OAuthScopes()
        pool_settings = pool or UserPoolSettings()
        client_settings = client or UserClientSettings()
        resource_server_id = scopes.resource_server_id if scopes.resource_server_id is not None else name
        self.resource_server_id = resource_server_id
        self.agent_scope = identity_contract.full_scope(resource_server_id, scopes.agent_scope_name)
        self.tools_scope = identity_contract.full_scope(resource_server_id, scopes.tools_scope_name)
        self._check(problems, name, domain_prefix, scopes, existing_user_pool, pool_settings, client_settings)
        exactly_one_source(problems, "existing_user_pool", existing_user_pool, "user_pool_props", user_pool_props)
        exactly_one_source(problems, "existing_user_pool", existing_user_pool, "pool", pool)
        exactly_one_source(
            problems, "existing_user_pool_client", existing_user_pool_client, "user_client_props", user_client_props
        )
        exactly_one_source(problems, "existing_user_pool_client", existing_user_pool_client, "client", client)
        problems.extend(user_group_problems(user_groups))
        pool_props = collect_merged(
            problems,
            "user_pool_props",
            hardened_pool_defaults(name, pool_settings, removal_policy),
            user_pool_props,
            cognito.UserPool,
            fixed=("lambda_triggers",),
        )
        client_props = collect_merged(
            problems,
            "user_client_props",
            web_client_defaults(name, client_settings, self.agent_scope, self.tools_scope),
            user_client_props,
            cognito.UserPool.add_client,
        )
        problems.raise_if_any()

        self.user_pool: cognito.IUserPool = (
            existing_user_pool if existing_user_pool is not None else self._create_pool(pool_settings, pool_props)
        )
        self.scope_trigger: PythonArm64Function | None = None
        if isinstance(self.user_pool, cognito.UserPool):
            self.scope_trigger = add_scope_trigger(self, self.user_pool, log_retention, log_encryption_key)
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "agentcore-constructs:imported-user-pool",
                "existing_user_pool is imported: the scope trigger cannot be attached, so tokens from API sign-ins "
                "(InitiateAuth: SRP, password) carry no custom scopes and every call with them gets 403; use the "
                "OAuth flows (hosted UI) or attach agentcore_constructs/functions/api_auth_scopes as its V2 pre "
                "token generation trigger",
            )
        self.resource_server = add_resource_server(
            self.user_pool, resource_server_id, scopes.agent_scope_name, scopes.tools_scope_name
        )
        self.user_client: cognito.IUserPoolClient
        if existing_user_pool_client is not None:
            self.user_client = existing_user_pool_client
            cdk.Annotations.of(self).add_warning_v2(
                "agentcore-constructs:existing-user-pool-client",
                f"existing_user_pool_client: its allowed OAuth scopes must include {self.agent_scope} and "
                f"{self.tools_scope}, or its tokens are refused by the runtime and the gateway",
            )
        else:
            created_client = self.user_pool.add_client("UserClient", **client_props)
            created_client.node.add_dependency(self.resource_server)
            self.user_client = created_client
        self.domain: cognito.UserPoolDomain | None = None
        if domain_prefix is not None:
            self.domain = self.user_pool.add_domain(
                "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
            )
        self.e2e_client: cognito.UserPoolClient | None = None
        if e2e_test_client:
            self.e2e_client = add_e2e_client(
                self.user_pool, name, client_settings.callback_urls, self.agent_scope, self.tools_scope
            )
            self.e2e_client.node.add_dependency(self.resource_server)
        self.groups: dict[str, cognito.UserPoolGroup] = {
            group: cognito.UserPoolGroup(
                self, f"Group{index}", user_pool=self.user_pool, group_name=group, description=f"{group} ({name})"
            )
            for index, group in enumerate(user_groups)
        }
        stack = cdk.Stack.of(self)
        self.discovery_url = f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{self.user_pool.user_pool_id}/.well-known/openid-configuration"

    @staticmethod
    def _check(
        problems: Problems,
        name: str,
        domain_prefix: str | None,
        scopes: OAuthScopes,
        existing_user_pool: cognito.IUserPool | None,
        pool: UserPoolSettings,
        client: UserClientSettings,
    ) -> None:
        """The props that are values (not resources): names, the domain, the option groups."""
        if domain_prefix is None:
            problems.check(
                existing_user_pool is not None,
                "domain_prefix",
                "is required for the pool it creates (hosted UI, OAuth flows)",
            )
        elif not cdk.Token.is_unresolved(domain_prefix):
            problems.extend(domain_prefix_problems(domain_prefix))
        if scopes.resource_server_id is None:
            problems.check(
                isinstance(name, str) and RESOURCE_SERVER_ID.match(name),
                "name",
                f"{name!r} is the default scopes.resource_server_id and must be 1-256 printable ASCII characters "
                "without spaces, '\\' or '\"' (or set scopes.resource_server_id)",
            )
        problems.extend((f"scopes.{prop}", problem) for prop, problem in scopes.problems())
        problems.extend((f"pool.{prop}", problem) for prop, problem in pool.problems())
        problems.extend((f"client.{prop}", problem) for prop, problem in client.problems())

    def _create_pool(self, settings: UserPoolSettings, props: dict[str, Any]) -> cognito.UserPool:
        user_pool = cognito.UserPool(self, "UserPool", **props)
        if not settings.mfa_required and props.get("mfa") is not cognito.Mfa.REQUIRED:
            acknowledge(
                user_pool,
                "AwsSolutions-COG2",
                "MFA is OPTIONAL (TOTP offered) by this environment's explicit config for non-production use; "
                "production pools are created with MFA REQUIRED.",
            )
        return user_pool

    def _problems(self) -> Problems:
        return Problems.of(self)

    @property
    def allowed_clients(self) -> list[str]:
        clients = [self.user_client.user_pool_client_id]
        if self.e2e_client is not None:
            clients.append(self.e2e_client.user_pool_client_id)
        return clients
