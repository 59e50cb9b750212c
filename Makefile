# Outpost: make run boots the default image in QEMU, make test runs every
# test (QEMU boots included). Both install the host packages they need.

BOARD       ?= qemu-x86_64
GO          ?= go
HOSTARCH    := $(shell $(GO) env GOARCH)
BUILD       := build
CACHE       := $(BUILD)/cache
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo dev)
COMMIT      := $(shell git rev-parse HEAD 2>/dev/null)
# Every time stamped in an image is the commit's: two builds of one commit
# give the same bytes.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 315532800)
export SOURCE_DATE_EPOCH
# The Kubernetes version the components report (kubectl get nodes, /version).
KUBE_VERSION := $(shell $(GO) list -m -f '{{.Version}}' k8s.io/kubernetes 2>/dev/null)
KUBE_MINOR   := $(word 2,$(subst ., ,$(KUBE_VERSION)))
KUBE_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(KUBE_MINOR) \
	-X k8s.io/client-go/pkg/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$(KUBE_MINOR)
LDFLAGS     := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) $(KUBE_LDFLAGS)
GOBUILD     := CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "$(LDFLAGS)"
TEST_IMAGES := $(BUILD)/test-images
COMPRESSION ?= xz

.PHONY: all deps build binaries image images test-images run test unit check fuzz bench bench-boot bench-server clean

all: build

deps:
	@bash .ci/deps

# The host's own binary (image builder, kubectl, server on this host).
build:
	$(GOBUILD) -o $(BUILD)/outpost ./cmd/outpost

# The four binaries an image of ARCH needs: the full one for the root
# image, the stage-1 one (-tags initramfs, without Kubernetes) for /init,
# the container runtime (containerd, without Kubernetes) and containerd's
# runc shim (one process per pod, so it carries nothing else).
$(BUILD)/bin/%/outpost: FORCE
	GOARCH=$* $(GOBUILD) -o $@ ./cmd/outpost
$(BUILD)/bin/%/outpost-initramfs: FORCE
	GOARCH=$* $(GOBUILD) -tags initramfs -o $@ ./cmd/outpost
$(BUILD)/bin/%/outpost-runtime: FORCE
	GOARCH=$* $(GOBUILD) -tags initramfs,containerd -o $@ ./cmd/outpost
$(BUILD)/bin/%/outpost-shim: FORCE
	GOARCH=$* $(GOBUILD) -tags initramfs,shim -o $@ ./cmd/outpost
FORCE:
# Keep them: make would delete them after an image build as intermediates.
.PRECIOUS: $(BUILD)/bin/%/outpost $(BUILD)/bin/%/outpost-initramfs $(BUILD)/bin/%/outpost-runtime $(BUILD)/bin/%/outpost-shim

# The GOARCH of each board's binaries.
ARCH_qemu-x86_64  := amd64
ARCH_qemu-arm64   := arm64
ARCH_metal-x86_64 := amd64
ARCH_metal-arm64  := arm64
IMAGES           ?= $(BUILD)/images

image: deps build
	$(MAKE) --no-print-directory image-$(BOARD)

.SECONDEXPANSION:
image-%: $(BUILD)/bin/$$(ARCH_$$*)/outpost $(BUILD)/bin/$$(ARCH_$$*)/outpost-initramfs $(BUILD)/bin/$$(ARCH_$$*)/outpost-runtime \
		$(BUILD)/bin/$$(ARCH_$$*)/outpost-shim
	$(BUILD)/outpost image build --board $* --cache $(CACHE) --out $(IMAGES)/$* \
		--binary $(BUILD)/bin/$(ARCH_$*)/outpost --init-binary $(BUILD)/bin/$(ARCH_$*)/outpost-initramfs \
		--runtime-binary $(BUILD)/bin/$(ARCH_$*)/outpost-runtime --shim-binary $(BUILD)/bin/$(ARCH_$*)/outpost-shim \
		--compression $(COMPRESSION)

images: deps build
	$(MAKE) --no-print-directory image-qemu-x86_64 image-qemu-arm64 image-metal-x86_64 image-metal-arm64

# Boots disk.img through UEFI, as a real box boots: a rebuilt image starts
# fresh, a second make run without a rebuild keeps the state.
run: image
	$(BUILD)/outpost image run --board $(BOARD) --dir $(IMAGES)/$(BOARD) --disk --append outpost.console=on

# One zstd image per tested board (quicker to build), shared by every QEMU
# test.
TEST_BOARDS := qemu-x86_64 qemu-arm64 metal-x86_64 metal-arm64
test-images: deps build
	$(MAKE) --no-print-directory $(addprefix image-,$(TEST_BOARDS)) IMAGES=$(TEST_IMAGES) COMPRESSION=zstd

test: test-images
	rm -rf $(BUILD)/test-logs
	OUTPOST_IMAGES=$(abspath $(TEST_IMAGES)) OUTPOST_BIN=$(abspath $(BUILD)/outpost) \
	OUTPOST_TEST_LOGS=$(abspath $(BUILD)/test-logs) \
		$(GO) test -count=1 -timeout 60m ./...
	$(GO) test -count=1 -tags initramfs,containerd ./cmd/outpost
	$(GO) test -count=1 -tags initramfs,shim ./cmd/outpost

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /tests/)

# What CI checks before the tests: the tree is gofmt'ed, go vet finds
# nothing (one run: it compiles Kubernetes), and go.mod and go.sum are
# tidy. The CoreDNS image's own module (image/baked/coredns) is left as it
# is: tidying it would change the versions its binary is built with.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt'ed (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

# Every fuzz target (func FuzzXxx in a _test.go file under FUZZ_DIRS) for
# FUZZTIME each, one at a time: go test -fuzz takes one target per run.
# make fuzz FUZZ_DIRS=services/metadata FUZZTIME=1m digs into one package.
# The default is a count of inputs, not a duration: with a duration, Go
# 1.26's fuzz coordinator can report "context deadline exceeded" as a
# failure when the time runs out (go.dev/issue/75804, fixed in Go 1.27).
# 5000 inputs take under a second for most targets, about a minute for
# the slowest (FuzzReadSuperblock) on this 2-core machine.
FUZZ_DIRS ?= cmd init services image board
FUZZTIME  ?= 5000x
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' $(FUZZ_DIRS) | sort); do \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$t in ./$$(dirname $$f) for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f); \
		done; \
	done

bench: bench-boot bench-server

bench-boot: images
	OUTPOST_IMAGES=$(abspath $(BUILD)/images) $(GO) run ./tests/benchboot
	OUTPOST_IMAGES=$(abspath $(BUILD)/images) OUTPOST_BIN=$(abspath $(BUILD)/outpost) \
		$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./tests/benchnode

bench-server: build
	OUTPOST_BIN=$(abspath $(BUILD)/outpost) $(GO) run ./tests/benchserver

clean:
	rm -rf $(BUILD)
