# berth — developer entry points. See README.md.
export CGO_ENABLED := 0
GO        ?= go
BIN       := bin/berth
PKGS      := ./...
TEST_TIMEOUT ?= 30m
FUZZTIME  ?= 30s

.PHONY: all build test unit cluster cluster-down cluster-stop demo bench fuzz vet fmt clean

all: build

build: ## build bin/berth
	$(GO) build -trimpath -o $(BIN) ./cmd/berth

cluster: ## start the local cluster (builds kcp + kwok once, then cached)
	./localcluster/cluster.sh up

cluster-down: ## stop the local cluster's processes and remove its state
	./localcluster/cluster.sh down

cluster-stop: ## stop the processes, keep data for a fast restart
	./localcluster/cluster.sh stop

unit: ## unit tests only (no cluster)
	$(GO) test -short $(PKGS)

test: cluster ## unit + integration tests against the local cluster
	$(GO) vet $(PKGS)
	$(GO) test -timeout $(TEST_TIMEOUT) $(PKGS)
	cd localcluster && $(GO) vet ./cluster/ && $(GO) test -timeout $(TEST_TIMEOUT) ./cluster/

demo: cluster build ## local cluster + example app + the TUI
	./hack/demo.sh

bench: cluster build ## benchmarks (Go benchmarks + bench/ scripts)
	./bench/run.sh

fuzz: ## run every fuzz target for FUZZTIME each
	./hack/fuzz.sh $(FUZZTIME)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin dist
