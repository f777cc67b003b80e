#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and run the whole test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Servers the suites need, bound to 127.0.0.1. Each script prints what the tests should use.
if [ -x scripts/start-postgres.sh ] || [ -f scripts/start-postgres.sh ]; then
  FLYWHEEL_TEST_PG_URL="$(bash scripts/start-postgres.sh | tail -n 1)" && export FLYWHEEL_TEST_PG_URL || true
fi
if [ -f scripts/start-slurm.sh ]; then
  bash scripts/start-slurm.sh >&2 && export FLYWHEEL_TEST_SLURM=1 || true
fi
npm test
