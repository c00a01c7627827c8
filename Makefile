GO ?= go

.PHONY: generate check test vet demo emulator bench

# Regenerate consumer/, b2b/ and README.md's table of services from spec/.
generate:
	$(GO) run ./gen

# What CI runs: the generated code must match the spec, then vet and tests.
check: generate
	@if [ -n "$$(git status --porcelain -- consumer b2b README.md)" ]; then \
		echo "generated code drifts from spec/; run 'make generate' and commit:"; \
		git status --porcelain -- consumer b2b README.md; git diff --stat -- consumer b2b README.md; exit 1; \
	fi
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt:"; echo "$$unformatted"; exit 1; fi
	$(MAKE) test

test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

# Walk a consumer and a B2B sign-in: on the embedded emulator, or on Stytch's
# test environment when STYTCH_PROJECT_ID and STYTCH_SECRET are set.
demo:
	$(GO) run ./examples/signin

# Serve the emulator on 127.0.0.1:8787 for tests in other languages.
emulator:
	$(GO) run ./cmd/stytch-emulator

# The transport benchmarks (the SDK against a hand-written net/http floor)
# and the local JWT verification benchmarks.
bench:
	$(GO) test ./consumer -run '^$$' -bench 'BenchmarkCall' -benchmem -count 6
	$(GO) test ./internal/jwtauth ./stytchtest -run '^$$' -bench 'BenchmarkAuthenticateJWTLocal' -benchmem -count 6
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime 3000x -count 6
