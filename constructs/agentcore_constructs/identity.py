"""Stage 4: ``AgentIdentity`` — per-user authentication with Cognito, JWT on the Runtime and the Gateway, and
(optionally) outbound user-scoped OAuth2 credentials through AgentCore Identity.

* The user pool passes cdk-nag AwsSolutions without acknowledgements: full password policy (COG1), MFA (COG2, TOTP),
  feature plan PLUS with full threat protection (COG8), no self sign-up.
* The app client is for people: authorization code + PKCE, no secret, no USER_PASSWORD_AUTH.
* ``protect_runtime`` sets the Runtime's custom JWT authorizer (this pool's discovery URL, this client, the agent
  scope) and allow-lists the ``Authorization`` header so the agent can read the verified caller.
* ``gateway_authorizer`` is the Gateway's CUSTOM_JWT authorizer against the same pool (the tools scope).
* ``OutboundOAuth2`` registers an OAuth2 credential provider whose client secret is *referenced* in Secrets Manager
  (``ClientSecretSource: EXTERNAL``), never rendered into the template (the L2 embeds it: aws-cdk #38060).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources

from agentcore_constructs.acknowledgements import acknowledge, acknowledge_wildcard_resource
from agentcore_constructs.components import mark_component
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract import identity as identity_contract
from agentcore_constructs.props import Problems, exactly_one_source, merged_props
from agentcore_constructs.python_function import PythonArm64Function
from agentcore_constructs.runtime import AgentRuntime
from constructs import Construct

_FUNCTIONS_DIR = Path(__file__).parent / "functions"

#: The key of the client secret inside the Secrets Manager secret (the provider's ClientSecretConfig.JsonKey).
CLIENT_SECRET_JSON_KEY = "client_secret"
#: AgentCore's discovery URL pattern (CustomJWTAuthorizerConfiguration.discoveryUrl).
_DISCOVERY_URL = re.compile(r"^https://.+/\.well-known/openid-configuration$")
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
#: Cognito refuses domain prefixes containing these words.
_RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
#: Cognito's patterns for a resource-server identifier and a scope name (Cognito API reference, CreateResourceServer
#: "Identifier" and ResourceServerScopeType "ScopeName": printable ASCII without space and '"' ; no '/' in scopes).
_RESOURCE_SERVER_ID = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
_SCOPE_NAME = re.compile(r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$")


@runtime_checkable
class InboundIdentity(Protocol):
    """Who may call the agent and its tools: what :class:`AgentIdentity` (Cognito) and :class:`ExternalOidcIdentity`
    (any OIDC issuer) both provide, and what the runtime, the gateway and its interceptor are wired with."""

    discovery_url: str
    agent_scope: str
    tools_scope: str

    @property
    def allowed_clients(self) -> list[str]: ...

    @property
    def allowed_audiences(self) -> list[str]: ...

    def protect_runtime(self, runtime: AgentRuntime) -> None: ...

    def gateway_authorizer(self) -> agentcore.IGatewayAuthorizerConfig: ...

    def gateway_verifier_environment(self) -> dict[str, str]: ...


class _InboundWiring:
    """The wiring both identities share: the runtime's and the gateway's JWT authorizers and the interceptor env."""

    discovery_url: str
    agent_scope: str
    tools_scope: str

    @property
    def allowed_clients(self) -> list[str]:
        raise NotImplementedError

    @property
    def allowed_audiences(self) -> list[str]:
        return []

    def protect_runtime(self, runtime: AgentRuntime) -> None:
        """Require this issuer's access tokens (its clients/audiences, the agent scope) on ``runtime``; forward
        ``Authorization`` so the agent verifies the token itself."""
        runtime.use_jwt_authorizer(
            discovery_url=self.discovery_url,
            allowed_clients=self.allowed_clients,
            allowed_audiences=self.allowed_audiences,
            allowed_scopes=[self.agent_scope],
        )

    def gateway_verifier_environment(self) -> dict[str, str]:
        """The env vars a component behind the gateway (its request interceptor) verifies the caller's token with:
        the discovery URL, the clients/audiences and the tools scope (``agentcore_constructs.kit.auth``)."""
        environment = {
            env_contract.AUTH_DISCOVERY_URL.name: self.discovery_url,
            env_contract.AUTH_REQUIRED_SCOPE.name: self.tools_scope,
        }
        if self.allowed_clients:
            environment[env_contract.AUTH_ALLOWED_CLIENTS.name] = cdk.Fn.join(" ", self.allowed_clients)
        if self.allowed_audiences:
            environment[env_contract.AUTH_ALLOWED_AUDIENCES.name] = " ".join(self.allowed_audiences)
        return environment

    def gateway_authorizer(self) -> agentcore.IGatewayAuthorizerConfig:
        """CUSTOM_JWT for a :class:`ToolGateway`: the caller's token, forwarded by the agent, has the tools scope."""
        return agentcore.GatewayAuthorizer.using_custom_jwt(
            discovery_url=self.discovery_url,
            allowed_clients=self.allowed_clients or None,
            allowed_audience=self.allowed_audiences or None,
            allowed_scopes=[self.tools_scope],
        )


class ExternalOidcIdentity(_InboundWiring):
    """Trust an OIDC issuer you already run (Entra ID, Okta, Auth0, another Cognito pool) instead of creating one.

    AgentCore's inbound JWT authorizer is IdP-agnostic: it fetches keys through the discovery URL and matches
    ``allowed_clients`` against the token's ``client_id`` claim and ``allowed_audiences`` against ``aud``, and requires
    one of the allowed scopes (AgentCore guide, "Configure inbound JWT authorizer"). Issuers that put no
    ``client_id`` in access tokens (Entra ID, Okta, Auth0 use ``azp``/``cid``/``appid``) are matched by audience.
    The agent and the interceptor verify the same claims (``agentcore_constructs.kit.auth``).

    Args:
        discovery_url: the issuer's OIDC discovery URL (``https://.../.well-known/openid-configuration``).
        agent_scope / tools_scope: the scope a caller's access token needs to invoke the agent, and to reach its
            tools through the gateway (as the token's ``scope`` claim carries them).
        allowed_clients: client ids (``client_id`` claim). Default: none.
        allowed_audiences: audiences (``aud`` claim), e.g. the API's application id URI. Default: none.
            At least one client or audience is required.
    """

    def __init__(
        self,
        *,
        discovery_url: str,
        agent_scope: str,
        tools_scope: str,
        allowed_clients: Sequence[str] = (),
        allowed_audiences: Sequence[str] = (),
    ) -> None:
        if not cdk.Token.is_unresolved(discovery_url) and not _DISCOVERY_URL.match(discovery_url):
            raise ValueError(
                f"ExternalOidcIdentity discovery_url {discovery_url!r} must be https://.../.well-known/"
                "openid-configuration (AgentCore's authorizer pattern)"
            )
        if not allowed_clients and not allowed_audiences:
            raise ValueError("ExternalOidcIdentity needs allowed_clients or allowed_audiences (or both)")
        if not agent_scope or not tools_scope or agent_scope == tools_scope:
            raise ValueError("ExternalOidcIdentity needs an agent_scope and a different tools_scope")
        self.discovery_url = discovery_url
        self.agent_scope = agent_scope
        self.tools_scope = tools_scope
        self._clients = list(allowed_clients)
        self._audiences = list(allowed_audiences)

    @property
    def allowed_clients(self) -> list[str]:
        return list(self._clients)

    @property
    def allowed_audiences(self) -> list[str]:
        return list(self._audiences)


class AgentIdentity(_InboundWiring, Construct):
    """A hardened Cognito user pool and app client that the Runtime and the Gateway trust.

    Args:
        name: prefix for the pool and client names; the default resource-server id.
        domain_prefix: hosted-UI domain prefix. Must be unique per Region across AWS: include the account id
            (the stack passes ``support-agent-<env>-<account>``). Required unless ``existing_user_pool`` is given
            (then default: no domain is added; the pool's own serves the OAuth flows).
        resource_server_id: the OAuth resource server, the prefix of every scope (``<id>/<scope>``).
            Default: ``name``.
        agent_scope_name / tools_scope_name: the scope a caller needs to invoke the agent, and the one the
            gateway requires. Defaults: ``"invoke"`` / ``"tools"``.
        existing_user_pool: a pool to add the resource server and client to, instead of creating one. A
            ``cognito.UserPool`` of this app also gets the scope trigger; an imported pool cannot (synth warning:
            API sign-ins then carry no custom scopes). Default: a new hardened pool.
        user_pool_props: overrides merged over the hardened pool's defaults (any ``cognito.UserPool`` keyword but
            ``lambda_triggers``, which the construct sets). Not with ``existing_user_pool``. Default: none.
        existing_user_pool_client: the client callers use, instead of creating one; its allowed OAuth scopes must
            include the agent and tools scopes (synth warning says so). Default: a new code+PKCE client.
        user_client_props: overrides merged over the created client's defaults (any ``UserPool.add_client``
            keyword). Not with ``existing_user_pool_client``. Default: none.
        mfa_required: MFA REQUIRED (TOTP) when True (prod); OPTIONAL with TOTP when False (dev).
            Default: True.
        callback_urls / logout_urls: OAuth redirect URLs of the user-facing client.
            Default: ``http://localhost:8765/callback`` / ``http://localhost:8765/``.
        access_token_validity: lifetime of access and ID tokens. Default: 60 minutes.
        refresh_token_validity: Default: 30 days.
        removal_policy: for the pool. Default: RETAIN.
        deletion_protection: Cognito deletion protection. Default: True.
        e2e_test_client: add a second client for the deployed end-to-end suite, allowing
            ``ADMIN_USER_PASSWORD_AUTH`` (callable only with IAM credentials that may call AdminInitiateAuth on this
            pool, never by end users). The Runtime and Gateway accept its tokens. Default: False (keep it off in prod).
        log_retention / log_encryption_key: of the scope trigger's log group. Defaults: one month / none.
        user_groups: Cognito groups to create in the pool, for tools and policies that check the caller's
            ``cognito:groups`` claim (Cognito puts a user's groups in their access token). Names as Cognito takes them:
            1-128 characters, no whitespace or control characters. Default: none.

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
        resource_server_id: str | None = None,
        agent_scope_name: str = identity_contract.AGENT_SCOPE_NAME,
        tools_scope_name: str = identity_contract.TOOLS_SCOPE_NAME,
        existing_user_pool: cognito.IUserPool | None = None,
        user_pool_props: Mapping[str, Any] | None = None,
        existing_user_pool_client: cognito.IUserPoolClient | None = None,
        user_client_props: Mapping[str, Any] | None = None,
        mfa_required: bool = True,
        callback_urls: Sequence[str] = ("http://localhost:8765/callback",),
        logout_urls: Sequence[str] = ("http://localhost:8765/",),
        access_token_validity: cdk.Duration = cdk.Duration.minutes(60),
        refresh_token_validity: cdk.Duration = cdk.Duration.days(30),
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        deletion_protection: bool = True,
        e2e_test_client: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
        user_groups: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        owner = f"AgentIdentity {self.node.path}"
        for group in user_groups:
            # Cognito API reference, CreateGroup: GroupName 1-128 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}].
            if not 1 <= len(group) <= 128 or any(c.isspace() or not c.isprintable() for c in group):
                raise ValueError(f"{owner}: user_groups entry {group!r} is not a Cognito group name")
        if len(set(user_groups)) != len(user_groups):
            raise ValueError(f"{owner}: user_groups lists a group twice")
        sources = Problems(owner)
        exactly_one_source(sources, "existing_user_pool", existing_user_pool, "user_pool_props", user_pool_props)
        exactly_one_source(
            sources, "existing_user_pool_client", existing_user_pool_client, "user_client_props", user_client_props
        )
        sources.raise_if_any()
        if domain_prefix is None and existing_user_pool is None:
            raise ValueError(f"{owner}: domain_prefix is required for the pool it creates (hosted UI, OAuth flows)")
        if domain_prefix is not None and not cdk.Token.is_unresolved(domain_prefix):
            if not _DOMAIN_PREFIX.match(domain_prefix) or any(w in domain_prefix for w in _RESERVED_DOMAIN_WORDS):
                raise ValueError(
                    f"AgentIdentity domain_prefix {domain_prefix!r} must be lowercase letters, digits and hyphens "
                    f"(max 63) without {', '.join(_RESERVED_DOMAIN_WORDS)}"
                )
        if not callback_urls:
            raise ValueError("AgentIdentity callback_urls must not be empty")
        resource_server_id = name if resource_server_id is None else resource_server_id
        if not _RESOURCE_SERVER_ID.match(resource_server_id):
            raise ValueError(
                f"AgentIdentity resource_server_id {resource_server_id!r} must be 1-256 printable ASCII characters "
                "without spaces, '\\' or '\"'"
            )
        for key, scope_name in (("agent_scope_name", agent_scope_name), ("tools_scope_name", tools_scope_name)):
            if not _SCOPE_NAME.match(scope_name):
                raise ValueError(
                    f"AgentIdentity {key} {scope_name!r} must be 1-256 printable ASCII characters without spaces, "
                    "'/', '\\' or '\"'"
                )
        if agent_scope_name == tools_scope_name:
            raise ValueError("AgentIdentity agent_scope_name and tools_scope_name must differ (one per surface)")
        minutes = access_token_validity.to_minutes()
        if not 5 <= minutes <= 1440:
            raise ValueError(f"AgentIdentity access_token_validity {minutes} min must be within 5..1440 minutes")

        self.user_pool: cognito.IUserPool
        self.scope_trigger: PythonArm64Function | None = None
        if existing_user_pool is not None:
            self.user_pool = existing_user_pool
        else:
            pool_defaults: dict[str, Any] = dict(
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
                mfa=cognito.Mfa.REQUIRED if mfa_required else cognito.Mfa.OPTIONAL,
                mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
                feature_plan=cognito.FeaturePlan.PLUS,
                standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
                deletion_protection=deletion_protection,
                removal_policy=removal_policy,
            )
            props = merged_props(
                owner, "user_pool_props", pool_defaults, user_pool_props, cognito.UserPool, fixed=("lambda_triggers",)
            )
            self.user_pool = cognito.UserPool(self, "UserPool", **props)
            if not mfa_required and props.get("mfa") is not cognito.Mfa.REQUIRED:
                acknowledge(
                    self.user_pool,
                    "AwsSolutions-COG2",
                    "MFA is OPTIONAL (TOTP offered) by this environment's explicit config for non-production use; "
                    "production pools are created with MFA REQUIRED.",
                )
        if isinstance(self.user_pool, cognito.UserPool):
            self._add_scope_trigger(self.user_pool, log_retention, log_encryption_key)
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "agentcore-constructs:imported-user-pool",
                "existing_user_pool is imported: the scope trigger cannot be attached, so tokens from API sign-ins "
                "(InitiateAuth: SRP, password) carry no custom scopes and every call with them gets 403; use the "
                "OAuth flows (hosted UI) or attach agentcore_constructs/functions/api_auth_scopes as its V2 pre "
                "token generation trigger",
            )
        self.resource_server = self.user_pool.add_resource_server(
            "ResourceServer",
            identifier=resource_server_id,
            scopes=[
                cognito.ResourceServerScope(scope_name=agent_scope_name, scope_description="Invoke the agent"),
                cognito.ResourceServerScope(
                    scope_name=tools_scope_name, scope_description="Call the agent's tools through the gateway"
                ),
            ],
        )
        self.resource_server_id = resource_server_id
        self.agent_scope = identity_contract.full_scope(resource_server_id, agent_scope_name)
        self.tools_scope = identity_contract.full_scope(resource_server_id, tools_scope_name)
        self.user_client: cognito.IUserPoolClient
        if existing_user_pool_client is not None:
            self.user_client = existing_user_pool_client
            cdk.Annotations.of(self).add_warning_v2(
                "agentcore-constructs:existing-user-pool-client",
                f"existing_user_pool_client: its allowed OAuth scopes must include {self.agent_scope} and "
                f"{self.tools_scope}, or its tokens are refused by the runtime and the gateway",
            )
        else:
            client_defaults: dict[str, Any] = dict(
                user_pool_client_name=f"{name}-web",
                generate_secret=False,
                # No USER_PASSWORD_AUTH: passwords only reach Cognito's hosted UI (SRP there), never this app.
                auth_flows=cognito.AuthFlow(user_srp=True),
                o_auth=cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(authorization_code_grant=True),
                    scopes=[
                        cognito.OAuthScope.OPENID,
                        cognito.OAuthScope.EMAIL,
                        cognito.OAuthScope.custom(self.agent_scope),
                        cognito.OAuthScope.custom(self.tools_scope),
                    ],
                    callback_urls=list(callback_urls),
                    logout_urls=list(logout_urls),
                ),
                prevent_user_existence_errors=True,
                enable_token_revocation=True,
                access_token_validity=access_token_validity,
                id_token_validity=access_token_validity,
                refresh_token_validity=refresh_token_validity,
                supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            )
            client_props = merged_props(
                owner, "user_client_props", client_defaults, user_client_props, cognito.UserPool.add_client
            )
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
            self.e2e_client = self.user_pool.add_client(
                "E2eClient",
                user_pool_client_name=f"{name}-e2e",
                generate_secret=False,
                auth_flows=cognito.AuthFlow(admin_user_password=True),
                o_auth=cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(authorization_code_grant=True),
                    scopes=[
                        cognito.OAuthScope.OPENID,
                        cognito.OAuthScope.custom(self.agent_scope),
                        cognito.OAuthScope.custom(self.tools_scope),
                    ],
                    callback_urls=list(callback_urls),
                ),
                prevent_user_existence_errors=True,
                access_token_validity=cdk.Duration.minutes(15),
                id_token_validity=cdk.Duration.minutes(15),
                refresh_token_validity=cdk.Duration.hours(1),
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

    def _add_scope_trigger(
        self, pool: cognito.UserPool, log_retention: logs.RetentionDays, log_encryption_key: kms.IKey | None
    ) -> None:
        self.scope_trigger = PythonArm64Function(
            self,
            "ApiAuthScopes",
            code_root=_FUNCTIONS_DIR / "api_auth_scopes",
            handler="handler.lambda_handler",
            service_name="api-auth-scopes",
            description="Cognito pre token generation: API sign-ins get the OAuth scopes their app client is allowed",
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
            timeout=cdk.Duration.seconds(5),
        )
        mark_component(self.scope_trigger.function, "identity-scope-trigger")
        pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
            self.scope_trigger.function,
            cognito.LambdaVersion.V2_0,
        )
        # A separate policy: the function must not wait for it (pool -> trigger -> policy -> pool would be a cycle).
        iam.Policy(
            self,
            "ApiAuthScopesPolicy",
            roles=[self.scope_trigger.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadClientScopes",
                    actions=["cognito-idp:DescribeUserPoolClient"],
                    resources=[pool.user_pool_arn],
                )
            ],
        )

    @property
    def allowed_clients(self) -> list[str]:
        clients = [self.user_client.user_pool_client_id]
        if self.e2e_client is not None:
            clients.append(self.e2e_client.user_pool_client_id)
        return clients


class OutboundOAuth2(Construct):
    """An AgentCore Identity OAuth2 credential provider for an external service (the seed's Salesforce example).

    The client secret lives in Secrets Manager (created here without a usable value: put the real one out of band
    as JSON ``{"client_secret": "..."}``) and is referenced, never copied into the template.

    Args:
        provider_name: credential provider name (the agent asks for tokens by this name).
        discovery_url: the external authorization server's OIDC discovery URL.
        client_id: OAuth2 client id registered with the external service (not a secret).
        scopes: scopes the agent requests. Default: none.
        return_urls: where the user's browser returns after consenting (USER_FEDERATION): ``GetResourceOauth2Token``
            accepts a ``resourceOauth2ReturnUrl`` only if the agent's workload identity allows it (AgentCore guide,
            "OAuth2 authorization URL session binding"). :meth:`grant_to` writes them into the runtime's workload
            identity. Default: none (no user-federation flow).

    Attributes:
        provider_arn; ``callback_url``: the provider's callback, to register as the redirect URI at the external
        authorization server (AgentCore creates it with the provider).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        provider_name: str,
        discovery_url: str,
        client_id: str,
        scopes: Sequence[str] = (),
        return_urls: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        for url in return_urls:
            if not url.startswith(("https://", "http://localhost")):
                raise ValueError(f"OutboundOAuth2 return_urls: {url!r} must be https:// (or http://localhost)")
        if not re.match(r"^[a-zA-Z0-9\-_]{1,128}$", provider_name):
            raise ValueError(
                f"OutboundOAuth2 provider_name {provider_name!r} must be 1-128 letters, digits, '-' or '_'"
            )
        if not discovery_url.startswith("https://"):
            raise ValueError(f"OutboundOAuth2 discovery_url {discovery_url!r} must be https://")
        self.provider_name = provider_name
        self.scopes = tuple(scopes)
        self.return_urls = tuple(return_urls)
        # Already the JSON shape the provider reads (ClientSecretConfig.JsonKey), with a random unusable value.
        self.client_secret = secretsmanager.Secret(
            self,
            "ClientSecret",
            description=f"OAuth2 client secret for credential provider {provider_name}: set out of band as JSON "
            f'{{"{CLIENT_SECRET_JSON_KEY}": "..."}}; the generated value is random and unusable on purpose.',
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key=CLIENT_SECRET_JSON_KEY, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.client_secret,
            "AwsSolutions-SMG4",
            "An OAuth2 client secret issued by the external service: rotated there, then put here.",
        )
        self.provider = agentcore.CfnOAuth2CredentialProvider(
            self,
            "Provider",
            name=provider_name,
            credential_provider_vendor="CustomOauth2",
            oauth2_provider_config_input=agentcore.CfnOAuth2CredentialProvider.Oauth2ProviderConfigInputProperty(
                custom_oauth2_provider_config=agentcore.CfnOAuth2CredentialProvider.CustomOauth2ProviderConfigInputProperty(
                    oauth_discovery=agentcore.CfnOAuth2CredentialProvider.Oauth2DiscoveryProperty(
                        discovery_url=discovery_url
                    ),
                    client_id=client_id,
                    client_secret_source="EXTERNAL",
                    client_secret_config=agentcore.CfnOAuth2CredentialProvider.SecretReferenceProperty(
                        secret_id=self.client_secret.secret_arn, json_key=CLIENT_SECRET_JSON_KEY
                    ),
                )
            ),
        )
        self.provider_arn = self.provider.attr_credential_provider_arn
        self.callback_url = self.provider.attr_callback_url

    def grant_to(self, runtime: AgentRuntime) -> None:
        """Let ``runtime``'s agent obtain user-scoped tokens from this provider (and nothing else)."""
        stack = cdk.Stack.of(self)
        directory = (
            f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}"
            ":workload-identity-directory/default"
        )
        runtime.add_to_execution_policy(
            iam.PolicyStatement(
                sid="GetWorkloadAccessToken",
                actions=[
                    "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
                    "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
                ],
                resources=[directory, f"{directory}/workload-identity/{runtime.runtime_name}-*"],
            ),
            iam.PolicyStatement(
                sid="GetOutboundOAuth2Token",
                actions=["bedrock-agentcore:GetResourceOauth2Token"],
                resources=[
                    self.provider_arn,
                    f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}:token-vault/default",
                    directory,
                    f"{directory}/workload-identity/{runtime.runtime_name}-*",
                ],
            ),
            iam.PolicyStatement(
                sid="ReadOutboundClientSecret",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.client_secret.secret_arn],
            ),
        )
        runtime.add_environment(env_contract.OUTBOUND_OAUTH_PROVIDER, self.provider_name)
        runtime.add_environment(env_contract.OUTBOUND_OAUTH_SCOPES, " ".join(self.scopes))
        acknowledge_wildcard_resource(
            runtime.policy,
            f"{directory}/workload-identity/{runtime.runtime_name}-*",
            "AgentCore names a runtime's workload identity after the runtime id ('<runtime_name>-<suffix>'), "
            "assigned after the role exists; the prefix limits the grant to this runtime's own identity.",
        )
        if self.return_urls:
            self._allow_return_urls(runtime)

    def _allow_return_urls(self, runtime: AgentRuntime) -> None:
        """Write the return URLs into the runtime's own workload identity.

        AgentCore creates that identity with the runtime; no CloudFormation property sets its return URLs and the
        runtime's GetAtt exposes only the whole ``WorkloadIdentityDetails`` object. So two SDK calls after the runtime
        exists: GetAgentRuntime (its ``workloadIdentityDetails.workloadIdentityArn``), then UpdateWorkloadIdentity,
        which replaces the list: this identity is the runtime's own, so the list is exactly ``return_urls``.
        """
        stack = cdk.Stack.of(self)
        runtime_id = runtime.runtime.agent_runtime_id
        arn_path = "workloadIdentityDetails.workloadIdentityArn"
        read = custom_resources.AwsSdkCall(
            service="bedrock-agentcore-control",
            action="GetAgentRuntime",
            parameters={"agentRuntimeId": runtime_id},
            physical_resource_id=custom_resources.PhysicalResourceId.from_response(arn_path),
            output_paths=[arn_path],
        )
        self.workload_identity_lookup = custom_resources.AwsCustomResource(
            self,
            "WorkloadIdentityLookup",
            on_create=read,
            on_update=read,
            policy=custom_resources.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["bedrock-agentcore:GetAgentRuntime"], resources=[runtime.runtime.agent_runtime_arn]
                    )
                ]
            ),
            install_latest_aws_sdk=False,
        )
        identity_arn = self.workload_identity_lookup.get_response_field(arn_path)
        identity_name = cdk.Fn.select(1, cdk.Fn.split("/workload-identity/", identity_arn))
        update = custom_resources.AwsSdkCall(
            service="bedrock-agentcore-control",
            action="UpdateWorkloadIdentity",
            parameters={"name": identity_name, "allowedResourceOauth2ReturnUrls": list(self.return_urls)},
            physical_resource_id=custom_resources.PhysicalResourceId.of(identity_name),
        )
        self.return_urls_resource = custom_resources.AwsCustomResource(
            self,
            "AllowReturnUrls",
            on_create=update,
            on_update=update,
            policy=custom_resources.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["bedrock-agentcore:UpdateWorkloadIdentity"], resources=[identity_arn])]
            ),
            install_latest_aws_sdk=False,
        )
        provider_function = stack.node.try_find_child(
            "AWS" + custom_resources.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        )
        if provider_function is not None:
            acknowledge(
                provider_function,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "aws-cdk-lib's AwsCustomResource provider function (one per stack) logs with the AWS managed "
                "basic-execution policy; its other permissions are the two scoped AgentCore calls above.",
            )
