package specload

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

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
			want, err := openapi3.NewLoader().LoadFromData(d.JSON())
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
		"nested schemas": `{` + info + `,"paths":{"/a":{"post":{"requestBody":{"x-rb":1,"content":{"application/json":{"x-mt":2,"schema":{"type":"object","x-s":3,
			"properties":{"a":{"type":"array","items":{"type":"object","properties":{"b":{"type":"string","enum":["x"]}}}},"c":{"allOf":[{"$ref":"#/components/schemas/S"},{"type":"object","properties":{}}]},
			"d":{"oneOf":[{"type":"string"},{"type":"integer"}],"not":{"type":"boolean"}},"e":{"$ref":"#/components/schemas/S","description":"sibling"}}}},"text/plain":{}}},
			"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"anyOf":[{"type":"string"}]}}}},"400":{"$ref":"#/components/responses/R"}}}}},
			"components":{"schemas":{"S":{"type":"object","properties":{"p":{"type":"string"}},"additionalProperties":{"type":"string"}}},"responses":{"R":{"description":"r","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}}}}}`,
		"odd subschemas": `{` + info + `,"paths":{},"components":{"schemas":{"A":{"type":"object","properties":{"a":null}},"B":{"type":"array","items":true},"C":{"allOf":{"type":"string"}},"D":{"properties":[]}}}}`,
		"odd content":    `{` + info + `,"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":null}},"201":{"description":"ok","content":[]}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			want, wantErr := openapi3.NewLoader().LoadFromData([]byte(doc))
			var tree yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(doc), &tree))
			got, err := decode(tree.Content[0])
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

// TestUnsupportedYAML checks that what JSON cannot hold is an error naming
// the file, line and pointer of the node at fault.
func TestUnsupportedYAML(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"alias":          {"a: &x 1\nb: *x\n", "spec/f.yaml:1:4: /a: YAML anchors and aliases are not supported"},
		"merge key":      {"a: {b: 1}\nc:\n  <<: {b: 2}\n", "spec/f.yaml:3:3: /c: a key must be a plain scalar"},
		"duplicate key":  {"a:\n  b: 1\n  b: 2\n", `spec/f.yaml:3:3: /a/b: key "b" is given twice in this mapping (first at line 2)`},
		"collection key": {"? [a]\n: 1\n", "spec/f.yaml:1:3: : a key must be a plain scalar"},
		"infinity":       {"a:\n  - .inf\n", `spec/f.yaml:2:5: /a/0: ".inf" is not a number JSON can hold`},
		"binary":         {"a: !!binary aGk=\n", "spec/f.yaml:1:4: /a: values tagged !!binary have no JSON form"},
	} {
		t.Run(name, func(t *testing.T) {
			var n yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(tc.doc), &n))
			errs := checkNodes("spec/f.yaml", n.Content[0], nil)
			require.NotEmpty(t, errs)
			require.Contains(t, errs[0].Error(), tc.want)
		})
	}
}

// TestJSONEncoding checks the JSON written from YAML nodes against
// encoding/json's reading of it.
func TestJSONEncoding(t *testing.T) {
	doc := "s: \"a\\\"b\\\\c\\u0001\\n\\t\\u00e9\\u2028\"\nq: 'it''s'\ni: 12\nh: 0x1F\nf: 1.5e3\nd: .5\nb: True\nn: ~\nt: 2024-01-02\n200: code\nl: [1, x, {k: v}]\n"
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(doc), &n))
	require.Empty(t, checkNodes("f", n.Content[0], nil))
	var got map[string]any
	require.NoError(t, json.Unmarshal(appendJSON(nil, n.Content[0]), &got))
	require.Equal(t, map[string]any{
		"s": "a\"b\\c\x01\n\t\u00e9\u2028", "q": "it's", "i": 12.0, "h": 31.0, "f": 1500.0, "d": 0.5, "b": true, "n": nil,
		"t": "2024-01-02T00:00:00Z", "200": "code", "l": []any{1.0, "x", map[string]any{"k": "v"}},
	}, got)
	require.Equal(t, `"\ufffd"`, string(appendString(nil, "\xff")))
}

// TestLoaderSharesFragmentsUnchanged checks that one Loader, which parses
// each fragment once, loads every surface as a fresh Load does, however
// often and in whatever order: merging never changes a parsed fragment.
func TestLoaderSharesFragmentsUnchanged(t *testing.T) {
	l := NewLoader(spec.FS, "spec")
	for _, surface := range []string{"consumer", "b2b", "consumer", "b2b"} {
		got, err := l.Load(surface)
		require.NoError(t, err, surface)
		want, err := Load(spec.FS, "spec", surface)
		require.NoError(t, err)
		require.Equal(t, want.T, got.T, surface)
		require.Equal(t, string(want.JSON()), string(got.JSON()), surface)
		require.Equal(t, want.Origin("/paths"), got.Origin("/paths"))
	}
}
