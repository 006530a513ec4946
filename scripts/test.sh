#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs them.
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test "$@"
