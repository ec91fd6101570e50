#!/usr/bin/env bash
# A Docker Engine for the image tests (test/images): dockerd 26 with the Compose v2 and Buildx plugins, so that the
# tests run the README's own `docker buildx bake` and `docker compose` commands. Recipe: shared/design/LEARNED.md
# ("Containers"), copied here. Bookworm's docker.io is 20.10, whose BuildKit has no named contexts (the bake file's
# `contexts`), so dockerd, the client and the plugins come from Debian trixie's packages, unpacked into
# .cache/engine (their binaries need glibc 2.34; bookworm has 2.36); containerd, runc and iptables are bookworm's.
# Kept between runs: .cache/engine is gitignored and this script does nothing once its stamp is there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/.cache/engine"
stamp="$dir/.installed"
[ -f "$stamp" ] && exit 0

source "$root/scripts/apt-missing.sh"
apt_install_missing containerd runc iptables debootstrap

# trixie's lists kept apart from the system's, so the machine's own apt sources stay bookworm
apt_dir="$dir/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$dir/debs"
cat > "$apt_dir/parts/trixie.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/parts" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
(cd "$dir/debs" && apt-get "${apt_opts[@]}" download -qq docker.io docker-cli docker-compose docker-buildx)

rm -rf "$dir/unpacked" "$dir/bin" "$dir/config/cli-plugins"
mkdir -p "$dir/unpacked" "$dir/bin" "$dir/config/cli-plugins"
for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/unpacked"; done
cp "$dir/unpacked/usr/sbin/dockerd" "$dir/unpacked/usr/sbin/docker-proxy" "$dir/unpacked/usr/bin/docker" "$dir/bin/"
cp "$dir/unpacked/usr/libexec/docker/cli-plugins/docker-compose" "$dir/unpacked/usr/libexec/docker/cli-plugins/docker-buildx" "$dir/config/cli-plugins/"
rm -rf "$dir/unpacked"
"$dir/bin/dockerd" --version
PATH="$dir/bin:$PATH" DOCKER_CONFIG="$dir/config" docker compose version
PATH="$dir/bin:$PATH" DOCKER_CONFIG="$dir/config" docker buildx version
touch "$stamp"
