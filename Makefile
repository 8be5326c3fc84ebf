# Lambda Launcher. The two commands a new machine needs: `make demo` and `make test`.
# Everything else they need (Python virtualenvs with moto, cfn-lint, SAM CLI) is installed here.

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
JOBS ?= 2
export CARGO_TERM_COLOR ?= never

VENV := .venv
SAM_VENV := .venv-sam

.PHONY: demo test unit lint build venv sam-venv requirements clean

$(VENV)/.installed: requirements/local-aws.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/local-aws.lock
	touch $@

$(SAM_VENV)/.installed: requirements/sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/sam.lock
	touch $@

venv: $(VENV)/.installed
sam-venv: $(SAM_VENV)/.installed

build:
	$(CARGO) build -j$(JOBS) --workspace --bins

## The whole suite: unit, SDK-fault, router-against-moto, handler-fixture and template tests, then the linters.
test: venv sam-venv
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy -j$(JOBS) --workspace --all-targets -- -D warnings
	scripts/with-moto.sh $(CARGO) test -j$(JOBS) --workspace
	scripts/lint-templates.sh

unit:
	$(CARGO) test -j$(JOBS) --workspace --lib

lint: venv sam-venv
	scripts/lint-templates.sh

## End to end and offline: local AWS, three sample customer accounts (access key, role, bootstrap), the local server, three users.
demo: venv build
	scripts/with-moto.sh scripts/demo.sh

requirements:
	rm -rf /tmp/launcher-req && $(PYTHON) -m venv /tmp/launcher-req && /tmp/launcher-req/bin/pip install -q -r requirements/local-aws.in && \
	  { echo "# pip freeze of .venv built from local-aws.in; regenerate with: make requirements"; /tmp/launcher-req/bin/pip freeze; } > requirements/local-aws.lock
	rm -rf /tmp/launcher-req && $(PYTHON) -m venv /tmp/launcher-req && /tmp/launcher-req/bin/pip install -q -r requirements/sam.in && \
	  { echo "# pip freeze of .venv-sam built from sam.in; regenerate with: make requirements"; /tmp/launcher-req/bin/pip freeze; } > requirements/sam.lock

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(SAM_VENV) .local
