#!/usr/bin/env bash
# npm run test:images: the engine (scripts/images/install-engine.sh), the stand-in upstream images
# (scripts/images/stand-ins.ts), then the image tests (test/images). Outside CI it skips, saying why, where dockerd
# cannot run: it needs root. Under CI nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ] && [ -z "${CI:-}" ]; then
  echo "image tests skipped: dockerd needs root and this user is $(id -un); run npm run test:images as root"
  exit 0
fi
bash scripts/images/install-engine.sh
node --require tsx/cjs scripts/images/stand-ins.ts
npx jest -c jest.images.config.js "$@"
