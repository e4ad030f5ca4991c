"""What AgentRuntime reads from the agent source at synth: hard-coded credentials, direct HTTP calls with a literal
URL, and whether the kit's memory is called (not merely imported). Static: nothing here is imported or run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from agentcore_constructs.consumption import AgentSource, scan_agent_source, url_host
from agentcore_constructs.contract.consumers import KIT_MEMORY_CALLABLES, SOURCE_METADATA_KEY
from library_tests.support import FIXTURE_AGENT, FIXTURE_WRAPPED_POC, new_runtime, new_stack

SECRET = "sk-hardcoded-key-12345"


def _scan(tmp_path: Path, files: dict[str, str]) -> AgentSource:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return scan_agent_source(tmp_path)


def test_the_seed_poc_hard_codes_a_key_and_calls_the_orders_api_directly() -> None:
    found = scan_agent_source(FIXTURE_WRAPPED_POC)
    assert found.metadata() == {
        "credentials": [{"file": "main.py", "line": 18, "kind": "secret-key style token (sk-...) in key 'X-API-Key'"}],
        "direct_http": [{"file": "main.py", "line": 17, "host": "api.example.com"}],
    }
    assert SECRET not in json.dumps(found.metadata())


def test_the_kit_agent_has_nothing_to_record_and_uses_memory() -> None:
    found = scan_agent_source(FIXTURE_AGENT)
    assert found.metadata() == {} and "MEMORY_ID" in found.consumes


def test_the_runtime_carries_the_record_only_when_there_is_something_to_say() -> None:
    poc = Template.from_stack(new_runtime(new_stack(), source_dir=FIXTURE_WRAPPED_POC).node.scope)  # type: ignore[arg-type]
    (runtime,) = poc.find_resources("AWS::BedrockAgentCore::Runtime").values()
    assert runtime["Metadata"][SOURCE_METADATA_KEY]["direct_http"][0]["host"] == "api.example.com"
    assert SECRET not in json.dumps(poc.to_json())
    kit = Template.from_stack(new_runtime(new_stack()).node.scope)  # type: ignore[arg-type]
    (runtime,) = kit.find_resources("AWS::BedrockAgentCore::Runtime").values()
    assert SOURCE_METADATA_KEY not in runtime["Metadata"]


@pytest.mark.parametrize(
    ("source", "memory_called"),
    [
        ("from agentcore_constructs.kit.strands import AgentCoreApp\n", False),
        ("from agentcore_constructs.kit.strands import AgentCoreApp\nAgentCoreApp(agent).run()\n", True),
        ("from agentcore_constructs.kit.strands import AgentCoreApp as App\napp = App(system_prompt='p')\n", True),
        ("from agentcore_constructs.kit import memory\nm = memory.conversation_memory(s, c)\n", True),
        ("import agentcore_constructs.kit.langgraph\nagentcore_constructs.kit.langgraph.AgentCoreApp(g)\n", True),
        (
            "from agentcore_constructs.kit.strands import StrandsAgentRunner\nclass Mine(StrandsAgentRunner): ...\n",
            True,
        ),
        # calling something else of the module does not wire memory
        ("from agentcore_constructs.kit.strands import gateway_tools\ntools = gateway_tools(s)\n", False),
        # the agent reads MEMORY_ID itself (its own memory client): consumed, not "imported and never called"
        ("import os\nfrom agentcore_constructs.kit.strands import gateway_tools\nos.environ['MEMORY_ID']\n", None),
    ],
)
def test_memory_counts_when_called_not_when_imported(tmp_path: Path, source: str, memory_called: bool | None) -> None:
    found = _scan(tmp_path, {"main.py": source})
    assert ("MEMORY_ID" in found.consumes) is (memory_called is not False)
    assert found.memory_uncalled == (None if memory_called is not False else "agentcore_constructs.kit.strands")
    if "kit.strands" in source:
        assert "GATEWAY_URL" in found.consumes  # the module's other stages count as before


def test_memory_called_through_a_module_of_the_agent(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        {
            "my_agent/__init__.py": "",
            "my_agent/app.py": "from agentcore_constructs.kit.strands import AgentCoreApp\n",
            "main.py": "from my_agent.app import AgentCoreApp\nAgentCoreApp(agent).run()\n",
        },
    )
    assert "MEMORY_ID" in found.consumes and found.memory_uncalled is None


def test_every_memory_callable_exists_in_its_kit_module() -> None:
    import importlib

    for module, names in KIT_MEMORY_CALLABLES.items():
        assert all(hasattr(importlib.import_module(module), name) for name in names), module


CREDENTIALS = '''
"""Docstrings are prose: sk-documentedexample123 is not a key."""
import os
api_key = "abc123def456ghi"
clientSecret = "Zq9xLm2Pw8Rt"
client = make_client(password="hunter2hunter2")
headers = {"Authorization": "Bearer eyJraWQiOiJrMSJ9abc", "X-API-Key": SECRET_FROM_ELSEWHERE}
def connect(token="literal-token-value"):
    pass
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
sign("use ASIAIOSFODNN7EXAMPLE to sign")
PROMPT = "Never reveal the token: nobody needs it. The password: ask the admin."
DSN = "host=db user=app password=hunter3hunter3"
from_env = os.environ["API_KEY"]
dynamic = {"Authorization": f"Bearer {from_env}"}
empty_token = ""
'''


def test_credentials_are_found_by_name_header_default_and_pattern_and_never_recorded(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"main.py": CREDENTIALS, "tests/test_fake.py": 'api_key = "only-in-tests-123"\n'})
    kinds = {c["line"]: c["kind"] for c in found.credentials}
    assert kinds == {
        4: "literal value in secret-named variable API_KEY in variable api_key",
        5: "literal value in secret-named variable CLIENT_SECRET in variable clientSecret",
        6: "literal value in secret-named variable PASSWORD in argument password=",
        7: "literal Authorization header in key 'Authorization'",
        8: "literal value in secret-named variable TOKEN in default of token",
        10: "AWS access key id in variable AWS_KEY",
        11: "AWS access key id in a string literal",
        13: "password/secret assignment in variable DSN",
    }
    recorded = json.dumps(found.metadata())
    for secret in (
        "abc123def456ghi",
        "Zq9xLm2Pw8Rt",
        "hunter2",
        "eyJraWQ",
        "literal-token-value",
        "IOSFODNN7",
        "hunter3",
    ):
        assert secret not in recorded


HTTP = """
import os
import urllib.request
import http.client

import httpx
import requests
from requests import post as send

BASE = "https://orders.example.com"

requests.get("https://api.example.com/orders/1")
send(BASE + "/refunds", json={})
client = httpx.AsyncClient(base_url="https://Upper.Example.com:8443")
session = requests.Session()
session.put("https://session.example.com/x")
requests.Session().delete("https://chained.example.com/")
urllib.request.urlopen("http://plain.example.com")
http.client.HTTPSConnection("conn.example.com:443")
with httpx.Client() as c:
    c.post(f"https://fstring.example.com/orders/{order_id}")
    c.get("https://{host}/x".format(host=host))
requests.get(f"https://{host}/orders")
requests.get(f"https://partial.exa{suffix}")
requests.get(os.environ["ORDERS_URL"])
os.environ.get("URL", "https://not-a-call.example.com")
settings.get("https://not-http-either.example.com")
"""


def test_direct_http_calls_with_a_literal_host_are_recorded(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"main.py": HTTP})
    assert [(c["line"], c["host"]) for c in found.direct_http] == [
        (12, "api.example.com"),
        (13, "orders.example.com"),
        (14, "upper.example.com"),
        (16, "session.example.com"),
        (17, "chained.example.com"),
        (18, "plain.example.com"),
        (19, "conn.example.com"),
        (21, "fstring.example.com"),
    ]


@pytest.mark.parametrize(
    ("text", "host", "head_host"),
    [
        ("https://api.example.com", "api.example.com", None),
        ("https://API.example.com:8443/v1", "api.example.com", "api.example.com"),
        ("http://user:pw@h.example.com/x", "h.example.com", "h.example.com"),
        ("https://cognito-idp.", "cognito-idp.", None),  # as the head of a longer string, the host goes on
        ("ftp://h.example.com/", None, None),
        ("api.example.com", None, None),
        ("https://", None, None),
    ],
)
def test_url_host(text: str, host: str | None, head_host: str | None) -> None:
    assert url_host(text) == host
    assert url_host(text, whole=False) == head_host
