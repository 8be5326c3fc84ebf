"""Pretty-prints an API response for the demo: function lists as one line per function, other
JSON indented, with short lists kept on one line."""

import json
import re
import sys

text = sys.stdin.read()
if not text.strip():
    print("(empty body)")
    sys.exit()
try:
    body = json.loads(text)
except ValueError:
    print(text)
    sys.exit()

if isinstance(body, dict) and isinstance(body.get("functions"), list):
    for f in body["functions"]:
        where = f'{f["connection"]}/{f["region"]}/{f["name"]}'
        print(f'{where:<40} account {f["account_id"]}  may {",".join(f["allowed"]):<24} {f["description"]}')
    if not body["functions"]:
        print("(no functions visible)")
    for e in body.get("errors", []):
        print(f'! {e["connection"]}/{e["region"]}: {e["code"]}')
    sys.exit()

if isinstance(body, dict) and isinstance(body.get("records"), list):
    for r in body["records"]:
        what = "/".join(r[k] for k in ("connection", "region", "function") if r.get(k)) or r.get("detail", "")
        extra = r.get("error_code") or (r.get("detail") if r.get("detail") != what else "") or ""
        at = r["at"].rstrip("Z")
        at = (at + ".000")[:23] if "." not in at else (at + "00")[:23]
        print(f'{at}Z  {r["subject"]:<12} {r["action"]:<12} {r["outcome"]:<15} {what:<34} {extra}')
    if not body["records"]:
        print("(no records)")
    sys.exit()

pretty = json.dumps(body, indent=2)
# Keep lists of scalars on one line.
pretty = re.sub(r"\[\s+((?:\"[^\"]*\"|[\d.]+)(?:,\s+(?:\"[^\"]*\"|[\d.]+))*)\s+\]",
                lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", pretty)
print(pretty)
