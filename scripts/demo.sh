#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and run the main job on the embedded default: an 8-minute research
# session of the offline researcher on CPU, stored in SQLite under ./.flywheel, on the npm corpora.
# Extra arguments go to `flywheel research` (e.g. --budget 20m --parallel 2 --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/flywheel.js prepare >&2 # its report is progress: stdout is research's (one JSON object with --json)
exec node bin/flywheel.js research --budget 8m --parallel 2 "$@"
