#!/usr/bin/env bash
# The Debian packages the tests need, installed only where missing (apt-get needs root, which CI and these machines
# have). docker-compose 1.29 runs `config` offline: the tests use it as Compose's own loader and interpolation.
set -euo pipefail
source "$(dirname "$0")/apt-missing.sh"
apt_install_missing docker-compose prometheus python3-sklearn python3-fastapi python3-uvicorn python3-httpx python3-pytest python3-boto3 python3-prometheus-client

# The README's consumer install line also installs the escape hatch's validators from the npm registry; the consumer
# test runs that line offline, so their packages (with their own dependencies) go into npm's cache now, at install
# time, as a registry install would fetch them. Kept in step with the README by test/consumer.test.ts.
root="$(cd "$(dirname "$0")/.." && pwd)"
warm="$root/.cache/npm-peers"
if [ ! -f "$warm/.done" ]; then
  mkdir -p "$warm"
  (cd "$warm" && echo '{"name":"npm-peers","private":true}' > package.json \
    && npm install --no-save --no-audit --no-fund --loglevel=error ajv@8 ajv-formats@3 kubernetes-models@4 >/dev/null) && touch "$warm/.done"
fi
