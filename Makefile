# One-command entry points. Everything installs from the repo's own pinned files:
#   Python: uv.lock (via a pinned uv bootstrapped into .tools/), Node + CDK CLI: package-lock.json.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
# jsii and the CDK CLI run on the project's pinned Node, not the machine's.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Offline synth: no credentials, no context lookups, a documented placeholder account.
export CDK_DEFAULT_ACCOUNT ?= 123456789012
export CDK_DEFAULT_REGION ?= us-east-1

.PHONY: help install lint check synth test dev invoke bench cost e2e token release-status deploy eval snapshot-update clean agent-lock tools-lock checkov-lock reference example example-lock

help:
	@echo "make synth            install, synthesize every environment with the rule packs, print the scorecard"
	@echo "make test             install and run the offline test suite"
	@echo "make lint             ruff format check, ruff lint, mypy (CI runs it before the tests)"
	@echo "make check            everything a change must pass: format, lint, types, REFERENCE.md current, both suites"
	@echo "make dev [ENV=dev]    run the environment's agent and stages locally on 127.0.0.1:8080 (Runtime contract)"
	@echo "make snapshot-update  re-record the template snapshots"
	@echo "make reference        re-render constructs/REFERENCE.md from the library's code"
	@echo "make bench            print synth / cold start figures and the last make test's suite times"
	@echo "make example          synthesize examples/outside_team from the library's wheel in a clean venv"
	@echo "make cost             idle monthly cost per environment + per-request cost, from cdk.out"
	@echo "make e2e ENV=staging  end-to-end suite against a deployed environment (needs AWS credentials)"
	@echo "make eval [ENV=staging]  support conversations: tool trajectories (local) and answers (deployed)"
	@echo "make release-status ENV=prod  which version each endpoint serves, known-good, rollbacks"
	@echo "make deploy ENV=prod  refuse a pin that undoes a rollback, then cdk deploy \"prod/*\""
	@echo "make token USER=alice print a dev access token from the running make-dev stack"
	@echo "make invoke PROMPT=\"...\" USER=alice   call the running make-dev agent as alice (dev token)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock constructs/pyproject.toml
	$(UV) sync --frozen --python $(PYTHON) --compile-bytecode
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov has its own venv: its pins (packaging<24) conflict with the app's test stack. Compiled at install: checkov
# imports about 2,000 modules, recompiled on every start without bytecode (6.5 s of CPU, 2.4 s with it).
CHECKOV := $(TOOLS)/checkov/.installed
$(CHECKOV): $(UV) tools/checkov/requirements.lock
	$(UV) venv -q --allow-existing $(TOOLS)/checkov --python $(PYTHON)
	$(UV) pip install -q --python $(TOOLS)/checkov/bin/python --require-hashes -r tools/checkov/requirements.lock
	$(TOOLS)/checkov/bin/python -m compileall -q -j 0 $(TOOLS)/checkov/lib >/dev/null
	@touch $@

install: $(VENV)/.synced node_modules/.installed $(CHECKOV)

synth: install
	rm -rf cdk.out
	cdk synth --quiet
	$(VENV)/bin/agentcore-scorecard cdk.out

# Format, lint and types (CI runs it before the tests).
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Everything a change must pass before it lands: format, lint, types, the rendered reference, both suites.
check: lint
	$(PY) -m agentcore_constructs.reference | diff -q - constructs/REFERENCE.md >/dev/null \
		|| (echo "constructs/REFERENCE.md is stale: run make reference" && exit 1)
	$(MAKE) --no-print-directory test

# The app's suite and the construct library's own (offline, its own fixture agent and tool) in one pytest session:
# one worker start-up and collection instead of two, and the two workers balance across both (measured: 122 s against
# 108 + 34 s run one after the other). The library suite also runs alone (cd constructs && pytest): it imports no app
# code (tests/unit/tooling/test_test_layout.py). One JUnit report under .bench/tests/ (gitignored): `make bench`
# prints the session's wall time and each suite's counts and slowest tests. Bytecode is written (an inherited
# PYTHONDONTWRITEBYTECODE is cleared; __pycache__ is gitignored and bundles exclude it): each test module is
# assertion-rewritten once per run, not in every worker (about 3 s of CPU per worker), and the agents, synths and
# probes the tests start compile the repository's modules once.
TEST_RESULTS := $(CURDIR)/.bench/tests
test: install
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest tests constructs/library_tests -n 2 --dist loadgroup --junitxml=$(TEST_RESULTS)/suites.xml

cost: install
	@test -f cdk.out/manifest.json || $(MAKE) --no-print-directory synth
	$(PY) -m scripts.cost cdk.out

# Releases: which version each endpoint serves; deploy refuses a pin that would undo an automatic rollback.
release-status: install
	$(PY) -m scripts.release status $(ENV)

deploy: install
	$(PY) -m scripts.release guard $(ENV)
	env -u CDK_DEFAULT_ACCOUNT -u CDK_DEFAULT_REGION cdk deploy "$(ENV)/*"

# The support-conversation evaluation: `make eval` (local stack, offline model) or `make eval ENV=staging` (deployed).
eval: install
	$(PY) -m evals.run --env $(or $(ENV),local)

# Deployed end-to-end suite: `make e2e ENV=staging` with AWS credentials (the local half runs in `make test`).
e2e: install
	E2E_ENV=$(ENV) E2E_ENDPOINT=$(ENDPOINT) $(PY) -m pytest tests/e2e -rs -p no:cacheprovider

token: install
	@$(PY) -m scripts.dev_token $(DEV_CALLER)

# `make dev [ENV=dev]` serves the agent the environment's cdk.json `agent` names, with only the stages it enables.
# With identity, tokens are required, as in AWS: `make invoke PROMPT="..." USER=alice` fetches a dev token and calls
# the agent (without identity it calls it token-less). DEV_USER (opt-in, loopback only, needs identity): requests
# without a token act as this user, unless they name a non-loopback Host or come from another Origin.
DEV_USER ?=
dev: install
	$(PY) -m scripts.dev_server --env $(or $(ENV),dev) $(if $(DEV_USER),--dev-user $(DEV_USER))

PROMPT ?= What is order ORD-10001?
# USER=... on the command line names the caller; the shell's own $USER does not (default alice).
DEV_CALLER := $(if $(filter command line,$(origin USER)),$(USER),alice)
invoke: install
	@$(PY) -m scripts.invoke "$(PROMPT)" --user $(DEV_CALLER)

# Re-render the construct library's reference from its code (a test fails when it is stale).
reference: install
	$(PY) -m agentcore_constructs.reference > constructs/REFERENCE.md

snapshot-update: install
	$(PY) -m pytest tests/infrastructure --snapshot-update

# The outside-team example (examples/outside_team) synthesized from the library's wheel in a clean venv.
example: install
	$(PY) -m scripts.example_from_wheel

# Re-resolve the example agent's arm64 lock after editing its requirements.in (versions aligned with agent_src's).
example-lock: $(VENV)/.synced
	grep -E '^[a-zA-Z0-9_.-]+==' agent_src/requirements.lock | sed 's/ \\$$//' > .local-example-constraints.txt
	$(VENV)/bin/uv pip compile examples/outside_team/agent/requirements.in --python-platform aarch64-manylinux2014 \
		--python-version 3.13 --only-binary :all: --generate-hashes -q -c .local-example-constraints.txt \
		-o examples/outside_team/agent/requirements.lock --custom-compile-command "make example-lock"
	rm -f .local-example-constraints.txt

# Figures only (no assertions); the test-suite figures come from the last `make test` (BENCH_ARGS=--tests re-runs).
BENCH_ARGS ?=
bench: install
	$(PY) -m scripts.bench $(BENCH_ARGS)

clean:
	rm -rf cdk.out $(VENV) $(TOOLS) node_modules .pytest_cache

# Re-resolve the deployed agent's arm64 dependency lock after editing agent_src/requirements.in.
agent-lock: $(VENV)/.synced
	$(VENV)/bin/uv pip compile agent_src/requirements.in --python-platform aarch64-manylinux2014 --python-version 3.13 \
		--only-binary :all: --generate-hashes -q -o agent_src/requirements.lock --custom-compile-command "make agent-lock"
	$(VENV)/bin/uv pip compile agent_src/requirements-langgraph.in --python-platform aarch64-manylinux2014 \
		--python-version 3.13 --only-binary :all: --generate-hashes -q -o agent_src/requirements-langgraph.lock \
		--custom-compile-command "make agent-lock"

# Re-resolve the tool Lambdas' arm64 dependency lock after editing lambdas/requirements.in.
ROLLBACK_FN := constructs/agentcore_constructs/functions/endpoint_rollback
tools-lock: $(VENV)/.synced
	$(VENV)/bin/uv pip compile lambdas/requirements.in --python-platform aarch64-manylinux2014 --python-version 3.14 \
		--only-binary :all: --generate-hashes -q -o lambdas/requirements.lock --custom-compile-command "make tools-lock"
	$(VENV)/bin/uv pip compile $(ROLLBACK_FN)/requirements.in --python-platform aarch64-manylinux2014 \
		--python-version 3.14 --only-binary :all: --generate-hashes -q -o $(ROLLBACK_FN)/requirements.lock \
		--custom-compile-command "make tools-lock"

# Re-resolve checkov's own lock after editing tools/checkov/requirements.in.
checkov-lock: $(UV)
	$(UV) pip compile tools/checkov/requirements.in --python-version 3.11 --generate-hashes -q \
		-o tools/checkov/requirements.lock --custom-compile-command "make checkov-lock"
