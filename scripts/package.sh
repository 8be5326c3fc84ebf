#!/usr/bin/env bash
# Builds every Lambda function as AWS deploys it: `cargo lambda build --release --arm64`, zipped,
# then prints each function's binary and zip size. Needs .venv-package (cargo-lambda and zig
# from PyPI; `make package` creates it) and adds the aarch64 Rust target itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-package"
[[ -x "$venv/bin/cargo-lambda" ]] || { echo "package: $venv missing; run 'make package'" >&2; exit 2; }
export PATH="$venv/bin:$PATH"
cd "$root"

functions=(list invoke link bootstrap)
rustup target add aarch64-unknown-linux-gnu >/dev/null
started=$(date +%s)
# Two builds, as `sam build` builds each function with its own package's settings: bootstrap
# turns off cargo lambda's release defaults (panic = "abort"; see its Cargo.toml), the HTTP
# functions keep them. One `cargo lambda build` of several packages would apply one package's.
cargo lambda build --release --arm64 --output-format zip --jobs "${JOBS:-2}" -p list -p invoke -p link
cargo lambda build --release --arm64 --output-format zip --jobs "${JOBS:-2}" -p bootstrap
echo "package: built in $(( $(date +%s) - started )) s"

"${PYTHON:-python3}" - "${functions[@]}" <<'PY'
import os, sys, zipfile
target = 6 * 1024 * 1024
print()
print(f"{'function':<10} {'binary (arm64, stripped)':>26} {'zip':>12}   target: binary <= 6 MB")
for name in sys.argv[1:]:
    path = os.path.join("target", "lambda", name, "bootstrap.zip")
    with zipfile.ZipFile(path) as z:
        binary = sum(i.file_size for i in z.infolist())
    size = os.path.getsize(path)
    mark = "ok" if binary <= target else "over"
    print(f"{name:<10} {binary:>18,} bytes ({binary / 1048576:4.1f} MB) {size / 1048576:7.1f} MB   {mark}")
    print(f"           {path}")
PY
