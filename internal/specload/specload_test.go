package specload

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/spec"
)

// TestDecodeMatchesLoader checks that decode, which hands kin-openapi the
// document piece by piece, builds what kin-openapi's own loader builds from
// the whole document: for the repository's spec, and for documents of the
// unusual shapes decode leaves whole.
func TestDecodeMatchesLoader(t *testing.T) {
	for _, surface := range []string{"consumer", "b2b"} {
		t.Run(surface, func(t *testing.T) {
			d, err := Load(spec.FS, "spec", surface)
			require.NoError(t, err)
			want, err := openapi3.NewLoader().LoadFromData(d.JSON)
			require.NoError(t, err)
			require.Equal(t, want, d.T)
		})
	}
	const info = `"openapi":"3.0.3","info":{"title":"t","version":"1"}`
	for name, doc := range map[string]string{
		"extensions": `{` + info + `,"x-top":1,"paths":{"x-paths":true,"/a":{"x-item":"i","parameters":[{"name":"q","in":"query","schema":{"type":"string"}}],
			"get":{"x-op":2,"responses":{"x-resp":3,"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}}}},
			"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}},"responses":{"default":{"$ref":"#/components/responses/R"}}}}},
			"components":{"x-comp":4,"schemas":{"S":{"type":"object","properties":{"a":{"type":"integer","x-field":5}}}},"responses":{"R":{"description":"r"}}}}`,
		"null responses":    `{` + info + `,"paths":{"/a":{"get":{"responses":null}}}}`,
		"null request body": `{` + info + `,"paths":{"/a":{"post":{"requestBody":null,"responses":{"200":{"description":"ok"}}}}}}`,
		"null response":     `{` + info + `,"paths":{"/a":{"get":{"responses":{"200":null}}}}}`,
		"null operation":    `{` + info + `,"paths":{"/a":{"get":null}}}`,
		"null path item":    `{` + info + `,"paths":{"/a":null}}`,
		"no paths":          `{` + info + `}`,
		"null schema":       `{` + info + `,"paths":{},"components":{"schemas":{"S":null}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			want, wantErr := openapi3.NewLoader().LoadFromData([]byte(doc))
			var tree map[string]any
			require.NoError(t, json.Unmarshal([]byte(doc), &tree))
			got, err := decode(tree)
			if err == nil {
				err = openapi3.NewLoader().ResolveRefsIn(got, nil)
			}
			if wantErr != nil {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}
