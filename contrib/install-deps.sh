#!/bin/sh
# install-deps.sh: the Debian packages hull's build, tests, conformance run
# and benchmarks need, on a fresh Debian 12 machine as root. Go 1.26 must
# already be installed (/usr/local/go or on PATH).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config libseccomp-dev git ca-certificates \
	busybox-static iproute2 util-linux procps strace \
	runc crun skopeo umoci podman buildah docker-registry \
	docker.io containerd docker-compose \
	qemu-system-x86 cpio >/dev/null
