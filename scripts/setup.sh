#!/usr/bin/env bash
# Everything Flywheel needs on a fresh Debian 12 machine: system packages, then npm packages.
# Idempotent: a second call only checks. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 20+ is the machine's (Debian 12's own nodejs is 18, too old; nothing here installs Node).
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "setup: Flywheel needs Node.js 20 or newer on PATH (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# torch from Debian (1.13 CPU) + the threaded OpenBLAS (without it matmuls are ~30x slower);
# chromium for the dashboard tests; bubblewrap sandboxes agent-written code; postgresql for the
# Postgres store suite; slurm + munge for the Slurm executor suite.
PKGS=(python3-torch libopenblas0-pthread python3-numpy chromium bubblewrap postgresql git
      slurm-wlm munge)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
