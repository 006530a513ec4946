#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs them.
#
#   scripts/test.sh [--install-system-deps] [cargo test arguments…]
#   scripts/test.sh --setup [--install-system-deps]    install only
#
# It installs moto's AWS API server, the aws CLI and py-ocsf-models into .venv. The tests
# start the servers they need themselves, on free loopback ports, and stop
# them when they end; this script starts none, and fails if a server
# started during the run is still alive afterwards. Chromium (a system
# package, for the HTML report's tests) is installed only with
# --install-system-deps or under CI=true; otherwise the script says how.
set -euo pipefail
cd "$(dirname "$0")/.."

setup_only=false
system_deps=false
[ "${CI:-}" = "true" ] && system_deps=true
cargo_args=()
for arg in "$@"; do
  case "$arg" in
    --setup) setup_only=true ;;
    --install-system-deps) system_deps=true ;;
    *) cargo_args+=("$arg") ;;
  esac
done

venv=".venv"
moto_version="5.2.1"
# py-ocsf-models: the OCSF models Prowler uses, to validate `--format ocsf`.
ocsf_version="0.10.0"
if ! "$venv/bin/python" -c "import moto, flask, awscli, py_ocsf_models; assert moto.__version__ == '$moto_version'" 2>/dev/null; then
  echo "test.sh: installing moto[server]==$moto_version, awscli and py-ocsf-models==$ocsf_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" awscli "py-ocsf-models==$ocsf_version"
fi

if ! command -v chromium >/dev/null 2>&1; then
  if $system_deps; then
    echo "test.sh: installing chromium (Debian package)" >&2
    if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >/dev/null
  else
    echo "test.sh: chromium is not installed; the HTML report's tests need it." >&2
    echo "test.sh: install it with 'scripts/test.sh --setup --install-system-deps' (or 'apt-get install chromium')." >&2
  fi
fi

if $setup_only; then
  echo "test.sh: set up; run the tests with 'scripts/test.sh' or 'cargo test'" >&2
  exit 0
fi

servers() { pgrep -f "$PWD/$venv/bin/moto_server" | sort || true; }
before="$(servers)"
status=0
cargo test "${cargo_args[@]}" || status=$?

# Every server the tests started ends with its test binary (a watchdog
# stops it within seconds).
for _ in $(seq 1 50); do
  left="$(comm -13 <(echo "$before") <(servers) | sed '/^$/d')"
  [ -z "$left" ] && break
  sleep 0.2
done
if [ -n "$left" ]; then
  echo "test.sh: servers started during the run are still alive:" >&2
  for pid in $left; do ps -o pid=,args= -p "$pid" >&2 || true; done
  exit 1
fi
exit "$status"
