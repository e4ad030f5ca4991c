"""Hard-coded credential detection in environment variables (used by the tools rule)."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

CREDENTIAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS access key id": re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "secret-key style token (sk-...)": re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{8,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\."),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "password/secret assignment": re.compile(
        r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*[^\s&;,]{3,}"
    ),
    "credentials in URL": re.compile(r"://[^/\s:@]+:[^/\s@]+@"),
}
#: Variable names that announce a secret; a literal value in them is a hard-coded credential.
SECRET_NAME = re.compile(
    r"(?i)(?:^|_)(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|APIKEY|TOKEN|ACCESS_KEY|PRIVATE_KEY|CLIENT_SECRET)$"
)
#: Names that hold a *reference* to a secret (ARN, name, id, parameter) — fine when the value is one.
REFERENCE_NAME = re.compile(r"(?i)_(?:ARN|SECRET_ARN|SECRET_NAME|SECRET_ID|PARAMETER|PARAMETER_NAME|SSM_NAME)$")
#: Names of identifiers that look random by design (dashboard UIDs, UUIDs, hashes, ids): judged only by the
#: credential patterns, never by randomness alone.
IDENTIFIER_NAME = re.compile(
    r"(?i)(?:^|_)(?:ID|UID|UUID|GUID|HASH|DIGEST|SHA|ETAG|VERSION|REVISION|COMMIT|NAME|URL|URI)$"
)
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-+/=]{32,}$")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def credential_kind(name: str, value: Any) -> str | None:
    """Why the environment variable ``name=value`` looks like a hard-coded credential, or None.

    Only literal strings are judged: a ``Ref``/``GetAtt``/cross-stack reference is a reference, not a secret.
    ``*_ARN``/``*_SECRET_ARN``/``*_SECRET_NAME``/``*_PARAMETER`` names holding an ARN, a name or a reference are fine.
    """
    if not isinstance(value, str) or not value:
        return None
    for kind, pattern in CREDENTIAL_PATTERNS.items():
        if pattern.search(value):
            return kind
    if value.startswith("arn:"):
        return None
    if REFERENCE_NAME.search(name):
        return None
    if SECRET_NAME.search(name):
        return f"literal value in secret-named variable {name}"
    if IDENTIFIER_NAME.search(name):
        return None
    if _TOKENISH.match(value) and re.search(r"[A-Za-z]", value) and re.search(r"\d", value) and _entropy(value) > 4.0:
        return "long random token"
    return None
