#!/bin/sh
# run.sh: build the example image (examples/hello) with builder and run it
# with hull, the way the README shows:
#
#   make && ./examples/run.sh
#
# Environment:
#   RUNTIME       OCI runtime for the build's RUN steps and for running the
#                 image (default: bin/hull; RUNTIME=runc works too)
#   BUILDER_ROOT  builder's store (default /var/lib/hull/builder)
set -eu
cd "$(dirname "$0")/.."
BUILDER=${BUILDER:-bin/builder}
RUNTIME=${RUNTIME:-bin/hull}
[ -x "$BUILDER" ] || { echo "run.sh: $BUILDER missing: run make first" >&2; exit 1; }
command -v "$RUNTIME" >/dev/null 2>&1 || [ -x "$RUNTIME" ] ||
	{ echo "run.sh: runtime $RUNTIME not found (set RUNTIME=runc to use runc)" >&2; exit 1; }
case $RUNTIME in */*) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;; esac
ROOT_FLAG=""
[ -n "${BUILDER_ROOT:-}" ] && ROOT_FLAG="--root=$BUILDER_ROOT"
export BUILDER

# The base image is made once, from Debian's busybox-static.
if ! "$BUILDER" $ROOT_FLAG inspect hull/busybox >/dev/null 2>&1; then
	echo "== making the busybox base image"
	examples/make-busybox-base.sh hull/busybox
fi

echo "== building examples/hello with $RUNTIME"
"$BUILDER" $ROOT_FLAG build --runtime "$RUNTIME" -t hull/hello examples/hello

BUNDLE=$(mktemp -d)
STATE=$(mktemp -d)
trap 'rm -rf "$BUNDLE" "$STATE"' EXIT
"$BUILDER" $ROOT_FLAG bundle hull/hello "$BUNDLE/app"

echo "== running hull/hello with $RUNTIME"
cd "$BUNDLE/app"
"$RUNTIME" --root "$STATE" run "hello-$$"
