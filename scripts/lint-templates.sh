#!/usr/bin/env bash
# Lint the CloudFormation/SAM templates and IAM policy documents. Run from the repository root:
#   bash scripts/lint-templates.sh
# Exits non-zero on any finding (error, warning or informational).
#
# Works offline: `sam validate --lint` runs cfn-lint in-process and needs neither credentials
# nor network. SAM CLI's only network calls (telemetry, and a weekly PyPI "newer version" check)
# are switched off below by running it with a throw-away HOME whose SAM metadata says telemetry
# is off and the version was just checked (written as a float: SAM treats an integer timestamp
# as missing and checks again). Its AWS config/credentials files are empty, so a stray
# AWS_PROFILE or a broken ~/.aws/config cannot break the lint (nothing here needs an account).
set -euo pipefail

CFN_LINT=.venv/bin/cfn-lint
SAM=.venv-sam/bin/sam
PYTHON=.venv/bin/python

if [[ ! -f template.yaml || ! -d infra ]]; then
  echo "lint-templates: run from the repository root (template.yaml and infra/ not found)" >&2
  exit 2
fi
for tool in "$CFN_LINT" "$SAM" "$PYTHON"; do
  if [[ ! -x "$tool" ]]; then
    echo "lint-templates: $tool not found; create the virtualenvs first (cfn-lint in .venv, aws-sam-cli in .venv-sam)" >&2
    exit 2
  fi
done

shopt -s nullglob
infra_templates=(infra/*.yaml)
policy_files=(policies/*.json)
shopt -u nullglob

status=0

echo "==> cfn-lint template.yaml ${infra_templates[*]}"
# --include-checks I: informational findings count too.
if ! "$CFN_LINT" --include-checks I -- template.yaml "${infra_templates[@]}"; then
  status=1
fi

echo "==> sam validate --lint --template template.yaml --region us-east-1"
sam_home=$(mktemp -d)
trap 'rm -rf "$sam_home"' EXIT
mkdir -p "$sam_home/.aws-sam" "$sam_home/.aws"
: >"$sam_home/.aws/config"
: >"$sam_home/.aws/credentials"
printf '{"telemetryEnabled": false, "lastVersionCheck": %s.0}\n' "$(date +%s)" \
  >"$sam_home/.aws-sam/metadata.json"
if ! env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE \
  HOME="$sam_home" \
  SAM_CLI_TELEMETRY=0 \
  AWS_CONFIG_FILE="$sam_home/.aws/config" \
  AWS_SHARED_CREDENTIALS_FILE="$sam_home/.aws/credentials" \
  AWS_EC2_METADATA_DISABLED=true \
  "$SAM" validate --lint --template template.yaml --region us-east-1; then
  status=1
fi

echo "==> policies: JSON syntax; every infra/ LauncherAccessPolicy == policies/launcher-access-policy.json"
if ! "$PYTHON" - "${policy_files[@]}" <<'PY'; then
import glob
import json
import sys

from cfnlint.decode import decode

failed = False
docs = {}
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            docs[path] = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}")
        failed = True


def plain(value):
    # cfn-lint's decoder returns str/dict/list subclasses: normalise through JSON.
    return json.loads(json.dumps(value))


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(d):
    return {
        s["Sid"]: (s["Effect"], sorted(as_list(s["Action"])), sorted(as_list(s["Resource"])), s.get("Condition"))
        for s in plain(d)["Statement"]
    }


access = docs.get("policies/launcher-access-policy.json")
if access is None:
    print("policies/launcher-access-policy.json: missing or unreadable")
    failed = True
else:
    want = statements(access)
    for path in sorted(glob.glob("infra/*.yaml")):
        template, matches = decode(path)
        if matches or template is None:
            print(f"{path}: cannot be parsed")
            failed = True
            continue
        policy = template.get("Resources", {}).get("LauncherAccessPolicy")
        if policy is None:
            continue
        got = statements(policy["Properties"]["PolicyDocument"])
        if want != got:
            print(f"{path}: LauncherAccessPolicy differs from policies/launcher-access-policy.json")
            print(f"  policies/launcher-access-policy.json: {want}")
            print(f"  {path}: {got}")
            failed = True
        else:
            print(f"{path}: LauncherAccessPolicy matches")

sys.exit(1 if failed else 0)
PY
  status=1
fi

if [[ $status -ne 0 ]]; then
  echo "lint-templates: FAILED" >&2
else
  echo "lint-templates: OK"
fi
exit "$status"
