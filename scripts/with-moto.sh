#!/usr/bin/env bash
# Runs a command against a fresh local AWS (moto server on 127.0.0.1, a free port), then stops
# the server whatever happens. The command sees:
#   AWS_ENDPOINT_URL / LAUNCHER_MOTO_ENDPOINT  the server's URL
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY  the launcher's own (local) account credentials
#   AWS_REGION                                 us-east-1
# Moto's Lambda is switched to its Docker-free mode before anything else talks to it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
moto="$root/.venv/bin/moto_server"
[[ -x "$moto" ]] || { echo "with-moto: $moto missing; run 'make venv'" >&2; exit 2; }
mkdir -p "$root/.local"

port=${MOTO_PORT:-$("$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
endpoint="http://127.0.0.1:$port"
log="$root/.local/moto-$port.log"

"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
# The server's log is kept only when the command failed (Ctrl-C, 130, is a normal stop of `make console`).
stop_moto() {
  local status=$?
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  if [[ $status -eq 0 || $status -eq 130 ]]; then rm -f "$log"; else echo "with-moto: local AWS log kept in $log" >&2; fi
}
trap stop_moto EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "$endpoint/moto-api/" -o /dev/null 2>/dev/null; then break; fi
  kill -0 "$moto_pid" 2>/dev/null || { echo "with-moto: moto exited; see $log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"lambda": {"use_docker": false}}' \
  "$endpoint/moto-api/config" -o /dev/null

export AWS_ENDPOINT_URL="$endpoint" LAUNCHER_MOTO_ENDPOINT="$endpoint"
export AWS_ACCESS_KEY_ID=launcher-local AWS_SECRET_ACCESS_KEY=launcher-local AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
export AWS_EC2_METADATA_DISABLED=true

"$@"
