// The generator is its own module so that what it needs (oapi-codegen and
// all it brings) never reaches the go.mod or go.sum of a module that uses
// the SDK: `go mod tidy` in a user's module reads every file of every
// imported package, whatever its build tags, but never a nested module.
// It builds against this checkout of the SDK (the replace below), for the
// spec loader and the test constants it shares with it.
module github.com/gostytch/stytch/gen

go 1.26.0

// kin-openapi is pinned exactly, at the version oapi-codegen is built
// against and the same version as the SDK's go.mod (the emulator uses it):
// it breaks its API in minor releases.
require (
	github.com/getkin/kin-openapi v0.142.0
	github.com/gostytch/stytch v0.0.0
	github.com/oapi-codegen/oapi-codegen/v2 v2.8.2
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/dprotaso/go-yit v0.0.0-20220510233725-9ba8df137936 // indirect
	github.com/go-openapi/jsonpointer v0.23.1 // indirect
	github.com/go-openapi/swag/jsonname v0.26.0 // indirect
	github.com/oasdiff/yaml v0.1.1 // indirect
	github.com/oasdiff/yaml3 v0.0.14 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2 // indirect
	github.com/speakeasy-api/jsonpath v0.6.3 // indirect
	github.com/speakeasy-api/openapi v1.24.0 // indirect
	github.com/vmware-labs/yaml-jsonpath v0.3.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	golang.org/x/tools v0.49.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/gostytch/stytch => ../
