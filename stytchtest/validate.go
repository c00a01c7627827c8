package stytchtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Request validation, from the schema tables the generator writes beside
// each surface's routes (*_server.gen.go): no spec is parsed at run time.

// schema is one schema of the spec, reduced to what the emulator checks.
// Its zero value accepts anything.
type schema struct {
	kind     kind
	nullable bool
	format   format
	enum     []string // the allowed values, as strings (numbers as in JSON)
	props    []prop   // an object's known properties, by name
	closed   bool     // additionalProperties: false
	values   int      // the schema of other properties' values; 0: anything
	items    int      // the schema of an array's items; 0: anything
	// A number's bounds (the spec's minimum and maximum, and those of an
	// int32 or uint32), a string's length in characters or an array's.
	hasMin, hasMax       bool
	min, max             float64
	minLength, maxLength int
	hasMaxLength         bool
	pattern              string
}

type prop struct {
	name     string
	schema   int
	required bool
}

type kind uint8

const (
	kindAny kind = iota
	kindObject
	kindArray
	kindString
	kindInteger
	kindNumber
	kindBoolean
)

type format uint8

const (
	formatNone format = iota
	formatDateTime
)

// patterns caches the compiled patterns of the schemas, which are compiled
// on first use rather than when the package loads.
var patterns sync.Map // string -> *regexp.Regexp

func matches(pattern, s string) bool {
	re, ok := patterns.Load(pattern)
	if !ok {
		re, _ = patterns.LoadOrStore(pattern, regexp.MustCompile(pattern))
	}
	return re.(*regexp.Regexp).MatchString(s)
}

// param is a path or query parameter or a form field. Its kind is string
// unless set: integer or boolean, or array for a space-delimited form list.
type param struct {
	name     string
	in       in
	kind     kind
	required bool
	schema   int // of the value, or of a list's items
}

type in uint8

const (
	inPath in = iota + 1
	inQuery
	inForm
)

func bound(has bool, v float64) string {
	if !has {
		return "…"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func badRequest(format string, args ...any) *apiError {
	return errorf(400, errorTypeBadRequest, format, args...)
}

// validate checks c's parameters and body against its route's schemas,
// and keeps the parsed query and form values for binding.
func (c *call) validate() error {
	r := c.route
	c.queryValues = c.http.URL.Query()
	if r.form {
		if err := c.contentType("application/x-www-form-urlencoded"); err != nil {
			return err
		}
		if !utf8.Valid(c.body) {
			return badRequest("Request body: the form is not valid UTF-8.")
		}
		form, err := url.ParseQuery(string(c.body))
		if err != nil {
			return badRequest("Request body: the form could not be decoded: %v", err)
		}
		c.formValues = form
	}
	for _, p := range r.params {
		var (
			v       string
			present bool
		)
		switch p.in {
		case inPath:
			v, present = c.pathValue(p.name), true
		case inQuery:
			v, present = c.queryValues.Get(p.name), c.queryValues.Has(p.name)
		case inForm:
			v, present = c.formValues.Get(p.name), c.formValues.Has(p.name)
		}
		where := "Parameter " + p.name
		if p.in == inForm {
			where = "Request body field " + p.name
		}
		if !present {
			if p.required {
				return badRequest("%s: value is required but missing", where)
			}
			continue
		}
		if err := r.checkString(p, v); err != nil {
			return badRequest("%s: %s", where, err)
		}
	}
	if !r.body {
		return nil
	}
	if len(c.body) == 0 {
		if r.optionalBody {
			return nil
		}
		return badRequest("Request body: value is required but missing")
	}
	if err := c.contentType("application/json"); err != nil {
		return err
	}
	if !utf8.Valid(c.body) {
		return badRequest("Request body: not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return badRequest("Request body: not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("Request body: not valid JSON: data after the value")
	}
	if path, err := r.check(r.bodySchema, v, nil); err != nil {
		if len(path) == 0 {
			return badRequest("Request body: %s", err)
		}
		return badRequest("Request body field %s: %s", strings.Join(path, "."), err)
	}
	return nil
}

func (c *call) contentType(want string) error {
	mt, _, err := mime.ParseMediaType(c.http.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return badRequest("Request body: header Content-Type must be %s", want)
	}
	return nil
}

// checkString checks a parameter's value, as it comes in a path, a query
// or a form.
func (r *route) checkString(p param, v string) error {
	switch p.kind {
	case kindInteger:
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("value %s must be an integer", strconv.Quote(v))
		}
		_, err := r.check(p.schema, json.Number(v), nil)
		return err
	case kindBoolean:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("value %s must be a boolean", strconv.Quote(v))
		}
		return nil
	case kindArray:
		for _, item := range strings.Fields(v) {
			if _, err := r.check(p.schema, item, nil); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := r.check(p.schema, v, nil)
	return err
}

// check validates v, decoded with UseNumber, against schema i, and returns
// the path of the field at fault with the error.
func (r *route) check(i int, v any, path []string) ([]string, error) {
	s := &r.schemas[i]
	if v == nil {
		if s.nullable || s.kind == kindAny {
			return nil, nil
		}
		return path, fmt.Errorf("value must not be null")
	}
	switch s.kind {
	case kindAny:
		return nil, nil
	case kindString:
		str, ok := v.(string)
		if !ok {
			return path, fmt.Errorf("value must be a string")
		}
		if len(s.enum) > 0 && !slices.Contains(s.enum, str) {
			return path, fmt.Errorf("value %s is not one of the allowed values %v", strconv.Quote(str), s.enum)
		}
		if n := utf8.RuneCountInString(str); n < s.minLength || (s.hasMaxLength && n > s.maxLength) {
			return path, fmt.Errorf("length %d is out of bounds", n)
		}
		if s.pattern != "" && !matches(s.pattern, str) {
			return path, fmt.Errorf("string does not match the pattern %s", s.pattern)
		}
		if s.format == formatDateTime {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				return path, fmt.Errorf("value %s is not an RFC 3339 date-time", strconv.Quote(str))
			}
		}
	case kindBoolean:
		b, ok := v.(bool)
		if !ok {
			return path, fmt.Errorf("value must be a boolean")
		}
		if len(s.enum) > 0 && !slices.Contains(s.enum, strconv.FormatBool(b)) {
			return path, fmt.Errorf("value %t is not one of the allowed values %v", b, s.enum)
		}
	case kindInteger, kindNumber:
		n, ok := v.(json.Number)
		if !ok {
			return path, fmt.Errorf("value must be a number")
		}
		f, err := n.Float64()
		if err != nil {
			return path, fmt.Errorf("value must be a number")
		}
		if s.kind == kindInteger && f != math.Trunc(f) {
			return path, fmt.Errorf("value must be an integer")
		}
		if (s.hasMin && f < s.min) || (s.hasMax && f > s.max) {
			return path, fmt.Errorf("number %s is out of bounds [%s, %s]", n, bound(s.hasMin, s.min), bound(s.hasMax, s.max))
		}
		if len(s.enum) > 0 && !slices.Contains(s.enum, n.String()) {
			return path, fmt.Errorf("value %s is not one of the allowed values %v", n, s.enum)
		}
	case kindArray:
		items, ok := v.([]any)
		if !ok {
			return path, fmt.Errorf("value must be an array")
		}
		if n := len(items); n < s.minLength || (s.hasMaxLength && n > s.maxLength) {
			return path, fmt.Errorf("%d items is out of bounds", n)
		}
		for j, item := range items {
			if p, err := r.check(s.items, item, append(path, strconv.Itoa(j))); err != nil {
				return p, err
			}
		}
	case kindObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return path, fmt.Errorf("value must be an object")
		}
		for _, p := range s.props {
			val, present := obj[p.name]
			if !present {
				if p.required {
					return append(path, p.name), fmt.Errorf("property %q is missing", p.name)
				}
				continue
			}
			if fp, err := r.check(p.schema, val, append(path, p.name)); err != nil {
				return fp, err
			}
		}
		if s.closed || s.values != 0 {
			for name, val := range obj {
				if slices.ContainsFunc(s.props, func(p prop) bool { return p.name == name }) {
					continue
				}
				if s.closed {
					return append(path, name), fmt.Errorf("property %q is unsupported", name)
				}
				if fp, err := r.check(s.values, val, append(path, name)); err != nil {
					return fp, err
				}
			}
		}
	}
	return nil, nil
}
