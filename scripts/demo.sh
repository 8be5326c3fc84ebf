#!/usr/bin/env bash
# `make demo`: the main job end to end against the local AWS that scripts/with-moto.sh started.
# Provision the launcher, create three sample customer accounts, link one by access key, one by
# cross-account role and one by the bootstrap custom resource, start the local server, then show what a tenant admin and a narrower
# operator can list, get and run, and that another tenant sees nothing. Stops what it started.
#
#   scripts/demo.sh                  the demo, then stop
#   KEEP=1 scripts/demo.sh           the demo, then keep serving the console until Ctrl-C
#   scripts/demo.sh --then CMD ...   the demo (output to $DEMO_LOG), then run CMD against the running
#                                    server (LAUNCHER_URL is its address); exit with CMD's status.
#                                    The browser tests run this way, on the demo's data.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
then_cmd=()
if [[ "${1:-}" == "--then" ]]; then
  shift
  then_cmd=("$@")
  exec 3>&1 4>&2 >"${DEMO_LOG:-/dev/null}" 2>&1
fi
bin="$root/target/debug/launcher-local"
mkdir -p "$root/.local"
umask 077
state=$(mktemp -d "$root/.local/demo.XXXXXX")

export LAUNCHER_TABLE=lambda-launcher-demo
export LAUNCHER_KMS_KEY_ID=alias/lambda-launcher
export LAUNCHER_AUTH_MODE=jwt
export LAUNCHER_JWT_ISSUER=${LAUNCHER_JWT_ISSUER:-https://idp.demo.local}
export LAUNCHER_JWT_AUDIENCE=lambda-launcher
export LAUNCHER_JWT_HS256_SECRET="${LAUNCHER_JWT_HS256_SECRET:-demo-only-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
export LAUNCHER_ADMIN_GROUP=launcher-admins
# The console's development sign-in (the local server only): name:subject:tenant:groups.
export LAUNCHER_DEV_USERS="alice:alice@acme:acme:launcher-admins;olivia:olivia@acme:acme:ops;mallory:mallory@globex:globex:launcher-admins"
export RUST_LOG=info

if [[ -t 1 ]]; then bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }; else bold() { printf '\n== %s\n' "$*"; }; fi
pretty() { python3 "$root/scripts/show_json.py"; }
field() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(eval("v"+sys.argv[1]))' "$1"; }

# api WHO METHOD PATH [BODY [SHOWN_BODY]]: one request, printed as the curl a user would type
# (token abbreviated; SHOWN_BODY replaces a body that carries a secret).
api() {
  local who=$1 method=$2 path=$3 body=${4:-} shown=${5:-${4:-}}
  local token_var="token_$who"
  local args=(-sS -o "$state/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${!token_var}")
  printf '\n$ curl -X %s "%s%s" -H "Authorization: Bearer $%s_TOKEN"' "$method" "$base" "$path" "${who^^}"
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
    printf " -d '%s'" "$shown"
  fi
  echo
  last_status=$(curl "${args[@]}" "$base$path")
  echo "HTTP $last_status"
  pretty <"$state/body" | sed 's/^/  /'
}

expect() {
  [[ "$last_status" == "$1" ]] || { echo "demo: expected HTTP $1, got $last_status" >&2; exit 1; }
}

server_pid=
cleanup() {
  local status=$?
  [[ -n "$server_pid" ]] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  server_pid=
  if [[ $status -ne 0 && -f "$state/server.log" ]]; then
    echo "--- last lines of the launcher's log ---" >&2
    tail -20 "$state/server.log" >&2
  fi
  # The state holds a secret key and a link token: it never outlives the demo.
  rm -rf "$state"
}
trap cleanup EXIT

bold "1. Provision the launcher's table and KMS key (the same table definition template.yaml declares)"
"$bin" provision

bold "2. Customer account 210987654321: seven functions in two regions, an IAM user with policies/launcher-access-policy.json"
"$root/.venv/bin/python" "$root/scripts/demo_seed.py" access-key >"$state/account.json"
echo "access key $(field '["access_key_id"]' <"$state/account.json") (its secret stays in a file of this run, removed at the end)"

bold "3. Start the local server (the same router the Lambda functions serve)"
port=${DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
LAUNCHER_BIND="127.0.0.1:$port" "$bin" serve >"$state/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$base/functions" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.log"; exit 1; }
  sleep 0.1
done
echo "listening on $base (its log is shown if the demo fails)"
echo "web console: $base/  (development sign-in as alice, olivia or mallory)"

bold "4. Three users sign in (development tokens; deployed, your identity provider issues them)"
token_alice=$("$bin" mint-token --sub alice@acme --tenant acme --groups launcher-admins)
token_olivia=$("$bin" mint-token --sub olivia@acme --tenant acme --groups ops)
token_mallory=$("$bin" mint-token --sub mallory@globex --tenant globex --groups launcher-admins)
echo "alice   tenant acme,   groups [launcher-admins]  (tenant admin)"
echo "olivia  tenant acme,   groups [ops]              (operator)"
echo "mallory tenant globex, groups [launcher-admins]  (admin of another tenant)"

bold "5. alice links 210987654321 by access key: checked with STS + Lambda, secret encrypted with KMS, never returned"
link_body=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(json.dumps({"id": "prod", "name": "Production", "access_key_id": a["access_key_id"], "secret_access_key": a["secret_access_key"], "regions": ["us-east-1", "eu-west-1"]}))' "$state/account.json")
shown=$(field '["access_key_id"]' <"$state/account.json")
api alice POST /connections "$link_body" "{\"id\":\"prod\",\"name\":\"Production\",\"access_key_id\":\"$shown\",\"secret_access_key\":\"<secret>\",\"regions\":[\"us-east-1\",\"eu-west-1\"]}"
expect 201

bold "6. alice links account 310987654321 by cross-account role, with an External ID the launcher generates"
api alice POST /connections/role-setup '{"id":"analytics","name":"Analytics"}'; expect 201
external_id=$(field '["external_id"]' <"$state/body")
echo "(the customer deploys infra/cross-account-role.yaml with these parameters; here the seed script creates that role)"
role_arn=$("$root/.venv/bin/python" "$root/scripts/demo_seed.py" role "$external_id")
api alice POST /connections "{\"kind\":\"role\",\"id\":\"analytics\",\"role_arn\":\"$role_arn\",\"regions\":[\"us-east-1\"]}"; expect 201

bold "7. alice links account 410987654321 by bootstrap: a one-time link token, then the custom resource in that account"
api alice POST /connections/link-tokens '{"connection_id":"ops-account","ttl_seconds":900}'; expect 201
link_token=$(field '["token"]' <"$state/body")
echo "(the customer deploys infra/bootstrap-user.yaml with LauncherUrl and this LinkToken; here its function runs one"
echo " CloudFormation Create event locally, with credentials acting in 410987654321, answering a stand-in ResponseURL)"
coproc CATCHER { python3 "$root/scripts/catch_response.py" "$state/cfn-answer.json"; }
read -r answer_port <&"${CATCHER[0]}"
python3 - "$state/event.json" "$base" "$link_token" "$answer_port" <<'PY'
import json, sys
path, base, token, port = sys.argv[1:]
json.dump({"RequestType": "Create", "ResponseURL": f"http://127.0.0.1:{port}/answer",
           "StackId": "arn:aws:cloudformation:us-east-1:410987654321:stack/launcher-link/1",
           "RequestId": "demo-1", "LogicalResourceId": "LauncherLink", "ResourceType": "Custom::LambdaLauncherLink",
           "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:410987654321:function:bootstrap",
                                  "LauncherUrl": base, "LinkToken": token, "Regions": ["us-east-1"],
                                  "Name": "Ops account"}}, open(path, "w"))
PY
(
  eval "$("$root/.venv/bin/python" "$root/scripts/demo_seed.py" bootstrap-account)"
  "$root/target/debug/bootstrap" --local-event "$state/event.json" >"$state/bootstrap.log" 2>&1
)
wait "$CATCHER_PID" 2>/dev/null || true
echo "CloudFormation received (PhysicalResourceId shortened: it carries the stack's unlink token):"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); a["PhysicalResourceId"]=a["PhysicalResourceId"][:40]+"..."; print(json.dumps(a))' \
  "$state/cfn-answer.json" | pretty | sed 's/^/  /'
[[ "$(field '["Status"]' <"$state/cfn-answer.json")" == SUCCESS ]] || { cat "$state/bootstrap.log"; exit 1; }
api alice GET /connections/ops-account; expect 200

bold "8. alice writes the rules: ops may run report-* anywhere and see billing-close; function owners may opt in"
rules='{"tag_opt_in":true,"grants":[{"groups":["ops"],"functions":["report-*"],"actions":["invoke"]},{"groups":["ops"],"functions":["billing-close"],"actions":["view"]}]}'
printf '\n$ curl -X PUT "%s/rules" -H "Authorization: Bearer $ALICE_TOKEN" -H '"'"'If-Match: "0"'"'"' -d '"'"'%s'"'"'\n' "$base" "$rules"
status=$(curl -sS -D "$state/headers" -o "$state/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $token_alice" \
  -H 'If-Match: "0"' -H 'Content-Type: application/json' --data-binary "$rules" "$base/rules")
echo "HTTP $status, $(grep -i '^etag:' "$state/headers" | tr -d '\r' || true)"
[[ "$status" == 200 ]] || { cat "$state/body"; exit 1; }

bold "8b. alice saves a preset for report-daily (an example payload anyone who may run it runs with one click)"
api alice PUT /functions/prod/us-east-1/report-daily/presets/yesterday '{"payload": {"date": "2026-12-02"}, "description": "The report for 2 December"}'
expect 201

bold "8c. alice stores an input schema in the launcher; report-monthly's launcher:input-schema-ref tag names it"
api alice PUT /schemas/month '{"description": "A month of reports", "schema": {"type": "object", "required": ["month"], "additionalProperties": false, "properties": {"month": {"type": "string", "title": "Month", "description": "YYYY-MM", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "currency": {"title": "Currency", "enum": ["EUR", "USD"]}}}}'
expect 201

bold "9. alice (tenant admin) sees everything in all three accounts and runs it"
api alice GET /functions; expect 200
api alice GET /functions/prod/us-east-1/hello-world; expect 200
echo "(moto's Lambda runs no code: its functions echo their input unless a result is queued; we queue one as the function's answer)"
curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"results": ["{\"greeting\": \"Hello, alice!\"}"], "region": "us-east-1", "account_id": "210987654321"}' \
  "$AWS_ENDPOINT_URL/moto-api/static/lambda-simple/response"
api alice POST '/functions/prod/us-east-1/hello-world/invoke' '{"name": "alice"}'; expect 200
api alice POST '/functions/prod/eu-west-1/eu-cleanup/invoke?mode=async' '{"older_than_days": 30}'; expect 202
api alice POST '/functions/analytics/us-east-1/cache-flush/invoke' '{"paths": ["/*"]}'; expect 200

bold "10. olivia (operator) sees only what the rules grant, in every account"
api olivia GET /functions; expect 200
api olivia POST '/functions/prod/us-east-1/report-daily/invoke' '{"date": "2026-12-03"}'; expect 200
api olivia POST '/functions/analytics/us-east-1/report-monthly/invoke' '{"month": "2026-11"}'; expect 200
echo "(report-monthly's schema is the one alice stored: a payload that breaks it is refused, nothing runs)"
api olivia POST '/functions/analytics/us-east-1/report-monthly/invoke' '{"month": "November"}'; expect 422
api olivia POST '/functions/prod/us-east-1/report-daily/invoke?preset=yesterday'; expect 200
echo "(report-daily declares its input with the launcher:input-schema tag: a payload that breaks it is refused, nothing runs)"
api olivia POST '/functions/prod/us-east-1/report-daily/invoke' '{"date": "yesterday"}'; expect 422
api olivia POST '/functions/prod/us-east-1/report-daily/invoke?mode=async' '{}'; expect 403
api olivia POST '/functions/prod/us-east-1/billing-close/invoke' '{}'; expect 403
printf '\n(db-migrate exists, but olivia may not see it: the answer is the one a missing function gets)'
api olivia POST '/functions/prod/us-east-1/db-migrate/invoke' '{}'; expect 404
hidden_answer=$(cat "$state/body")
api olivia POST '/functions/prod/us-east-1/no-such-function/invoke' '{}'; expect 404
[[ "$(cat "$state/body")" == "$hidden_answer" ]] || { echo "demo: a hidden function answered differently from a missing one" >&2; exit 1; }
echo "(byte for byte the same answer as for db-migrate)"
api olivia GET /connections; expect 403

echo "(inventory-sync is visible to olivia because its owner tagged it launcher:groups=ops)"
api olivia POST '/functions/prod/us-east-1/inventory-sync/invoke' '{"full": false}'; expect 200

bold "10b. A retried request with the same Idempotency-Key returns the first outcome; nothing runs twice"
for attempt in 1 2; do
  printf '\n$ curl -X POST "%s/functions/prod/us-east-1/report-weekly/invoke" -H "Authorization: Bearer $OLIVIA_TOKEN" -H "Idempotency-Key: weekly-2026-49" -d %s\n' "$base" "'{\"week\": 49}'"
  curl -sS -D "$state/headers" -o "$state/body" -X POST -H "Authorization: Bearer $token_olivia" \
    -H 'Idempotency-Key: weekly-2026-49' -H 'Content-Type: application/json' --data-binary '{"week": 49}' \
    "$base/functions/prod/us-east-1/report-weekly/invoke"
  replayed=$(grep -i '^idempotent-replayed:' "$state/headers" | tr -d '\r' | cut -d' ' -f2 || true)
  echo "attempt $attempt: HTTP $(head -1 "$state/headers" | cut -d' ' -f2), request_id $(field '["request_id"]' <"$state/body"), Idempotent-Replayed: ${replayed:-no}"
  [[ $attempt == 1 ]] && first_request=$(field '["request_id"]' <"$state/body")
done
[[ "$(field '["request_id"]' <"$state/body")" == "$first_request" && "$replayed" == true ]] || { echo "demo: the retry ran again" >&2; exit 1; }

bold "10c. alice reads the audit trail: who ran what, allowed or not, newest first (payloads are never stored)"
api alice GET '/audit?limit=16'; expect 200

bold "10d. olivia reads her own history (non-admins see only their own records)"
api olivia GET '/audit?limit=3'; expect 200

bold "11. mallory, admin of another tenant, cannot reach acme's accounts"
api mallory GET /functions; expect 200
api mallory GET /functions/prod/us-east-1/hello-world; expect 404

bold "12. No secret in the server log, the bootstrap log or the CloudFormation answer"
secret=$(field '["secret_access_key"]' <"$state/account.json")
if grep -qF "$secret" "$state/server.log"; then echo "demo: the secret leaked into the log" >&2; exit 1; fi
if grep -qiE 'secret_access_key|"SecretAccessKey"' "$state/cfn-answer.json" "$state/bootstrap.log"; then
  echo "demo: the bootstrap secret leaked" >&2; exit 1
fi
if grep -qF "$link_token" "$state/bootstrap.log" "$state/cfn-answer.json" "$state/server.log"; then
  echo "demo: the link token leaked" >&2; exit 1
fi
echo "checked $(cat "$state/server.log" "$state/bootstrap.log" | wc -l) log lines and the answer: no secret, no link token"

if [[ ${#then_cmd[@]} -gt 0 ]]; then
  status=0
  LAUNCHER_URL=$base "${then_cmd[@]}" >&3 2>&4 || status=$?
  exit $status
fi

console_help() {
  bold "The web console: $base/"
  echo "Open it in your browser and use the 'Development sign-in (local only)' panel:"
  echo "  alice   tenant admin of acme: every function, saves and deletes presets, the whole history"
  echo "  olivia  operator (group ops): runs report-*, sees billing-close, runs presets, her own history"
  echo "  mallory admin of another tenant (globex): sees none of acme's functions"
}
if [[ "${KEEP:-}" == 1 ]]; then
  console_help
  echo
  echo "Serving until Ctrl-C."
  trap 'exit 0' INT TERM
  wait "$server_pid" || true
  exit 0
fi
console_help
echo "(run 'make console' to keep it serving; this demo stops now)"

bold "Demo complete. Stopping the local server and the local AWS."
