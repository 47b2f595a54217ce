# hull: an OCI runtime (bin/hull) and a Dockerfile image builder (bin/builder).
# Go 1.26 as installed on these machines, even when a root shell's PATH
# lacks it.
export PATH := $(PATH):/usr/local/go/bin
GO       ?= go
PREFIX   ?= /usr/local
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# hull is pure Go (no cgo: a cgo start costs about 1 ms more, and a
# lifecycle starts hull four times). The C part, hull-nsenter, is a small
# static helper beside it, run only for namespaces joined by path or a new
# time namespace. hull-seccomp, the other helper, is the only cgo program:
# it compiles a seccomp profile with libseccomp (static, from
# libseccomp-dev), and hull runs it only when its cache lacks the profile.
HULL_LDFLAGS = -X main.version=$(VERSION) -X main.commit=$(COMMIT)
CC ?= cc
BINARIES = bin/hull bin/hull-nsenter bin/hull-seccomp bin/builder bin/recvtty
# The tests run the binaries built here; the builder's RUN steps use hull.
TEST_ENV = HULL_BINARY=$(CURDIR)/bin/hull HULL_TEST_RUNTIME=$(CURDIR)/bin/hull
TESTFLAGS ?= -count=1 -timeout 30m

.PHONY: all clean test test-unit-integration test-cgroupv2 conformance conformance-clients bench install lint example fuzz

all: $(BINARIES)

bin/hull: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(HULL_LDFLAGS)' -o $@ ./runtime

bin/hull-nsenter: libcontainer/nsenter/helper/nsenter.c
	@mkdir -p bin
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

bin/hull-seccomp: FORCE
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '-linkmode external -extldflags -static' -o $@ ./libcontainer/seccomp/helper

bin/builder: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-X main.version=$(VERSION)' -o $@ ./builder

bin/recvtty: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -o $@ ./contrib/cmd/recvtty

FORCE:

# Everything CI gates on: unit and integration tests (as root), the pure
# cgroup v2 lane in a VM, and the runtime-tools validation suite.
test: all lint fuzz conformance conformance-clients test-cgroupv2 test-unit-integration

# Unit and integration tests: integration tests need root and say so when
# they skip.
test-unit-integration: all
	$(TEST_ENV) $(GO) test $(TESTFLAGS) ./...

# The parsers of untrusted input, fuzzed for a bounded number of inputs
# each (their seed corpora also run as plain tests): config.json, seccomp
# profiles and the seccomp cache files under the state root. A count, not a
# duration: on a loaded machine a duration can end before Go's fuzzer has
# run its baseline, which it reports as a failure ("context deadline
# exceeded").
FUZZTIME ?= 30000x
FUZZ_TARGETS = ./spec:FuzzLoad ./libcontainer/seccomp:FuzzTranslate ./libcontainer/seccomp:FuzzCacheFile
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

# The cgroup packages' tests and hull's integration tests on a kernel that
# mounts only cgroup2 (qemu, software emulation; needs qemu-system-x86 and
# Debian's package mirror). The 200-cycle soak is left to the host lane:
# emulated, it alone takes minutes.
V2_PKGS = ./libcontainer/cgroups ./libcontainer/cgroups/fs2 ./libcontainer/cgroups/devices/devfilter ./runtime/integration
test-cgroupv2: all
	PKGS='$(V2_PKGS)' TESTFLAGS='-test.skip TestManyCyclesLeaveNothing' \
		HULL_BIN=$(CURDIR)/bin/hull libcontainer/cgroups/vmtest/run.sh

# The OCI runtime-tools validation programs against hull, compared with runc.
conformance: all
	$(GO) run ./conformance/cmd/validate --runtime $(CURDIR)/bin/hull --compare runc

# Real clients (a private dockerd, a private containerd with ctr) driven
# step by step with hull and, side by side, runc: fails when a step passes
# on runc but not on hull.
conformance-clients: all
	$(GO) run ./conformance/cmd/clients --runtime $(CURDIR)/bin/hull --compare runc

# Lifecycle benchmarks (hull vs runc vs crun) and builds (builder vs buildah).
bench: all
	$(TEST_ENV) $(GO) test -run '^$$' -bench . -benchtime 30x ./bench/
	$(TEST_ENV) $(GO) test -run '^$$' -bench ExampleBuild ./builder/build/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt'ed: $$out"; exit 1; fi
	$(GO) vet ./...

# Build the example image with builder and run it with hull.
example: all
	./examples/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINARIES) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf bin
