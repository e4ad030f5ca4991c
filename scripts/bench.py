"""Benchmarks that print figures (never assertions): synth cost, agent cold start, latency and time to first token,
test-suite time.

Run with `make bench`. Each figure is the median of several runs on this machine; compare the ratios, not the
absolute seconds, across machines. The test suites are not re-run: `make test` leaves a JUnit report per suite under
.bench/tests/ and the bench prints their wall time, test count and slowest tests (``--tests`` runs them first).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.contract.streaming import EVENT_STREAM

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# A `cdk init` app: one stack, the same cdk.json feature flags (incl. built-in template validation), no packs.
BARE_APP = textwrap.dedent(
    """
    import json, aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    flags = {{k: v for k, v in json.load(open("cdk.json"))["context"].items() if k.startswith("@aws-cdk")}}
    app = cdk.App(context=flags, outdir={outdir!r})
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="us-east-1"))
    s3.Bucket(stack, "Bucket")
    app.synth()
    """
)

FULL_APP = textwrap.dedent(
    """
    import json, aws_cdk as cdk
    from stacks.app import build_app
    context = json.load(open("cdk.json"))["context"]
    context["aws:cdk:bundling-stacks"] = []  # bundling is cached between synths; measure the app itself
    build_app(cdk.App(context=context, outdir={outdir!r})).synth()
    """
)

TOOLS_APP = textwrap.dedent(
    """
    import aws_cdk as cdk
    from agentcore_constructs import AgentRuntime
    from agentcore_constructs.gateway import LambdaTool, ToolFunction, ToolGateway
    context = {{"aws:cdk:bundling-stacks": [], "@aws-cdk/core:validateAgainstDefaultRules": False}}
    app = cdk.App(context=context, outdir={outdir!r})
    stack = cdk.Stack(app, "Tools", env=cdk.Environment(account="123456789012", region="us-east-1"))
    model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    runtime = AgentRuntime(stack, "Agent", runtime_name="bench", source_dir="agent_src", model_id=model)
    gateway = ToolGateway(stack, "Gateway", gateway_name="bench")
    text = {{"type": "object", "properties": {{"text": {{"type": "string"}}}}}}
    schema = {{"name": "echo", "description": "Echo", "inputSchema": text}}
    for i in range({tools}):
        tool = LambdaTool(
            stack,
            f"T{{i}}",
            target_name=f"tool-{{i}}",
            tools=[schema],
            # synth refuses a handler missing from the code
            function=ToolFunction(code_root="lambdas", handler="order_service.handler.lambda_handler"),
        )
        gateway.add_lambda_tool(tool)
    gateway.connect_to(runtime)
    app.synth()
    """
)

BARE_AGENT = textwrap.dedent(
    """
    import sys
    from bedrock_agentcore.runtime import BedrockAgentCoreApp
    app = BedrockAgentCoreApp()
    @app.entrypoint
    def invoke(payload):
        return {"response": payload.get("prompt", "")}
    app.run(port=int(sys.argv[1]))
    """
)


#: The offline model's pause before each word of a streamed answer (a model's pace, so a stream has a first token).
TOKEN_DELAY_SECONDS = 0.02
#: A bare BedrockAgentCoreApp streaming a Strands agent (AgentCore developer guide, "Stream agent responses"), on the
#: kit's offline model: the baseline of the kit's time to first token.
BARE_STREAMING_AGENT = textwrap.dedent(
    """
    import sys
    from bedrock_agentcore.runtime import BedrockAgentCoreApp
    from strands import Agent
    from agentcore_constructs.kit.strands import OfflineToolCallingModel
    app = BedrockAgentCoreApp()
    model = OfflineToolCallingModel(token_delay=TOKEN_DELAY)
    @app.entrypoint
    async def invoke(payload):
        agent = Agent(model=model, callback_handler=None)
        async for event in agent.stream_async(payload["prompt"]):
            if "data" in event:
                yield event["data"]
    app.run(port=int(sys.argv[1]))
    """
).replace("TOKEN_DELAY", repr(TOKEN_DELAY_SECONDS))
#: The kit's Strands app (guard, per-session lock, local memory, limits) on the same model.
KIT_STREAMING_AGENT = textwrap.dedent(
    """
    import sys
    from agentcore_constructs.kit.strands import AgentCoreApp, OfflineToolCallingModel
    model = OfflineToolCallingModel(token_delay=TOKEN_DELAY)
    AgentCoreApp(system_prompt="You are a helpful assistant.", model=model).run(int(sys.argv[1]))
    """
).replace("TOKEN_DELAY", repr(TOKEN_DELAY_SECONDS))


#: A bare BedrockAgentCoreApp with a framework imported (the baseline the kit's cold start is compared with).
BARE_FRAMEWORK_AGENT = {
    "strands": "import strands, strands.models\nfrom strands import Agent\n" + BARE_AGENT,
    "langgraph": "import langchain.agents, langchain_aws\n" + BARE_AGENT,
}
#: The support agent's entrypoints per flavour (the files the Runtime runs).
AGENT_ENTRYPOINTS = {"strands": "agent_src/main.py", "langgraph": "agent_src/main_langgraph.py"}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{REPO_ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("CDK_DEFAULT_ACCOUNT", "123456789012")
    env.setdefault("CDK_DEFAULT_REGION", "us-east-1")
    return env


def _without_installed_bytecode(env: dict[str, str], cache: str) -> dict[str, str]:
    """The interpreter ignores the bytecode ``make install`` compiled and writes none: every import recompiles.

    That is what CI, containers and read-only installs did before install-time compilation (Python looks for
    ``.pyc`` files only under ``PYTHONPYCACHEPREFIX`` when it is set, and ``PYTHONDONTWRITEBYTECODE`` keeps it empty).
    """
    return {**env, "PYTHONPYCACHEPREFIX": cache, "PYTHONDONTWRITEBYTECODE": "1"}


def _time_script(code: str, runs: int, env: dict[str, str] | None = None) -> float:
    return _time_script_cpu(code, runs, env)[0]


def _time_script_cpu(code: str, runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of the child: user + system, Python and the jsii Node process)."""
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as outdir:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [PYTHON, "-c", code.format(outdir=outdir)],
                cwd=REPO_ROOT,
                env=env or _env(),
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


#: The JUnit report of the last `make test` run (gitignored; the Makefile passes --junitxml): both suites, one session.
TEST_RESULTS = REPO_ROOT / ".bench" / "tests"
TEST_REPORT = TEST_RESULTS / "suites.xml"
#: Suite name -> its folder, as `make test` passes them; a JUnit classname is the test file's path from the
#: repository root with dots (``constructs.library_tests.test_docs``).
SUITE_PATHS = {"app": "tests", "library": "constructs/library_tests"}
SLOWEST = 10


@dataclass(frozen=True)
class SuiteReport:
    """One suite's figures from the session's JUnit report."""

    name: str
    wall_seconds: float  #: the whole pytest session (both suites): collection, worker start-up and every test
    tests: int
    failed: int  #: failures + errors
    skipped: int
    finished: str  #: when the run started (the report's timestamp)
    slowest: list[tuple[float, str]]  #: (seconds of setup + call + teardown, test id), slowest first


def read_suite_report(name: str, path: Path) -> SuiteReport | None:
    """Suite ``name``'s figures in the JUnit report at ``path`` (None when there is none: `make test` never ran)."""
    if not path.is_file():
        return None
    root = ElementTree.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        raise ValueError(f"{path} is not a JUnit report: no <testsuite>")
    package = SUITE_PATHS[name].replace("/", ".") + "."
    cases = [case for case in suite.iter("testcase") if case.get("classname", "").startswith(package)]
    return SuiteReport(
        name=name,
        wall_seconds=float(suite.get("time", "0")),
        tests=len(cases),
        failed=sum(1 for case in cases if case.find("failure") is not None or case.find("error") is not None),
        skipped=sum(1 for case in cases if case.find("skipped") is not None),
        finished=suite.get("timestamp", "?"),
        slowest=sorted(
            ((float(case.get("time", "0")), f"{case.get('classname', '')}::{case.get('name', '')}") for case in cases),
            key=lambda case: -case[0],
        )[:SLOWEST],
    )


def suite_rows(reports: list[SuiteReport | None]) -> list[tuple[str, str]]:
    """Rows for the figures table: the session's wall time, then per suite its counts and slowest tests."""
    rows: list[tuple[str, str]] = []
    ran = [report for report in reports if report is not None]
    if ran:
        rows.append(
            (f"test suites, one session, 2 workers (run {ran[0].finished}): wall (s)", f"{ran[0].wall_seconds:.1f}")
        )
    for name, report in zip(SUITE_PATHS, reports, strict=True):
        if report is None or report.tests == 0:
            rows.append((f"test suite {name}", "no report: run `make test` (or `make bench BENCH_ARGS=--tests`)"))
            continue
        rows.append(
            (f"test suite {name}: tests / failed / skipped", f"{report.tests} / {report.failed} / {report.skipped}")
        )
        rows += [(f"  {test}", f"{seconds:.2f}") for seconds, test in report.slowest]
    return rows


def suite_reports(path: Path = TEST_REPORT) -> list[SuiteReport | None]:
    """Each suite's figures from the report at ``path``."""
    return [read_suite_report(name, path) for name in SUITE_PATHS]


def run_suites(env: dict[str, str], results: Path = TEST_RESULTS) -> float:
    """Run both suites as ``make test`` does (one session), writing its JUnit report under ``results``; wall seconds."""
    results.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [
            PYTHON,
            "-m",
            "pytest",
            *SUITE_PATHS.values(),
            "-q",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            f"--junitxml={results / TEST_REPORT.name}",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _warm_handler_figures(calls: int = 300) -> tuple[float, float]:
    """(median ms per warm lookup_order call incl. loopback upstream, median ms of the upstream alone)."""
    from local_dev.gateway import local_order_service
    from local_dev.upstream import start_fake_orders_api

    api = start_fake_orders_api()
    try:
        # The handler logs and emits EMF metrics to stdout on every call: keep them out of the figures.
        with contextlib.redirect_stdout(io.StringIO()):
            service = local_order_service(api.url, caller_required=False)
            name = "order-service___lookup_order"
            service.invoke(name, {"order_id": "ORD-12345"}, "0")  # cold: imports, secret cache, connection pool
            handler_ms, upstream_ms = [], []
            for i in range(calls):
                start = time.perf_counter()
                service.invoke(name, {"order_id": "ORD-12345"}, str(i))
                handler_ms.append((time.perf_counter() - start) * 1000)
        for _ in range(calls):
            start = time.perf_counter()
            urllib.request.urlopen(
                urllib.request.Request(f"{api.url}/orders/ORD-12345", headers={"X-API-Key": "dev-local-key"}), timeout=5
            ).read()
            upstream_ms.append((time.perf_counter() - start) * 1000)
        return statistics.median(handler_ms), statistics.median(upstream_ms)
    finally:
        api.stop()


def _invocation_latency(url: str, requests: int) -> tuple[float, float]:
    samples = []
    body = json.dumps({"prompt": "What is order ORD-12345?"}).encode()
    for i in range(requests):
        request = urllib.request.Request(
            f"{url}/invocations",
            data=body,
            headers={
                "Content-Type": "application/json",
                SESSION_HEADER: f"bench-session-{i % 10:04d}-padding-to-33-chars-x",
            },
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _stream_timings(port: int, requests: int) -> tuple[float, float]:
    """(median ms to the first streamed event, median ms to the end of the stream) of sequential streamed requests."""
    first_event, whole = [], []
    body = json.dumps({"prompt": "Where is my parcel? It was due on Monday."}).encode()
    for i in range(requests):
        headers = {
            "Content-Type": "application/json",
            "Accept": EVENT_STREAM,
            # A new session each time: every answer is the same text ("history: 0 earlier user turns"), as the bare
            # app's (which keeps no history), so the whole-answer figures compare too.
            SESSION_HEADER: f"bench-stream-{i:04d}-padding-to-33-chars",
        }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            start = time.perf_counter()
            connection.request("POST", "/invocations", body, headers)
            response = connection.getresponse()
            first = None
            for line in response:  # line by line, as the events arrive
                if first is None and line.startswith(b"data:"):
                    first = time.perf_counter()
            end = time.perf_counter()
        finally:
            connection.close()
        if response.status != 200 or first is None:
            raise RuntimeError(f"streamed request {i} failed: HTTP {response.status}")
        first_event.append((first - start) * 1000)
        whole.append((end - start) * 1000)
    return statistics.median(first_event), statistics.median(whole)


def _time_to_first_token(requests: int = 30) -> list[tuple[str, str]]:
    """Streamed answers of the kit's agent and of a bare streaming app, both on the offline model."""
    rows, firsts = [], []
    for label, code in (
        ("kit agent (strands)", KIT_STREAMING_AGENT),
        ("bare BedrockAgentCoreApp + Strands stream_async", BARE_STREAMING_AGENT),
    ):
        port = _free_port()
        env = {**_env(), env_vars.MODEL_PROVIDER.name: "offline", "LOCAL_MEMORY_DIR": tempfile.mkdtemp()}
        process = subprocess.Popen(
            [PYTHON, "-c", code, str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_healthy(port)
            first, whole = _stream_timings(port, requests)
        finally:
            process.terminate()
            process.wait(timeout=10)
        firsts.append(first)
        rows.append(
            (
                f"streamed /invocations, {label}, {TOKEN_DELAY_SECONDS * 1000:.0f} ms/token offline model: "
                f"first token / whole answer (ms, median of {requests})",
                f"{first:.1f} / {whole:.1f}",
            )
        )
    rows.append(("time to first token: kit agent - bare app (ms)", f"{firsts[0] - firsts[1]:.1f}"))
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(port: int, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as response:
                if json.load(response).get("status") == "Healthy":
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"port {port} did not become healthy within {timeout} s")


def _cold_start(command: list[str], port: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = start + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as response:
                    if json.load(response).get("status") == "Healthy":
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{command} did not become healthy within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _median_cold_start(make_command, runs: int, *, recompiling: bool = False) -> float:
    samples = []
    for _ in range(runs):
        port = _free_port()
        env = {**_env(), env_vars.MODEL_PROVIDER.name: "offline", "LOCAL_MEMORY_DIR": tempfile.mkdtemp()}
        if recompiling:
            env = _without_installed_bytecode(env, tempfile.mkdtemp())
        samples.append(_cold_start(make_command(port), port, env))
    return statistics.median(samples)


def _zip_size(folder: Path) -> int:
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "agent.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder))
        return target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-tests", action="store_true", help="print no test-suite figures")
    parser.add_argument("--tests", action="store_true", help="run both suites first (else: the last `make test`)")
    parser.add_argument(
        "--tests-recompiling", action="store_true", help="also time both suites with no installed bytecode"
    )
    parser.add_argument("--suites-only", action="store_true", help="print only the test-suite figures (instant)")
    args = parser.parse_args()
    if args.suites_only:
        if args.tests:
            run_suites(_env())
        suites = suite_rows(suite_reports())
        _print_rows(
            suites, f"Test suites ({os.cpu_count()} cores; JUnit reports under {TEST_RESULTS.relative_to(REPO_ROOT)})"
        )
        return

    rows: list[tuple[str, str]] = []
    bare = _time_script(BARE_APP, args.runs)
    full, full_cpu = _time_script_cpu(FULL_APP, args.runs)
    with tempfile.TemporaryDirectory() as cache:
        cold_full, cold_full_cpu = _time_script_cpu(FULL_APP, args.runs, _without_installed_bytecode(_env(), cache))
    environments = len(json.loads((REPO_ROOT / "cdk.json").read_text())["context"]["environments"])
    rows += [
        ("synth: bare one-stack aws-cdk-lib app (s)", f"{bare:.2f}"),
        (f"synth: full app, {environments} environments + cdk-nag (s)", f"{full:.2f}"),
        ("synth: full / bare (target <= 2x)", f"{full / bare:.2f}x"),
        ("synth: full app, installed bytecode: wall / CPU (s)", f"{full:.2f} / {full_cpu:.2f}"),
        ("synth: full app, recompiling every import: wall / CPU (s)", f"{cold_full:.2f} / {cold_full_cpu:.2f}"),
    ]

    agent = _median_cold_start(
        lambda port: [
            PYTHON,
            "-m",
            "scripts.dev_server",
            "--port",
            str(port),
            "--issuer-port",
            "0",
            "--state-file",
            tempfile.mktemp(),
        ],
        args.runs,
    )
    bare_agent = _median_cold_start(lambda port: [PYTHON, "-c", BARE_AGENT, str(port)], args.runs)
    rows += [
        ("dev stack cold start (agent + issuer + gateway + upstream): start -> /ping healthy (s)", f"{agent:.2f}"),
        ("bare BedrockAgentCoreApp echo cold start (s)", f"{bare_agent:.2f}"),
    ]
    for flavour, entrypoint in AGENT_ENTRYPOINTS.items():
        kit = _median_cold_start(lambda port, e=entrypoint: [PYTHON, e, str(port)], args.runs)
        bare = _median_cold_start(lambda port, f=flavour: [PYTHON, "-c", BARE_FRAMEWORK_AGENT[f], str(port)], args.runs)
        rows += [
            (f"support agent ({flavour}, kit) cold start: start -> /ping healthy (s)", f"{kit:.2f}"),
            (f"bare BedrockAgentCoreApp with {flavour} imported (s)", f"{bare:.2f}"),
            (f"support agent / bare, {flavour} (target <= 1.3x)", f"{kit / bare:.2f}x"),
        ]
        # A bundle without bytecode in a microVM that keeps none: what CodeArtifact(compile_bytecode=) avoids.
        sources_only = _median_cold_start(
            lambda port, e=entrypoint: [PYTHON, e, str(port)], args.runs, recompiling=True
        )
        rows.append((f"support agent ({flavour}) cold start compiling every import (s)", f"{sources_only:.2f}"))

    growth = {n: _time_script(TOOLS_APP.replace("{tools}", str(n)), 1) for n in (1, 10, 50)}
    rows += [(f"synth: runtime + gateway + {n} Lambda tools (s)", f"{t:.2f}") for n, t in growth.items()]
    rows.append(("synth growth per added tool, 10 -> 50 (ms/tool)", f"{(growth[50] - growth[10]) / 40 * 1000:.0f}"))

    handler_ms, upstream_ms = _warm_handler_figures()
    rows += [
        ("order handler warm call incl. loopback upstream (ms, median)", f"{handler_ms:.2f}"),
        ("loopback upstream alone (ms, median)", f"{upstream_ms:.2f}"),
        ("order handler warm time excluding upstream (ms)", f"{max(handler_ms - upstream_ms, 0):.2f}"),
    ]

    for label, command in (
        (
            "agent (offline model, local memory, no tools)",
            lambda port: [
                PYTHON,
                "-m",
                "scripts.dev_server",
                "--port",
                str(port),
                "--no-gateway",
                "--no-auth",
                "--state-file",
                tempfile.mktemp(),
            ],
        ),
        ("bare BedrockAgentCoreApp echo", lambda port: [PYTHON, "-c", BARE_AGENT, str(port)]),
    ):
        port = _free_port()
        env = {**_env(), env_vars.MODEL_PROVIDER.name: "offline", "LOCAL_MEMORY_DIR": tempfile.mkdtemp()}
        process = subprocess.Popen(
            command(port), cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_healthy(port)
            p50, p99 = _invocation_latency(f"http://127.0.0.1:{port}", 200)
        finally:
            process.terminate()
            process.wait(timeout=10)
        rows.append((f"/invocations {label}: p50 / p99 (ms, 200 sequential)", f"{p50:.1f} / {p99:.1f}"))

    rows += _time_to_first_token()

    bundles = sorted((REPO_ROOT / "cdk.out").glob("asset.*"))
    for bundle in bundles:
        if bundle.is_dir() and (bundle / "main.py").exists():
            size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
            rows.append(("agent bundle, unzipped (MB; from the last `make synth`)", f"{size / 1e6:.1f}"))
            zipped = _zip_size(bundle)
            rows.append(("agent bundle, zipped (MB)", f"{zipped / 1e6:.1f}"))

    if not args.skip_tests:
        if args.tests:
            rows.append(("offline test suites, 2 workers, installed bytecode (s)", f"{run_suites(_env()):.1f}"))
        if args.tests_recompiling:
            with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as results:
                recompiling = run_suites(_without_installed_bytecode(_env(), cache), Path(results))
            rows.append(("offline test suites, 2 workers, recompiling every import (s)", f"{recompiling:.1f}"))
        rows += suite_rows(suite_reports())

    _print_rows(rows, f"Benchmarks ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, median of {args.runs})")


def _print_rows(rows: list[tuple[str, str]], title: str) -> None:
    width = max(len(name) for name, _ in rows)
    print(title)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
