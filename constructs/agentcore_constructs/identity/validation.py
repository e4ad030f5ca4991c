"""What Cognito and AgentCore accept for the identity props: each check returns ``(prop, what is wrong)`` pairs, so a
construct collects them all (:class:`agentcore_constructs.props.Problems`) before it creates anything.

Pure Python (the option groups use them too): a construct passes over values that are CDK tokens (known only at
deploy) before it calls these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: AgentCore's discovery URL pattern (CustomJWTAuthorizerConfiguration.discoveryUrl, Control Plane API reference:
#: https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CustomJWTAuthorizerConfiguration.html).
DISCOVERY_URL = re.compile(r"^https://.+/\.well-known/openid-configuration$")
DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
#: Cognito refuses domain prefixes containing these words.
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
#: Cognito's patterns for a resource-server identifier and a scope name (Cognito API reference, CreateResourceServer
#: "Identifier" and ResourceServerScopeType "ScopeName": printable ASCII without space and '"' ; no '/' in scopes).
RESOURCE_SERVER_ID = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
SCOPE_NAME = re.compile(r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$")
#: AgentCore's credential provider name (CreateOauth2CredentialProvider "name").
PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9\-_]{1,128}$")

Found = list[tuple[str, str]]


def discovery_url_problems(prop: str, url: object) -> Found:
    if isinstance(url, str) and DISCOVERY_URL.match(url):
        return []
    return [(prop, f"{url!r} must be https://.../.well-known/openid-configuration (AgentCore's authorizer pattern)")]


def domain_prefix_problems(domain_prefix: str) -> Found:
    if DOMAIN_PREFIX.match(domain_prefix) and not any(word in domain_prefix for word in RESERVED_DOMAIN_WORDS):
        return []
    return [
        (
            "domain_prefix",
            f"{domain_prefix!r} must be lowercase letters, digits and hyphens (max 63) without "
            f"{', '.join(RESERVED_DOMAIN_WORDS)}",
        )
    ]


def user_group_problems(groups: Sequence[str]) -> Found:
    if isinstance(groups, str):
        return [("user_groups", "must be a list of group names, not one string")]
    found: Found = []
    for group in groups:
        # Cognito API reference, CreateGroup: GroupName 1-128 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}].
        if (
            not isinstance(group, str)
            or not 1 <= len(group) <= 128
            or any(c.isspace() or not c.isprintable() for c in group)
        ):
            found.append(("user_groups", f"entry {group!r} is not a Cognito group name (1-128 characters, no spaces)"))
    if len(set(groups)) != len(groups):
        found.append(("user_groups", "lists a group twice"))
    return found


def https_url_problems(prop: str, urls: Sequence[str], *, localhost: bool = False) -> Found:
    """Each URL must be https:// (or http://localhost when ``localhost``)."""
    allowed = ("https://", "http://localhost") if localhost else ("https://",)
    what = "https:// (or http://localhost)" if localhost else "https://"
    return [(prop, f"{url!r} must be {what}") for url in urls if not (isinstance(url, str) and url.startswith(allowed))]
