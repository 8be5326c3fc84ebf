# Lambda Launcher. The two commands a new machine needs: `make demo` and `make test`.
# Everything else they need (Python virtualenvs with moto, cfn-lint, SAM CLI) is installed here.

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
JOBS ?= 2
export CARGO_TERM_COLOR ?= never

VENV := .venv
SAM_VENV := .venv-sam
PACKAGE_VENV := .venv-package

.PHONY: demo console test unit lint build venv sam-venv package-venv package bench requirements clean browser-deps browser-test
CONSOLE_PORT ?= 8080
BROWSER_DIR := tests/browser

$(VENV)/.installed: requirements/local-aws.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/local-aws.lock
	touch $@

$(SAM_VENV)/.installed: requirements/sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/sam.lock
	touch $@

$(PACKAGE_VENV)/.installed: requirements/package.lock
	$(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/package.lock
	touch $@

venv: $(VENV)/.installed
package-venv: $(PACKAGE_VENV)/.installed
sam-venv: $(SAM_VENV)/.installed

build:
	$(CARGO) build -j$(JOBS) --workspace --bins

## The whole suite: unit, SDK-fault, router-against-moto, handler-fixture and template tests, the
## linters, then the web console in headless Chromium.
test: venv sam-venv browser-deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy -j$(JOBS) --workspace --all-targets -- -D warnings
	scripts/with-moto.sh $(CARGO) test -j$(JOBS) --workspace
	scripts/lint-templates.sh
	$(MAKE) --no-print-directory browser-test

## Debian's Chromium (never a downloaded browser) and playwright-core, pinned by package-lock.json.
browser-deps: $(BROWSER_DIR)/node_modules/.installed
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "browser-deps: /usr/bin/chromium is missing; install Debian's package as root:" >&2; \
	    echo "  apt-get install -y --no-install-recommends chromium" >&2; exit 1; \
	  fi; \
	  apt-get install -y --no-install-recommends chromium || \
	    { apt-get update && apt-get install -y --no-install-recommends chromium; }; \
	fi

$(BROWSER_DIR)/node_modules/.installed: $(BROWSER_DIR)/package-lock.json
	npm ci --prefix $(BROWSER_DIR) --no-audit --no-fund --ignore-scripts
	touch $@

## The console's browser tests alone: moto, the demo's data and server, Chromium (tests/browser/run.sh).
browser-test: venv browser-deps build
	$(BROWSER_DIR)/run.sh

unit:
	$(CARGO) test -j$(JOBS) --workspace --lib

lint: venv sam-venv
	scripts/lint-templates.sh

## The deployable artefacts: each function built by `cargo lambda build --release --arm64` (cargo-lambda and zig
## from PyPI into .venv-package, the aarch64 target added with rustup), zipped; prints binary and zip sizes.
package: package-venv
	JOBS=$(JOBS) scripts/package.sh

## Performance figures (docs/performance.md): latency against a direct SDK call, in-process overhead, list fan-out,
## init time of each function binary, peak RSS. Numbers, not pass/fail; run `make package` for the sizes.
bench: venv
	$(CARGO) build -j$(JOBS) --profile perf -p list -p invoke -p link -p bootstrap
	$(CARGO) build -j$(JOBS) --profile perf -p bench -p launcher-local
	scripts/with-moto.sh target/perf/bench

## End to end and offline: local AWS, three sample customer accounts (access key, role, bootstrap), the local server, three users.
demo: venv build
	KEEP=$(KEEP) scripts/with-moto.sh scripts/demo.sh

## The demo, then the web console keeps serving on http://127.0.0.1:$(CONSOLE_PORT)/ until Ctrl-C.
console: venv build
	KEEP=1 DEMO_PORT=$(CONSOLE_PORT) scripts/with-moto.sh scripts/demo.sh || [ $$? -eq 130 ]

requirements:
	rm -rf /tmp/launcher-req && $(PYTHON) -m venv /tmp/launcher-req && /tmp/launcher-req/bin/pip install -q -r requirements/local-aws.in && \
	  { echo "# pip freeze of .venv built from local-aws.in; regenerate with: make requirements"; /tmp/launcher-req/bin/pip freeze; } > requirements/local-aws.lock
	rm -rf /tmp/launcher-req && $(PYTHON) -m venv /tmp/launcher-req && /tmp/launcher-req/bin/pip install -q -r requirements/sam.in && \
	  { echo "# pip freeze of .venv-sam built from sam.in; regenerate with: make requirements"; /tmp/launcher-req/bin/pip freeze; } > requirements/sam.lock
	rm -rf /tmp/launcher-req && $(PYTHON) -m venv /tmp/launcher-req && /tmp/launcher-req/bin/pip install -q -r requirements/package.in && \
	  { echo "# pip freeze of .venv-package built from package.in; regenerate with: make requirements"; /tmp/launcher-req/bin/pip freeze; } > requirements/package.lock

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(SAM_VENV) $(PACKAGE_VENV) .local
