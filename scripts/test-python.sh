#!/usr/bin/env bash
# Runs each Python service's tests with Debian's interpreter (/usr/bin/python3, which has the python3-* packages;
# the python3 first on PATH may be another one). One pytest run per service: each has its own `app` package.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for tests in services/*/tests; do
  echo "pytest ${tests}"
  (cd "$(dirname "$tests")" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests) || status=1
done
exit $status
