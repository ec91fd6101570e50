//go:build tools

// etcd for the cluster tests, in a module of its own: its dependency pins differ from Kubernetes'.
package tools

import _ "go.etcd.io/etcd/server/v3"
