#!/usr/bin/env bash
# The console's browser tests: a fresh moto, the demo's accounts, rules, preset and local server
# (scripts/demo.sh, the same seeding `make demo` shows), then node:test drives Debian's headless
# Chromium through playwright-core against it. The tests also start a stand-in OIDC provider on
# $BROWSER_IDP_PORT, the issuer the server trusts, to sign in the deployed way (code + PKCE).
# Screenshots go to target/browser-artifacts/. Stops everything it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/browser"
artifacts="$root/target/browser-artifacts"
[[ -x /usr/bin/chromium ]] || { echo "browser tests: /usr/bin/chromium is missing; run 'make browser-deps'" >&2; exit 2; }
[[ -d "$here/node_modules/playwright-core" ]] || { echo "browser tests: run 'make browser-deps' (npm ci)" >&2; exit 2; }
[[ -x "$root/target/debug/launcher-local" ]] || { echo "browser tests: run 'make build' first" >&2; exit 2; }
rm -rf "$artifacts" && mkdir -p "$artifacts"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export BROWSER_IDP_PORT=${BROWSER_IDP_PORT:-$(free_port)}
export LAUNCHER_JWT_ISSUER="http://127.0.0.1:$BROWSER_IDP_PORT"
export LAUNCHER_JWT_HS256_SECRET="browser-tests-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export LAUNCHER_CONSOLE_CLIENT_ID=launcher-console
export BROWSER_ARTIFACTS="$artifacts"
export DEMO_LOG="$artifacts/demo.log"

started=$(date +%s)
status=0
"$root/scripts/with-moto.sh" "$root/scripts/demo.sh" --then \
  node --test --test-concurrency=1 --test-reporter=spec "$here/console.test.mjs" || status=$?
echo "browser tests: exit $status in $(( $(date +%s) - started )) s (setup + tests); screenshots and the demo log in $artifacts"
[[ $status -eq 0 ]] || { echo "--- last lines of $DEMO_LOG ---" >&2; tail -30 "$DEMO_LOG" >&2; }
exit $status
