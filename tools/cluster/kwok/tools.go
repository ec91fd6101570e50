//go:build tools

// kwok plays the kubelet for the cluster tests' fake nodes: heartbeats, pods to Running, deletes completed.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
