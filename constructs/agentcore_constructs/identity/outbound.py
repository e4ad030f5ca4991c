"""``OutboundOAuth2``: an AgentCore Identity OAuth2 credential provider whose client secret is *referenced* in Secrets
Manager (``ClientSecretSource: EXTERNAL``), never rendered into the template (the L2 embeds it: aws-cdk #38060), and
the grants a runtime's agent needs to obtain user-scoped tokens from it."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources

from agentcore_constructs.acknowledgements import acknowledge, acknowledge_wildcard_resource
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.identity.validation import PROVIDER_NAME, https_url_problems
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime
from constructs import Construct

#: The key of the client secret inside the Secrets Manager secret (the provider's ClientSecretConfig.JsonKey).
CLIENT_SECRET_JSON_KEY = "client_secret"


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
        problems = Problems.of(self)
        problems.check(
            PROVIDER_NAME.match(provider_name),
            "provider_name",
            f"{provider_name!r} must be 1-128 letters, digits, '-' or '_'",
        )
        problems.check(
            cdk.Token.is_unresolved(discovery_url) or discovery_url.startswith("https://"),
            "discovery_url",
            f"{discovery_url!r} must be https://",
        )
        problems.check(client_id, "client_id", "must not be empty (the client id the external service issued)")
        for requested in scopes:
            # The agent reads them space-separated (OUTBOUND_OAUTH_SCOPES): a scope with a space would become two.
            problems.check(
                requested and not any(c.isspace() for c in requested),
                "scopes",
                f"entry {requested!r} must be a non-empty scope without spaces",
            )
        problems.extend(https_url_problems("return_urls", return_urls, localhost=True))
        problems.raise_if_any()
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
        """Let ``runtime``'s agent obtain user-scoped tokens from this provider (and nothing else). The agent reads
        one provider: a runtime already granted one fails."""
        problems = Problems.of(self)
        problems.check(
            env_contract.OUTBOUND_OAUTH_PROVIDER.name not in runtime.connected_variables,
            "runtime",
            f"{runtime.node.path} already gets tokens from an outbound provider (the agent reads one "
            f"{env_contract.OUTBOUND_OAUTH_PROVIDER.name})",
        )
        problems.raise_if_any()
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
