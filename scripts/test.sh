#!/usr/bin/env bash
# The whole test suite, from a fresh machine (Python 3.11 + pip, node/npm, git):
# installs the pinned uv, the locked dev environment and the pinned Pi CLI, then runs
# lint, format check, type check, the architecture contracts and pytest (doctests included).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
if ! python3 -m uv --version 2>/dev/null | grep -qx "uv ${UV_VERSION}"; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
uv() { python3 -m uv "$@"; }
export UV_PYTHON_DOWNLOADS=never

uv sync --locked --quiet

# The pinned harness CLIs for the real-harness tests, and GitHub's OpenAPI description, from
# tools/*/package-lock.json. Skipped when
# node_modules already holds exactly that lock (a stamp copied after a successful install).
# Install scripts never run: Pi and Codex need none, and Claude Code's only copies its native
# binary out of the platform package, where the tests take it from directly.
# The stamp alone is not trusted: the tool's launcher must be there too (for `openapi`, GitHub's
# OpenAPI description the GitHub test server validates against, which has no launcher: the file).
for tool in pi claude codex openapi; do
  stamp="tools/$tool/node_modules/.engineering-loop-lock.json"
  installed="tools/$tool/node_modules/.bin/$tool"
  if [ "$tool" = openapi ]; then
    installed="tools/openapi/node_modules/@octokit/openapi/generated/api.github.com.json"
  fi
  if ! cmp -s "tools/$tool/package-lock.json" "$stamp" || [ ! -e "$installed" ]; then
    npm ci --prefix "tools/$tool" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
    cp "tools/$tool/package-lock.json" "$stamp"
  fi
done

# This command installed every harness: a real-harness test that finds one missing fails
# instead of skipping (tests/support/tools.py), here as on CI.
export ENGINEERING_LOOP_REQUIRE_HARNESSES=1

# The sandbox tests run the real bubblewrap: install it when it is missing and this user can
# (root, with apt), so CI exercises the real sandbox. Where this command could install it, a
# test that finds it missing fails instead of skipping (tests/support/sandbox.py).
can_install_bwrap() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
if ! command -v bwrap >/dev/null 2>&1 && can_install_bwrap; then
  apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null
fi
if command -v bwrap >/dev/null 2>&1 || can_install_bwrap; then
  export ENGINEERING_LOOP_REQUIRE_SANDBOX=1
fi

step() { printf '\n== %s\n' "$*"; "$@"; }
step uv run --locked --no-sync ruff check .
step uv run --locked --no-sync ruff format --check .
step uv run --locked --no-sync mypy
step uv run --locked --no-sync lint-imports
# pytest exits 5 when it collected nothing: set -e turns that into a failure, never a pass.
step uv run --locked --no-sync pytest "$@"
