#!/usr/bin/env bash
# Installs the real Kubernetes control plane the k8s-*.test.ts suites start: Debian's etcd, kube-apiserver,
# kube-scheduler and kube-controller-manager built from the Go module proxy, kubectl (the tests' client: server-side
# apply, drain, rollout status) from the same module, and kwok (simulated nodes).
# Binaries, GOPATH, GOMODCACHE and GOCACHE live outside the clone (~/.cache/clinical-inference/k8s-<version>/)
# so a kept machine never rebuilds; a stamp holding the hash of this script's inputs marks a finished build.
# Idempotent and non-interactive; prints exactly one line on success.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The versions are read by test/support/k8s/binaries.ts from this same file: keep them in these two lines.
KUBERNETES_VERSION=v1.34.2
KWOK_VERSION=v0.7.0

# The official Go tarball's location, for machines where it is installed but not on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
cache="${CLINICAL_INFERENCE_CACHE:-$HOME/.cache/clinical-inference}/k8s-$KUBERNETES_VERSION"
bin="$cache/bin"
stamp="$cache/.stamp"
binaries=(kube-apiserver kube-scheduler kube-controller-manager kubectl kwok)
want="kubernetes=$KUBERNETES_VERSION kwok=$KWOK_VERSION binaries=${binaries[*]}"

have_binaries() {
  local b
  for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || return 1; done
}

# etcd: the Debian package ships /usr/bin/etcd; apt-get runs only when it is missing.
if ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup/kubernetes: etcd is missing; install Debian's etcd-server (apt-get install etcd-server) as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends etcd-server; } >/tmp/setup-etcd.log 2>&1; then
    echo "setup/kubernetes: apt-get install etcd-server failed; see /tmp/setup-etcd.log:" >&2
    tail -n 20 /tmp/setup-etcd.log >&2
    exit 1
  fi
  # The package starts a system etcd on 2379; the tests run their own on free ports, so stop that one.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup/kubernetes: the Go toolchain (>= 1.24) is needed to build the control plane; install it or put go on PATH" >&2
  exit 1
fi

mkdir -p "$cache"
# Several engineers and test runs may call setup at once: one build, the others wait for it.
exec 9>"$cache/.lock"
flock 9

if have_binaries && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup/kubernetes: control plane $KUBERNETES_VERSION + kwok $KWOK_VERSION cached in $cache ($(etcd --version | head -n1))"
  exit 0
fi

export GOPATH="$cache/gopath" GOMODCACHE="$cache/gopath/pkg/mod" GOCACHE="$cache/gocache"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
log="$cache/build.log"
: >"$log"
started=$(date +%s)

fail() {
  echo "setup/kubernetes: $1 failed; see $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}

# k8s.io/kubernetes replaces its staging modules with ./staging paths, which a dependent module cannot see:
# a wrapper module points every one of them at the published k8s.io/<module> v0.<minor>.<patch> instead.
# The list is read from kubernetes' own go.mod, so a new staging module needs no edit here.
wrapper="$cache/wrapper"
rm -rf "$wrapper"
mkdir -p "$wrapper" "$bin"
staging_version="v0.${KUBERNETES_VERSION#v1.}"
kube_mod=$(cd "$wrapper" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" 2>>"$log" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p') || fail "go mod download k8s.io/kubernetes@$KUBERNETES_VERSION"
[ -f "$kube_mod" ] || fail "locating k8s.io/kubernetes@$KUBERNETES_VERSION's go.mod"
{
  echo "module clinical-inference/k8s-control-plane"
  echo
  echo "go 1.24.0"
  echo
  echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
  echo
  sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#replace \1 => \1 '"$staging_version"'#p' "$kube_mod"
} >"$wrapper/go.mod"
grep -q '^replace k8s.io/client-go ' "$wrapper/go.mod" || fail "reading the staging modules from $kube_mod"

commands=("${binaries[@]/#/k8s.io/kubernetes/cmd/}")
unset 'commands[-1]' # kwok comes from its own module, below
version_pkg=k8s.io/component-base/version
minor="${KUBERNETES_VERSION#v1.}"
ldflags="-s -w -X $version_pkg.gitVersion=$KUBERNETES_VERSION -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=${minor%%.*}"
ldflags="$ldflags -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
(cd "$wrapper" && nice -n 10 go get "${commands[@]/%/@$KUBERNETES_VERSION}" >>"$log" 2>&1) || fail "resolving kubernetes $KUBERNETES_VERSION"
(cd "$wrapper" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/" "${commands[@]}" >>"$log" 2>&1) ||
  fail "building ${binaries[*]:0:4}"
(GOBIN="$bin" nice -n 10 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >>"$log" 2>&1) ||
  fail "building kwok $KWOK_VERSION"
have_binaries || fail "checking the built binaries in $bin"

echo "$want" >"$stamp"
echo "setup/kubernetes: built control plane $KUBERNETES_VERSION + kwok $KWOK_VERSION into $bin in $(($(date +%s) - started))s"
