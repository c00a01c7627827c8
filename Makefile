GO ?= go

# staticcheck is pinned by a tool directive in tools/go.mod, a module of its
# own that no user's module reads.
STATICCHECK = $(GO) tool -modfile=$(CURDIR)/tools/go.mod staticcheck

.PHONY: generate check test vet lint demo emulator bench node-e2e

# Regenerate consumer/, b2b/, their operation tests (internal/optest/*/),
# the emulator's server and permissions (stytchtest/*.gen.go) and README.md's
# table of services from spec/.
# The generator is a module of its own (gen/go.mod), so that what it needs
# never reaches the SDK's users.
generate:
	cd gen && $(GO) run . -root ..

# What CI runs: the generated code must match the spec, then vet,
# staticcheck, gofmt and tests.
check: generate
	@if [ -n "$$(git status --porcelain -- consumer b2b 'internal/optest/*/*_gen_test.go' 'stytchtest/*.gen.go' README.md)" ]; then \
		echo "generated code drifts from spec/; run 'make generate' and commit:"; \
		git status --porcelain -- consumer b2b 'internal/optest/*/*_gen_test.go' 'stytchtest/*.gen.go' README.md; git diff --stat -- consumer b2b 'internal/optest/*/*_gen_test.go' 'stytchtest/*.gen.go' README.md; exit 1; \
	fi
	$(MAKE) vet
	$(MAKE) lint
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt:"; echo "$$unformatted"; exit 1; fi
	$(MAKE) test

# Both modules: the SDK and the generator.
test:
	$(GO) test -race ./...
	cd gen && $(GO) test -race ./...

vet:
	$(GO) vet ./...
	cd gen && $(GO) vet ./...

lint:
	$(STATICCHECK) ./...
	cd gen && $(STATICCHECK) ./...

# Walk a consumer and a B2B sign-in: on the embedded emulator, or on Stytch's
# test environment when STYTCH_PROJECT_ID and STYTCH_SECRET are set.
demo:
	$(GO) run ./examples/signin

# Serve the emulator on 127.0.0.1:8787 for tests in other languages.
emulator:
	$(GO) run ./cmd/stytch-emulator

# Install the official stytch npm package in a temporary folder and call the
# emulator with it over TLS. Needs node, npm and the network; never part of
# check.
node-e2e:
	STYTCH_NODE_E2E=1 $(GO) test ./cmd/stytch-emulator -run TestNodeSDKOverTLS -count=1 -v

# The transport benchmarks (the SDK against a hand-written net/http floor;
# HTTP/2 against HTTP/1.1 over TLS with 1, 8 and 32 callers), the local JWT
# verification benchmarks, loading the spec (both surfaces), the session
# middleware against a bare handler, and the emulator's first call in a
# fresh process and its steady-state calls.
bench:
	$(GO) test ./consumer -run '^$$' -bench 'BenchmarkCall' -benchmem -count 6
	$(GO) test ./internal/transport -run '^$$' -bench 'BenchmarkProtocols' -benchmem -count 6
	$(GO) test ./internal/jwtauth ./stytchtest -run '^$$' -bench 'BenchmarkAuthenticateJWTLocal|BenchmarkIntrospectTokenLocal' -benchmem -count 6
	$(GO) test ./internal/specload -run '^$$' -bench 'BenchmarkLoad' -benchmem -count 6
	$(GO) test ./stytchhttp -run '^$$' -bench 'BenchmarkMiddleware' -benchmem -count 6
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime 3000x -count 6
	$(GO) test ./stytchtest -run '^$$' -bench 'BenchmarkFirstCall|BenchmarkCall|BenchmarkServeHTTP' -benchmem -count 6
