#!/usr/bin/env bash
# The Debian packages the tests need, installed only where missing (apt-get needs root, which CI and these machines
# have). docker-compose 1.29 runs `config` offline: the tests use it as Compose's own loader and interpolation.
set -euo pipefail
packages=(docker-compose prometheus python3-sklearn python3-fastapi python3-uvicorn python3-httpx python3-pytest python3-boto3 python3-prometheus-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
