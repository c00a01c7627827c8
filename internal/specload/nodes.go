package specload

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The assembled document stays a tree of YAML nodes to the end: each piece
// kin-openapi decodes is encoded as JSON straight from its nodes, and the
// $refs are checked on them, so no generic tree of maps is built and no map
// is encoded. A file is checked for what JSON cannot say when it is parsed
// (checkNodes), which is where its name and lines are known; encoding then
// cannot fail.

// checkNodes reports, in file order, what of n has no JSON form: anchors
// and aliases, merge keys, keys that are not scalars or are given twice, and
// numbers JSON cannot write. at holds the tokens of n's pointer, built into
// one only for an error.
func checkNodes(file string, n *yaml.Node, at []string) Errors {
	errAt := func(n *yaml.Node, at []string, format string, args ...any) *Error {
		return &Error{Origin: Origin{file, n.Line, n.Column}, Pointer: Pointer(at...), Message: fmt.Sprintf(format, args...)}
	}
	var errs Errors
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return Errors{errAt(n, at, "YAML anchors and aliases are not supported: write the value out")}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				errs = append(errs, errAt(k, at, "a key must be a plain scalar (no merge keys, no collections)"))
				continue
			}
			key := keyString(k)
			for j := 0; j < i; j += 2 {
				if prev := n.Content[j]; prev.Kind == yaml.ScalarNode && keyString(prev) == key {
					errs = append(errs, errAt(k, append(at, key), "key %q is given twice in this mapping (first at line %d)", key, prev.Line))
					break
				}
			}
			errs = append(errs, checkNodes(file, n.Content[i+1], append(at, key))...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, checkNodes(file, c, append(at, strconv.Itoa(i)))...)
		}
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case "!!str", "!!null", "!!bool", "!!int", "!!timestamp":
			// yaml.v3 tagged a plain true or 12 so when it parsed them; only
			// the rarer forms (0x1F, a date) are decoded to be sure.
			if tag != "!!str" && tag != "!!null" && !plainBoolOrNumber(n.Value) {
				var v any
				if err := n.Decode(&v); err != nil {
					errs = append(errs, errAt(n, at, "%v", err))
				}
			}
		case "!!float":
			if !isJSONNumber(n.Value) {
				var f float64
				if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
					errs = append(errs, errAt(n, at, "%q is not a number JSON can hold", n.Value))
				}
			}
		default:
			errs = append(errs, errAt(n, at, "values tagged %s have no JSON form", tag))
		}
	}
	return errs
}

// plainBoolOrNumber reports whether s is written as JSON writes a boolean
// or a number (yaml.v3 also reads True and TRUE as booleans).
func plainBoolOrNumber(s string) bool {
	switch s {
	case "true", "false", "True", "False", "TRUE", "FALSE":
		return true
	}
	return isJSONNumber(s)
}

// keyString is a mapping key as JSON writes it: an unquoted 200 is "200".
func keyString(k *yaml.Node) string {
	if k.ShortTag() == "!!str" || isJSONNumber(k.Value) {
		return k.Value
	}
	var v any
	if err := k.Decode(&v); err != nil {
		return k.Value
	}
	return fmt.Sprint(v)
}

// pathDepth is the capacity of the token stacks that checkNodes and
// checkRefs descend with: deep enough for the spec, so that the walk
// appends to the stack in place rather than allocating at every level.
const pathDepth = 32

// encodeJSON encodes n, which checkNodes accepted, as JSON, in a buffer
// sized for it at once.
func encodeJSON(n *yaml.Node) []byte { return appendJSON(make([]byte, 0, jsonSize(n)), n) }

// jsonSize is about how long n is as JSON (escapes aside).
func jsonSize(n *yaml.Node) int {
	size := len(n.Value) + 2
	for _, c := range n.Content {
		size += jsonSize(c) + 2
	}
	return size
}

// jsonSizeWithout is jsonSize of n without the keys in skip of its mapping.
func jsonSizeWithout(n *yaml.Node, skip []string) int {
	if n.Kind != yaml.MappingNode || len(skip) == 0 {
		return jsonSize(n)
	}
	size := 2
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !slices.Contains(skip, n.Content[i].Value) {
			size += jsonSize(n.Content[i]) + jsonSize(n.Content[i+1]) + 4
		}
	}
	return size
}

// appendMappingWithout appends n as appendJSON does, but without the keys
// in skip if n is a mapping.
func appendMappingWithout(b []byte, n *yaml.Node, skip []string) []byte {
	if n.Kind != yaml.MappingNode || len(skip) == 0 {
		return appendJSON(b, n)
	}
	b = append(b, '{')
	first := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := keyString(n.Content[i])
		if slices.Contains(skip, key) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, key)
		b = append(b, ':')
		b = appendJSON(b, n.Content[i+1])
	}
	return append(b, '}')
}

// appendJSON appends n, which checkNodes accepted, encoded as JSON.
func appendJSON(b []byte, n *yaml.Node) []byte {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return appendJSON(b, n.Content[0])
		}
		return append(b, "null"...)
	case yaml.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, keyString(n.Content[i]))
			b = append(b, ':')
			b = appendJSON(b, n.Content[i+1])
		}
		return append(b, '}')
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, c)
		}
		return append(b, ']')
	}
	switch n.ShortTag() {
	case "!!str":
		return appendString(b, n.Value)
	case "!!null":
		return append(b, "null"...)
	case "!!bool":
		v, _ := strconv.ParseBool(n.Value)
		return strconv.AppendBool(b, v)
	case "!!int", "!!float":
		if isJSONNumber(n.Value) {
			return append(b, n.Value...)
		}
		var v any
		_ = n.Decode(&v)
		data, _ := json.Marshal(v)
		return append(b, data...)
	case "!!timestamp":
		var t time.Time
		_ = n.Decode(&t)
		return appendString(b, t.Format(time.RFC3339Nano))
	}
	return appendString(b, n.Value)
}

// isJSONNumber reports whether s is written as JSON writes a number.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as
// encoding/json writes it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
