# The portal's tasks. `make test` is what CI runs (see .ci/run).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build test lint bench fmt tools-check

run: ## run the portal in dev mode (SQLite, dev sign-in, demo data)
	$(GO) run ./cmd/portal dev

build: ## build a static binary into bin/portal
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/portal ./cmd/portal

lint: ## gofmt, go vet, and the deployment files
	@out=$$(gofmt -l cmd internal *.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	bash deploy/check

test: lint ## the whole test suite: unit, PostgreSQL and SQLite, OIDC, browser
	$(GO) test -race -count=1 -timeout 20m ./...

bench: ## load benchmarks against a fresh PostgreSQL database; results in bench-results/
	$(GO) run ./cmd/bench $(BENCHFLAGS)

fmt:
	gofmt -w cmd internal *.go
