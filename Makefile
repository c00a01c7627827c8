GO ?= go

.PHONY: generate check test vet demo

# Regenerate consumer/ and b2b/ from spec/.
generate:
	$(GO) run ./gen

# What CI runs: the generated code must match the spec, then vet and tests.
check: generate
	@if [ -n "$$(git status --porcelain -- consumer b2b)" ]; then \
		echo "generated code drifts from spec/; run 'make generate' and commit:"; \
		git status --porcelain -- consumer b2b; git diff --stat -- consumer b2b; exit 1; \
	fi
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt:"; echo "$$unformatted"; exit 1; fi
	$(MAKE) test

test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...
