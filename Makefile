# berth — developer entry points. See README.md.
export CGO_ENABLED := 0
GO        ?= go
BIN       := bin/berth
PKGS      := ./...
TEST_TIMEOUT ?= 30m
FUZZTIME  ?= 30s
# goreleaser, pinned; built once into the cache like the local cluster's binaries.
GORELEASER_VERSION := v2.15.1
TOOLS     ?= $(HOME)/.cache/berth/tools
GORELEASER := $(TOOLS)/goreleaser-$(GORELEASER_VERSION)/goreleaser

.PHONY: all build install test unit release-check snapshot cluster cluster-down cluster-stop demo bench fuzz vet fmt clean

all: build

build: ## build bin/berth
	$(GO) build -trimpath -o $(BIN) ./cmd/berth

install: ## go install berth, plus the kubectl-berth plugin link next to it
	$(GO) install -trimpath ./cmd/berth
	ln -sf berth "$$($(GO) env GOPATH)/bin/kubectl-berth"
	ln -sf berth "$$($(GO) env GOPATH)/bin/kubectl_complete-berth"

cluster: ## start the local cluster (builds kcp + kwok once, then cached)
	./localcluster/cluster.sh up

cluster-down: ## stop the local cluster's processes and remove its state
	./localcluster/cluster.sh down

cluster-stop: ## stop the processes, keep data for a fast restart
	./localcluster/cluster.sh stop

unit: ## unit tests only (no cluster)
	$(GO) test -short $(PKGS)

test: cluster release-check ## unit + integration tests against the local cluster, release check
	$(GO) vet $(PKGS)
	$(GO) test -timeout $(TEST_TIMEOUT) $(PKGS)
	cd localcluster && $(GO) vet ./cluster/ && $(GO) test -timeout $(TEST_TIMEOUT) ./cluster/

$(GORELEASER):
	GOBIN=$(dir $(GORELEASER)) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

release-check: $(GORELEASER) ## goreleaser check + snapshot release of the host platform into dist/
	GORELEASER=$(GORELEASER) ./hack/release-check.sh

snapshot: $(GORELEASER) ## snapshot release of every platform into dist/ (slow)
	$(GORELEASER) release --snapshot --clean --skip=before

demo: cluster build ## local cluster + example app + the TUI
	./hack/demo.sh

bench: build ## benchmarks on a private local cluster: figures with same-run baselines (bench/README.md)
	./bench/run.sh

fuzz: ## run every fuzz target for FUZZTIME each
	./hack/fuzz.sh $(FUZZTIME)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin dist
