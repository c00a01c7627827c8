//go:build tools

// This file pins the generator's dependencies in go.mod; it is never built.
// kin-openapi is pinned exactly (it breaks its API in minor releases) at the
// version oapi-codegen is built against.
package stytch

import (
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	_ "gopkg.in/yaml.v3"
)
