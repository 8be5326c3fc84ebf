#!/usr/bin/env bash
# `make demo`: the main job end to end against the local AWS that scripts/with-moto.sh started.
# Provision the launcher, create a sample customer account, link it, start the local server, then
# show what a tenant admin and a narrower operator can list, get and run. Stops what it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/debug/launcher-local"
state="$root/.local/demo"
mkdir -p "$state"
umask 077

export LAUNCHER_TABLE=lambda-launcher-demo
export LAUNCHER_KMS_KEY_ID=alias/lambda-launcher
export LAUNCHER_AUTH_MODE=jwt
export LAUNCHER_JWT_ISSUER=https://idp.demo.local
export LAUNCHER_JWT_AUDIENCE=lambda-launcher
export LAUNCHER_JWT_HS256_SECRET="demo-only-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export LAUNCHER_ADMIN_GROUP=launcher-admins
export RUST_LOG=info

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
pretty() { python3 "$root/scripts/show_json.py"; }

# api WHO METHOD PATH [BODY]: one request, shown as the curl a user would type.
api() {
  local who=$1 method=$2 path=$3 body=${4:-}
  local token_var="token_$who"
  local args=(-sS -o "$state/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${!token_var}")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  printf '\n$ curl -X %s %s%s   # as %s\n' "$method" "$base" "$path" "$who"
  local status
  status=$(curl "${args[@]}" "$base$path")
  echo "HTTP $status"
  pretty <"$state/body" | sed 's/^/  /'
  last_status=$status
}

expect() {
  [[ "$last_status" == "$1" ]] || { echo "demo: expected HTTP $1, got $last_status" >&2; exit 1; }
}

bold "1. Provision the launcher's table and KMS key (from the same definition template.yaml uses)"
"$bin" provision

bold "2. A sample customer account (210987654321) with six functions in two regions"
"$root/.venv/bin/python" "$root/scripts/demo_seed.py" >"$state/account.json"
python3 -c 'import json; a=json.load(open("'"$state/account.json"'")); print("account", a["account_id"], "- IAM user lambda-launcher, access key", a["access_key_id"], "(secret kept in .local/demo/account.json)")'

bold "3. Start the local server (the same router the Lambda functions serve)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
LAUNCHER_BIND="127.0.0.1:$port" "$bin" serve >"$state/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$base/functions" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.log"; exit 1; }
  sleep 0.1
done
echo "listening on $base (log: .local/demo/server.log)"

bold "4. Three users sign in (development tokens; in AWS your identity provider issues them)"
token_alice=$("$bin" mint-token --sub alice@acme --tenant acme --groups launcher-admins)
token_olivia=$("$bin" mint-token --sub olivia@acme --tenant acme --groups ops)
token_mallory=$("$bin" mint-token --sub mallory@globex --tenant globex --groups launcher-admins)
echo "alice   tenant acme,   groups [launcher-admins]  (tenant admin)"
echo "olivia  tenant acme,   groups [ops]              (operator)"
echo "mallory tenant globex, groups [launcher-admins]  (admin of another tenant)"

bold "5. alice links the account by access key (validated with STS + Lambda, secret encrypted with KMS)"
link_body=$(python3 -c 'import json; a=json.load(open("'"$state/account.json"'")); print(json.dumps({"id": "prod", "name": "Production", "access_key_id": a["access_key_id"], "secret_access_key": a["secret_access_key"], "regions": ["us-east-1", "eu-west-1"]}))')
printf '\n(the request body carries the secret access key; the response never does)'
api alice POST /connections "$link_body"; expect 201

bold "6. alice writes the rules: ops may run report-* and see billing-close"
curl -sS -o /dev/null -X PUT -H "Authorization: Bearer $token_alice" -H 'If-Match: "0"' -H 'Content-Type: application/json' \
  --data-binary '{"grants":[{"groups":["ops"],"functions":["report-*"],"actions":["invoke"]},{"groups":["ops"],"functions":["billing-close"],"actions":["view"]}]}' \
  "$base/rules"
api alice GET /rules; expect 200

bold "7. alice (tenant admin) sees and runs everything"
api alice GET /functions; expect 200
api alice GET /functions/prod/us-east-1/hello-world; expect 200
curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"results": ["{\"greeting\": \"Hello, alice!\"}"], "region": "us-east-1", "account_id": "210987654321"}' \
  "$AWS_ENDPOINT_URL/moto-api/static/lambda-simple/response"
api alice POST '/functions/prod/us-east-1/hello-world/invoke' '{"name": "alice"}'; expect 200
api alice POST '/functions/prod/eu-west-1/eu-cleanup/invoke?mode=async' '{"older_than_days": 30}'; expect 202

bold "8. olivia (operator) sees only what the rules grant"
api olivia GET /functions; expect 200
api olivia POST '/functions/prod/us-east-1/report-daily/invoke' '{"date": "2026-12-03"}'; expect 200
api olivia POST '/functions/prod/us-east-1/report-daily/invoke?mode=async' '{}'; expect 403
api olivia POST '/functions/prod/us-east-1/billing-close/invoke' '{}'; expect 403
printf '\n(db-migrate exists, but olivia may not see it: the answer is the one a missing function gets)'
api olivia POST '/functions/prod/us-east-1/db-migrate/invoke' '{}'; expect 404
api olivia GET /connections; expect 403

bold "9. mallory, admin of another tenant, cannot reach acme's account"
api mallory GET /functions; expect 200
api mallory GET /functions/prod/us-east-1/hello-world; expect 404

bold "10. The secret access key is nowhere in the server log"
secret=$(python3 -c 'import json; print(json.load(open("'"$state/account.json"'"))["secret_access_key"])')
if grep -qF "$secret" "$state/server.log"; then echo "demo: the secret leaked into the log" >&2; exit 1; fi
echo "checked $(wc -l <"$state/server.log") log lines: no secret"

bold "Demo complete. Stopping the local server and the local AWS."
