package jwtauth

import (
	"encoding/json"
	"errors"
)

// The payload's top level is walked here rather than decoded by
// encoding/json into a map[string]json.RawMessage: the map costs three
// allocations per claim (the key, a reflect.New, a copy of the value) and
// a second pass over every value, which made decoding the claims dearer
// than the rest of a verification bar the RSA check. json.Valid checks the
// whole payload first, so the walker only ever reads well-formed JSON and
// needs no error handling of its own; each value is then decoded once, by
// encoding/json or the plain-string fast path, straight into its field.
// FuzzEachMember holds it to encoding/json's reading.

var errNotObject = errors.New("payload is not a JSON object")

// eachMember calls fn with each member of the JSON object b, in order: the
// raw key (between its quotes), whether the key must be decoded (it holds
// escapes or non-ASCII bytes, which encoding/json may rewrite), and the raw
// value, a subslice of b.
func eachMember(b []byte, fn func(key []byte, escaped bool, value []byte) error) error {
	if !json.Valid(b) {
		return errNotObject
	}
	return walkObject(b, fn)
}

// walkObject is eachMember for b known to be valid JSON: a value found by an
// earlier walk. It fails if b is not an object.
func walkObject(b []byte, fn func(key []byte, escaped bool, value []byte) error) error {
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return errNotObject
	}
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return nil
	}
	for {
		end, escaped := stringEnd(b, i)
		key := b[i+1 : end-1]
		i = skipSpace(b, skipSpace(b, end)+1) // past ':'
		vend := valueEnd(b, i)
		if err := fn(key, escaped, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // past ','
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"',
// and whether it holds an escape or a non-ASCII byte.
func stringEnd(b []byte, i int) (end int, escaped bool) {
	for j := i + 1; ; j++ {
		switch c := b[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			return j + 1, escaped
		case c >= 0x80:
			escaped = true
		}
	}
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; ; j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		return j
	}
}

var errNotArray = errors.New("not a JSON array")

// walkArray calls fn with each element of b, valid JSON; it fails if b is
// not an array.
func walkArray(b []byte, fn func(value []byte) error) error {
	i := skipSpace(b, 0)
	if b[i] != '[' {
		return errNotArray
	}
	i = skipSpace(b, i+1)
	if b[i] == ']' {
		return nil
	}
	for {
		end := valueEnd(b, i)
		if err := fn(b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if b[i] == ']' {
			return nil
		}
		i = skipSpace(b, i+1) // past ','
	}
}
