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

pretty = json.dumps(body, indent=2)
# Keep lists of scalars on one line.
pretty = re.sub(r"\[\s+((?:\"[^\"]*\"|[\d.]+)(?:,\s+(?:\"[^\"]*\"|[\d.]+))*)\s+\]",
                lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", pretty)
print(pretty)
