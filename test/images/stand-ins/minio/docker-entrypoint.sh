#!/bin/sh
# The stand-in minio image's entrypoint (see its Dockerfile): like MinIO's, a command that does not start with `minio`
# gets it prepended.
if [ "${1}" != "minio" ] && [ -n "${1}" ]; then
  set -- minio "$@"
fi
exec "$@"
