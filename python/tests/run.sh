#!/bin/sh
# Builds the reprint Python package against a CMake build and runs its pytest suite in a fresh
# virtual environment: run.sh BUILD_DIR [PYTHON]. PYTHON defaults to Debian's /usr/bin/python3
# (whose pytest the Makefile installs), else the first python3 on PATH. Exit 77 (skipped) when
# the interpreter has no venv or pytest, or the build is sanitized (the extension would need the
# sanitizer runtime preloaded into Python); pytest's own status otherwise, and 1 when it
# collected no tests (status 5), so a suite that silently vanished fails.
set -u
build=$(cd "$1" && pwd)
python=${2:-}
if [ -z "$python" ]; then
    if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")

if [ "${REPRINT_SANITIZED:-OFF}" = ON ]; then
    echo "python package: skipped in a sanitizer build (run it from a plain build)"
    exit 77
fi
if ! "$python" -c 'import venv, pytest, setuptools' 2> /dev/null; then
    echo "python package: skipped: $python lacks venv, pytest or setuptools" \
         "(make test installs python3-venv python3-pytest python3-setuptools)"
    exit 77
fi
venv="$build/python-venv"
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv" || exit 1
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1
REPRINT_BUILD_DIR="$build" "$venv/bin/python" -m pip install -q --no-build-isolation \
    --no-index --no-deps "$root/python" || { echo "python package: pip install failed"; exit 1; }
cd "$build" || exit 1
REPRINT_CLI="$build/reprint" REPRINT_SOURCE_DIR="$root" "$venv/bin/python" -m pytest -q \
    -p no:cacheprovider "$here"
status=$?
if [ "$status" = 5 ]; then
    echo "python package: pytest collected no tests"
    exit 1
fi
exit "$status"
