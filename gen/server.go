package main

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The emulator's server (stytchtest/<surface>_server.gen.go): a typed
// interface with one method per operation, its 501 implementation, and a
// route table whose entries decode and validate a request from the same
// model the client is generated from. Validation is a table of schemas,
// generated here and read by stytchtest/validate.go, so that the emulator
// parses no spec at run time.

// serverDir is the folder, relative to the output root, of the emulator.
const serverDir = "stytchtest"

// serverFile is the name of a surface's server file in serverDir.
func serverFile(surface string) string { return surface + "_server.gen.go" }

// serverData is what server.tmpl renders.
type serverData struct {
	Package string // the surface: "consumer"
	Ops     []*serverOp
	// Skipped lists the operations this surface leaves to the consumer
	// server, which serves them to both clients: the shared ones, and any
	// other at the same method and path.
	Skipped []*Operation
	Schemas []string // Go literals of the validation table, by index
}

// serverOp is an operation as the server routes it.
type serverOp struct {
	*Operation
	Method string // the interface method: "MagicLinksEmailLoginOrCreate"
	Body   int    // index of the JSON body's schema; 0 when there is none
	// OptionalBody reports a JSON body the spec does not require.
	OptionalBody bool
	Params       []serverParam
	Form         []serverParam
}

// serverParam is a path or query parameter, or a form field, with the
// index of the schema its value is checked against.
type serverParam struct {
	Name, GoName, In string // In: "inPath", "inQuery" or "inForm"
	Kind             string // "string", "integer", "boolean" or "list"
	Required         bool
	Pointer          bool   // the Params field is a pointer
	Bound            bool   // the Params type has a field for it
	Const            string // a form value always sent
	Schema           int
}

// serveShared reports whether a surface's server serves the operations of
// spec/shared: every surface but b2b, whose client reaches the consumer
// server's (one implementation, one state).
func serveShared(surface string) bool { return surface != "b2b" }

// generateServer renders a surface's server, leaving out the operations
// another surface's server routes (elsewhere, by method and path).
func generateServer(s *Surface, elsewhere map[string]bool) ([]byte, error) {
	t := &schemaTable{index: map[*openapi3.Schema]int{}, leaves: map[string]int{"{}": 0}}
	t.add(nil) // index 0: anything goes
	d := &serverData{Package: s.Package}
	for _, o := range s.Ops {
		if elsewhere[o.HTTPMethod+" "+o.Path] {
			d.Skipped = append(d.Skipped, o)
			continue
		}
		so := &serverOp{Operation: o, Method: strings.TrimSuffix(o.ParamsType, "Params")}
		for _, p := range append(append([]*Param{}, o.PathParams...), o.QueryParams...) {
			in := "inQuery"
			if contains(o.PathParams, p) {
				in = "inPath"
			}
			so.Params = append(so.Params, serverParam{Name: p.Name, GoName: p.GoName, In: in, Kind: p.Kind, Required: p.Required, Pointer: p.Pointer(), Bound: !p.ProjectID, Schema: t.add(p.schema.Value)})
		}
		switch {
		case o.Form != nil:
			for _, f := range o.Form {
				kind := "string"
				if f.List {
					kind = "list"
				}
				var sch *openapi3.Schema
				if ref := o.body.Properties[f.Name]; ref != nil {
					sch = ref.Value
					if f.List {
						sch = sch.Items.Value
					}
				}
				so.Form = append(so.Form, serverParam{Name: f.Name, GoName: f.GoName, In: "inForm", Kind: kind, Required: f.Required, Pointer: !f.Required && !f.List, Bound: f.Const == "", Const: f.Const, Schema: t.add(sch)})
			}
		case o.HasBody:
			so.Body, so.OptionalBody = t.add(o.body), o.bodyOptional
		}
		d.Ops = append(d.Ops, so)
	}
	d.Schemas = t.lits
	return render("server.tmpl", d)
}

func contains(list []*Param, p *Param) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

// schemaTable numbers schemas as Go literals of stytchtest's schema type.
// A component used in many places, or by itself, gets one index.
type schemaTable struct {
	index  map[*openapi3.Schema]int
	leaves map[string]int // leaf literal -> index
	lits   []string
}

func (t *schemaTable) add(s *openapi3.Schema) (i int) {
	if s == nil {
		if len(t.lits) == 0 {
			t.lits = append(t.lits, "{}")
		}
		return 0
	}
	if i, ok := t.index[s]; ok {
		return i
	}
	kind := "kindAny"
	if s.Type != nil && len(*s.Type) == 1 {
		kind = map[string]string{"object": "kindObject", "array": "kindArray", "string": "kindString", "integer": "kindInteger", "number": "kindNumber", "boolean": "kindBoolean"}[(*s.Type)[0]]
	}
	if kind == "" || (s.Type != nil && len(*s.Type) > 1) || len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0 || s.Not != nil {
		// Several types, or a composition: the emulator checks nothing of
		// it (decoding into the Params type still checks the Go type).
		return 0
	}
	i = len(t.lits)
	t.lits = append(t.lits, "") // filled below; children may point back here
	if kind != "kindObject" && kind != "kindArray" {
		// A leaf is written once, however many fields share it.
		defer func() {
			if j, ok := t.leaves[t.lits[i]]; ok {
				t.lits = t.lits[:i]
				i = j
			} else {
				t.leaves[t.lits[i]] = i
			}
			t.index[s] = i
		}()
	} else {
		t.index[s] = i
	}
	var f []string
	if kind != "kindAny" {
		f = append(f, "kind: "+kind)
	}
	if s.Nullable {
		f = append(f, "nullable: true")
	}
	if s.Format == "date-time" {
		f = append(f, "format: formatDateTime")
	}
	// Bounds: the spec's minimum and maximum, within those of the format.
	lo, hi := s.Min, s.Max
	clamp := func(flo, fhi float64) {
		if lo == nil || *lo < flo {
			lo = &flo
		}
		if hi == nil || *hi > fhi {
			hi = &fhi
		}
	}
	switch s.Format {
	case "int32":
		clamp(math.MinInt32, math.MaxInt32)
	case "uint32":
		clamp(0, math.MaxUint32)
	}
	if lo != nil {
		f = append(f, "hasMin: true, min: "+strconv.FormatFloat(*lo, 'g', -1, 64))
	}
	if hi != nil {
		f = append(f, "hasMax: true, max: "+strconv.FormatFloat(*hi, 'g', -1, 64))
	}
	if s.MinLength != 0 {
		f = append(f, fmt.Sprintf("minLength: %d", s.MinLength))
	}
	if s.MaxLength != nil {
		f = append(f, fmt.Sprintf("hasMaxLength: true, maxLength: %d", *s.MaxLength))
	}
	if s.Pattern != "" {
		f = append(f, "pattern: "+strconv.Quote(s.Pattern))
	}
	if s.MinItems != 0 {
		f = append(f, fmt.Sprintf("minLength: %d", s.MinItems))
	}
	if s.MaxItems != nil {
		f = append(f, fmt.Sprintf("hasMaxLength: true, maxLength: %d", *s.MaxItems))
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			if v == nil {
				continue // null, allowed by nullable
			}
			vals = append(vals, strconv.Quote(fmt.Sprint(v)))
		}
		f = append(f, "enum: []string{"+strings.Join(vals, ", ")+"}")
	}
	if kind == "kindObject" {
		var props []string
		req := map[string]bool{}
		for _, r := range s.Required {
			req[r] = true
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := fmt.Sprintf("{name: %q, schema: %d", n, t.add(s.Properties[n].Value))
			if req[n] {
				p += ", required: true"
			}
			props = append(props, p+"}")
		}
		if len(props) > 0 {
			f = append(f, "props: []prop{"+strings.Join(props, ", ")+"}")
		}
		if ap := s.AdditionalProperties; ap.Has != nil && !*ap.Has {
			f = append(f, "closed: true")
		} else if ap.Schema != nil {
			if v := t.add(ap.Schema.Value); v != 0 {
				f = append(f, fmt.Sprintf("values: %d", v))
			}
		}
	}
	if kind == "kindArray" && s.Items != nil {
		if v := t.add(s.Items.Value); v != 0 {
			f = append(f, fmt.Sprintf("items: %d", v))
		}
	}
	t.lits[i] = "{" + strings.Join(f, ", ") + "}"
	return i
}

// serverFuncs are the template functions of server.tmpl.
var serverFuncs = map[string]any{
	"title": func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
	"kindConst": func(kind string) string {
		return map[string]string{"integer": "kindInteger", "boolean": "kindBoolean", "list": "kindArray"}[kind]
	},
	"bindsAny": func(o *serverOp) bool {
		for _, p := range append(append([]serverParam{}, o.Params...), o.Form...) {
			if p.Bound {
				return true
			}
		}
		return false
	},
	"bindExpr": bindExpr,
}

// bindExpr is the Go expression of a parameter's value, as its Params field
// holds it, read from the *call c of stytchtest.
func bindExpr(p serverParam) string {
	var e string
	switch {
	case p.In == "inPath":
		return fmt.Sprintf("c.pathValue(%q)", p.Name)
	case p.In == "inForm" && p.Kind == "list":
		return fmt.Sprintf("c.formList(%q)", p.Name)
	case p.In == "inForm":
		e = fmt.Sprintf("c.form(%q)", p.Name)
	case p.Kind == "integer":
		e = fmt.Sprintf("c.queryInt(%q)", p.Name)
	case p.Kind == "boolean":
		e = fmt.Sprintf("c.queryBool(%q)", p.Name)
	default:
		e = fmt.Sprintf("c.query(%q)", p.Name)
	}
	if !p.Pointer {
		return "deref(" + e + ")"
	}
	return e
}

// servers renders the emulator's server of every surface, by file name.
// The surfaces that serve the shared operations route everything they
// have; the others leave out what those route already (the same method and
// path, which would otherwise be answered by the first), after checking
// that each of their shared operations is among it.
func servers(all []*Surface) (map[string][]byte, error) {
	served := map[string]string{} // method and path -> operation ID
	for _, s := range all {
		if serveShared(s.Package) {
			for _, o := range s.Ops {
				served[o.HTTPMethod+" "+o.Path] = o.ID
			}
		}
	}
	files := map[string][]byte{}
	for _, s := range all {
		var elsewhere map[string]bool
		if !serveShared(s.Package) {
			elsewhere = map[string]bool{}
			for _, o := range s.Ops {
				key := o.HTTPMethod + " " + o.Path
				switch id, ok := served[key]; {
				case ok && id != o.ID:
					return nil, fmt.Errorf("%s: %s (%s) is also %s of another surface, which the emulator routes", s.Package, o.ID, key, id)
				case ok:
					elsewhere[key] = true
				case o.Shared:
					return nil, fmt.Errorf("%s: shared operation %s (%s) is served by no other surface's emulator", s.Package, o.ID, key)
				}
			}
		}
		out, err := generateServer(s, elsewhere)
		if err != nil {
			return nil, fmt.Errorf("%s server: %w", s.Package, err)
		}
		files[serverFile(s.Package)] = out
	}
	return files, nil
}

// writeServers writes the servers into dir, the emulator's folder.
func writeServers(dir string, all []*Surface) error {
	files, err := servers(all)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.Package == "b2b" {
			if files[filepath.Base(permissionsFile)], err = generatePermissions(s); err != nil {
				return err
			}
		}
	}
	return write(dir, files)
}
