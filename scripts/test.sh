#!/usr/bin/env bash
# The whole test suite: installs what the tests need (moto's AWS API server
# and the aws CLI in a local venv), starts moto on loopback, runs every
# test, stops it.
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=".venv"
moto_version="5.2.1"
if ! "$venv/bin/python" -c "import moto, flask, awscli; assert moto.__version__ == '$moto_version'" 2>/dev/null; then
  echo "test.sh: installing moto[server]==$moto_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" awscli
fi

# Headless Chromium checks the HTML report (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing chromium (Debian package)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >/dev/null
fi
CCAUDIT_TEST_CHROMIUM="$(command -v chromium)"
export CCAUDIT_TEST_CHROMIUM

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pids=()
logs="$(mktemp -d)"
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap stop EXIT

# Two servers: one shared by most tests, one whose authentication mode the
# credential tests switch on (it is global to a server).
start_moto() {
  local port
  port="$(free_port)"
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logs/moto-$port.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
      echo "http://127.0.0.1:$port"
      return
    fi
    sleep 0.1
  done
  echo "test.sh: moto_server did not start on port $port:" >&2
  cat "$logs/moto-$port.log" >&2
  exit 1
}

CCAUDIT_TEST_MOTO="$(start_moto)"
CCAUDIT_TEST_MOTO_AUTH="$(start_moto)"
# The real aws CLI, for running the scripts `ccaudit fix` writes.
CCAUDIT_TEST_AWS_CLI="$PWD/$venv/bin/aws"
export CCAUDIT_TEST_MOTO CCAUDIT_TEST_MOTO_AUTH CCAUDIT_TEST_AWS_CLI

cargo test "$@"
