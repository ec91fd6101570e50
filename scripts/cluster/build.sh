#!/usr/bin/env bash
# Builds the local control plane the cluster tests run: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl at one Kubernetes release, and kwok for kubelet-less nodes, from the Go modules pinned
# in tools/cluster/*/go.mod (recipe: shared/design/LEARNED.md, "A real Kubernetes control plane"). The binaries go to
# .cache/cluster/bin (gitignored) and are rebuilt only when a go.mod or go.sum changes. Each step prints its time.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${CLUSTER_BIN:-$root/.cache/cluster/bin}"
mkdir -p "$out"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -trimpath"
kube_version=v1.34.4

step() { # name, module dir, stamp of what it builds, build command...
  local name=$1 dir=$2; shift 2
  local stamp; stamp=$(cat "$root/tools/cluster/$dir/go.mod" "$root/tools/cluster/$dir/go.sum" | sha256sum | cut -c1-16)
  if [ -f "$out/.$dir.stamp" ] && [ "$(cat "$out/.$dir.stamp")" = "$stamp" ]; then
    echo "cluster build: $name cached"
    return
  fi
  local start=$SECONDS
  (cd "$root/tools/cluster/$dir" && "$@")
  echo "$stamp" > "$out/.$dir.stamp"
  echo "cluster build: $name built in $((SECONDS - start)) s"
}

# Clients reject an unstamped version (-master+$Format:%H$); stamp the release the module pins.
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/client-go/pkg/version.gitVersion=$kube_version"
step etcd etcd go build -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
step "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl" kube \
  go build -ldflags "$ldflags" -o "$out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
step kwok kwok go build -ldflags "-s -w" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok
