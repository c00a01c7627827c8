// Package specload assembles one surface of the OpenAPI spec from its YAML
// fragments, loads it with kin-openapi and validates it. Every error names
// the file, line and JSON pointer of the node at fault.
//
// A surface is <surface>/openapi.yaml (the root document) plus every other
// YAML file in <surface>/ and in shared/. Fragments hold only tags, paths and
// components; they are merged into the root, and a name defined twice is an
// error rather than an override.
package specload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// SharedDir holds the fragments that every surface includes.
const SharedDir = "shared"

// RootFile is the root document of each surface.
const RootFile = "openapi.yaml"

// Origin is where a node was written.
type Origin struct {
	File   string
	Line   int
	Column int
}

func (o Origin) String() string {
	if o.File == "" {
		return "spec"
	}
	return fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Column)
}

// Error is one problem in the spec.
type Error struct {
	Origin  Origin
	Pointer string // JSON pointer into the assembled document
	Message string
}

func (e *Error) Error() string {
	return e.Origin.String() + ": " + e.Pointer + ": " + e.Message
}

// Errors is every problem found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Doc is one loaded, validated surface.
type Doc struct {
	Surface string
	T       *openapi3.T
	root    string
	// tree is the merged YAML document. Its nodes keep the line and column
	// they had in their own file; files says which file that is, for each
	// node moved in from a fragment (a mapping entry's key, or a sequence
	// item) and for the root. Origins are found by walking the tree when
	// asked for, which costs nothing on a load that succeeds.
	tree  *yaml.Node
	files map[*yaml.Node]string
}

// Origin returns where the node at pointer (or its nearest ancestor with a
// known position) was written. A mapping entry is located at its key.
func (d *Doc) Origin(pointer string) Origin {
	n := d.tree
	if n == nil {
		return Origin{}
	}
	file := d.files[n]
	at := Origin{File: file, Line: n.Line, Column: n.Column}
	rest := pointer
	for rest != "" {
		if rest[0] != '/' {
			break
		}
		rest = rest[1:]
		tok := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			tok, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		tok = unescape(tok)
		var pos *yaml.Node // the node whose position stands for the entry
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i]; k.Value == tok {
					pos, n = k, n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				n = n.Content[i]
				pos = n
			}
		}
		if pos == nil {
			break
		}
		if f, ok := d.files[pos]; ok {
			file = f
		}
		// Nodes the merge made up (a missing paths: key) have no position.
		if pos.Line > 0 {
			at = Origin{File: file, Line: pos.Line, Column: pos.Column}
		}
	}
	return at
}

// Errorf builds an Error located at pointer.
func (d *Doc) Errorf(pointer, format string, args ...any) *Error {
	return &Error{Origin: d.Origin(pointer), Pointer: pointer, Message: fmt.Sprintf(format, args...)}
}

// Pointer builds a JSON pointer from its unescaped tokens.
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

func escape(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return escaper.Replace(tok)
}

func unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return unescaper.Replace(tok)
}

// Load reads the surface from fsys. root is how the folder fsys stands for is
// named in error messages (for example "spec"). To load several surfaces,
// a Loader parses the shared fragments once.
func Load(fsys fs.FS, root, surface string) (*Doc, error) {
	return NewLoader(fsys, root).Load(surface)
}

// A Loader loads the surfaces of one spec, parsing each fragment once
// however many surfaces include it (those in shared/ are in every one). It
// is safe for concurrent use; loading never changes a parsed fragment.
type Loader struct {
	fsys fs.FS
	root string

	mu        sync.Mutex
	fragments map[string]*parsedFile
}

type parsedFile struct {
	once sync.Once
	node *yaml.Node
	err  error
}

// NewLoader returns a Loader of the spec in fsys, named root in errors.
func NewLoader(fsys fs.FS, root string) *Loader {
	return &Loader{fsys: fsys, root: root, fragments: map[string]*parsedFile{}}
}

// fragment parses the fragment name, once.
func (l *Loader) fragment(name string) (*yaml.Node, error) {
	l.mu.Lock()
	f := l.fragments[name]
	if f == nil {
		f = &parsedFile{}
		l.fragments[name] = f
	}
	l.mu.Unlock()
	f.once.Do(func() { f.node, f.err = l.parse(name) })
	return f.node, f.err
}

// Load reads one surface.
func (l *Loader) Load(surface string) (*Doc, error) {
	d := &Doc{Surface: surface, root: l.root, files: map[*yaml.Node]string{}}
	rootPath := path.Join(surface, RootFile)
	names := []string{rootPath}
	for _, dir := range []string{surface, SharedDir} {
		matches, err := fs.Glob(l.fsys, path.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		for _, name := range matches {
			if name != rootPath {
				names = append(names, name)
			}
		}
	}
	// Parsing is most of the YAML work and each file stands alone; merging,
	// which reports clashes in file order, is done in order afterwards. The
	// root is parsed for each load, since the fragments are merged into it.
	nodes := make([]*yaml.Node, len(names))
	err := parallel(len(names), func(i int) (err error) {
		if i == 0 {
			nodes[i], err = l.parse(names[i])
		} else {
			nodes[i], err = l.fragment(names[i])
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	merged := nodes[0]
	d.tree = merged
	d.files[merged] = d.display(rootPath)
	// Paths usually live in fragments; the root needs the key all the same.
	child(merged, "paths", yaml.MappingNode)
	var errs Errors
	for i, name := range names[1:] {
		errs = append(errs, d.mergeFragment(merged, nodes[i+1], name)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// Checking the $refs runs beside the decoding; a $ref that does not
	// resolve is the error to report.
	var refErrs Errors
	d.T, err = decode(merged, func() error { refErrs = d.checkRefs(merged, make([]string, 0, pathDepth)); return nil })
	if len(refErrs) > 0 {
		return nil, refErrs
	}
	if err == nil {
		err = openapi3.NewLoader().ResolveRefsIn(d.T, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: loading %s: %w", d.display(rootPath), surface, err)
	}
	if errs := d.validate(); len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

func (d *Doc) display(name string) string { return path.Join(d.root, name) }

// parse reads one YAML file.
func (l *Loader) parse(name string) (*yaml.Node, error) {
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(l.root, name), err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the document must be a YAML mapping", path.Join(l.root, name))
	}
	if errs := checkNodes(path.Join(l.root, name), doc.Content[0], make([]string, 0, pathDepth)); len(errs) > 0 {
		return nil, errs
	}
	return doc.Content[0], nil
}

// fragmentKeys are the top-level keys a fragment may hold.
var fragmentKeys = map[string]bool{"tags": true, "paths": true, "components": true}

// mergeFragment adds frag's tags, paths and components to root.
func (d *Doc) mergeFragment(root, frag *yaml.Node, name string) Errors {
	var errs Errors
	file := d.display(name)
	for i := 0; i+1 < len(frag.Content); i += 2 {
		k, v := frag.Content[i], frag.Content[i+1]
		at := Origin{File: file, Line: k.Line, Column: k.Column}
		if !fragmentKeys[k.Value] {
			errs = append(errs, &Error{Origin: at, Pointer: Pointer(k.Value), Message: "a fragment may hold only tags, paths and components; the rest belongs in " + RootFile})
			continue
		}
		switch k.Value {
		case "tags":
			errs = append(errs, d.mergeTags(root, v, file)...)
		case "paths":
			errs = append(errs, d.mergeMaps(root, v, file, []string{"paths"}, 2)...)
		case "components":
			errs = append(errs, d.mergeMaps(root, v, file, []string{"components"}, 2)...)
		}
	}
	return errs
}

func (d *Doc) mergeTags(root, tags *yaml.Node, file string) Errors {
	dst := child(root, "tags", yaml.SequenceNode)
	have := map[string]bool{}
	for _, t := range dst.Content {
		if n := lookup(t, "name"); n != nil {
			have[n.Value] = true
		}
	}
	var errs Errors
	for _, t := range tags.Content {
		n := lookup(t, "name")
		if n == nil {
			errs = append(errs, &Error{Origin: Origin{file, t.Line, t.Column}, Pointer: "/tags", Message: "a tag needs a name"})
			continue
		}
		if have[n.Value] {
			errs = append(errs, &Error{Origin: Origin{file, n.Line, n.Column}, Pointer: "/tags", Message: fmt.Sprintf("tag %q is defined twice (first at %s)", n.Value, d.tagOrigin(dst, n.Value))})
			continue
		}
		have[n.Value] = true
		dst.Content = append(dst.Content, t)
		d.files[t] = file
	}
	return errs
}

func (d *Doc) tagOrigin(tags *yaml.Node, name string) string {
	for i, t := range tags.Content {
		if n := lookup(t, "name"); n != nil && n.Value == name {
			return d.Origin("/tags/" + strconv.Itoa(i)).String()
		}
	}
	return "?"
}

// mergeMaps merges src into root at the mapping named by at, descending depth
// levels: paths merge per path and then per method; components per section
// and then per name. A key present in both at the last level is an error.
func (d *Doc) mergeMaps(root, src *yaml.Node, file string, at []string, depth int) Errors {
	dst := root
	for _, k := range at {
		dst = child(dst, k, yaml.MappingNode)
	}
	if src.Kind != yaml.MappingNode {
		return Errors{{Origin: Origin{file, src.Line, src.Column}, Pointer: Pointer(at...), Message: "must be a mapping"}}
	}
	var errs Errors
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		ptr := Pointer(append(at, k.Value)...)
		existing := lookup(dst, k.Value)
		switch {
		case existing == nil:
			if depth > 1 {
				// Later fragments merge into what is added here: into a
				// copy, so that the fragment, which other surfaces share,
				// stays as it was parsed.
				cp := *v
				cp.Content = slices.Clone(v.Content)
				v = &cp
			}
			dst.Content = append(dst.Content, k, v)
			d.files[k] = file
		case depth > 1:
			errs = append(errs, d.mergeMaps(root, v, file, append(append([]string{}, at...), k.Value), depth-1)...)
		default:
			errs = append(errs, &Error{Origin: Origin{file, k.Line, k.Column}, Pointer: ptr, Message: "is defined twice (first at " + d.Origin(ptr).String() + ")"})
		}
	}
	return errs
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func child(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	if c := lookup(m, key); c != nil {
		return c
	}
	c := &yaml.Node{Kind: kind, Tag: map[yaml.Kind]string{yaml.MappingNode: "!!map", yaml.SequenceNode: "!!seq"}[kind]}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, c)
	return c
}

// decode builds the document as kin-openapi's Loader.LoadFromData does, but
// hands each piece (operation, request body, response, component schema) to
// kin-openapi on its own, on every CPU. Decoding the whole document at once
// costs several times more, because each of kin-openapi's types decodes all
// it holds again into a generic tree to find its extensions, and each of its
// maps re-encodes every entry (see its deepCast). Each piece is encoded as
// JSON from its nodes, as deepCast would encode it, so the result is the
// same; TestDecodeMatchesLoader holds it to that. A piece of an unusual
// shape (a null where an object belongs) is left whole, for kin-openapi to
// judge. The extra jobs run first, beside the decoding.
func decode(tree *yaml.Node, extra ...func() error) (*openapi3.T, error) {
	paths, err := object(tree, "paths")
	if err != nil {
		return nil, err
	}
	components, err := object(tree, "components")
	if err != nil {
		return nil, err
	}
	schemas, err := object(components, "schemas")
	if err != nil {
		return nil, err
	}
	a := &assembly{jobs: extra}
	doc, comps := &openapi3.T{}, &openapi3.Components{}
	a.pieceWithout(tree, doc, skipPathsAndComponents)
	if components != nil {
		a.pieceWithout(components, comps, skipSchemas)
	}
	var docPaths *openapi3.Paths
	if paths != nil {
		docPaths = openapi3.NewPathsWithCapacity(len(paths.Content) / 2)
		docPaths.Extensions = map[string]any{}
		for p, item := range entries(paths) {
			if strings.HasPrefix(p, "x-") {
				a.value(item, func(v any) { docPaths.Extensions[p] = v })
				continue
			}
			docPaths.Set(p, a.pathItem(item))
		}
	}
	var docSchemas openapi3.Schemas
	if schemas != nil {
		docSchemas = make(openapi3.Schemas, len(schemas.Content)/2)
		for k, v := range entries(schemas) {
			docSchemas[k] = a.schema(v)
		}
	}
	err = parallel(len(a.jobs)+len(a.pieces), func(i int) error {
		if i < len(a.jobs) {
			return a.jobs[i]()
		}
		p := a.pieces[i-len(a.jobs)]
		return remarshal(p.n, p.skip, p.into)
	})
	if err != nil {
		return nil, err
	}
	a.put()
	doc.Paths = docPaths
	if components != nil {
		comps.Schemas = docSchemas
		doc.Components = comps
	}
	return doc, nil
}

// assembly collects the jobs that decode the pieces of a document and what
// puts them together afterwards.
type assembly struct {
	jobs     []func() error
	pieces   []piece
	assemble []func()
	// What the pieces are put back together with, in the order below.
	operations   []operationParts
	bodies       []bodyParts
	contents     []contentParts
	mediaSchemas []mediaSchema
	subschemas   []subschemas
}

// operationParts is an operation of a path item.
type operationParts struct {
	item   *openapi3.PathItem
	method string
	op     *openapi3.Operation
}

// bodyParts is an operation's request body and responses.
type bodyParts struct {
	op        *openapi3.Operation
	body      *openapi3.RequestBodyRef
	responses *openapi3.Responses
}

// contentParts is the content of a request body or of a response.
type contentParts struct {
	body     *openapi3.RequestBodyRef
	response *openapi3.ResponseRef
	content  openapi3.Content
}

// mediaSchema is a media type's schema.
type mediaSchema struct {
	mt     *openapi3.MediaType
	schema *openapi3.SchemaRef
}

// put puts the pieces together: decoding into a kin-openapi type replaces
// the whole of it, so this comes after every piece is decoded.
func (a *assembly) put() {
	for _, f := range a.assemble {
		f()
	}
	for _, o := range a.operations {
		o.item.SetOperation(o.method, o.op)
	}
	for _, b := range a.bodies {
		b.op.RequestBody, b.op.Responses = b.body, b.responses
	}
	for _, c := range a.contents {
		if c.body != nil {
			c.body.Value.Content = c.content
		} else {
			c.response.Value.Content = c.content
		}
	}
	for _, m := range a.mediaSchemas {
		m.mt.Schema = m.schema
	}
	for _, sub := range a.subschemas {
		sub.put()
	}
}

// piece is a node to decode into a kin-openapi value, without the keys of
// its mapping in skip (those decoded on their own).
type piece struct {
	n    *yaml.Node
	into json.Unmarshaler
	skip []string
}

func (a *assembly) piece(n *yaml.Node, into json.Unmarshaler) {
	a.pieces = append(a.pieces, piece{n: n, into: into})
}

func (a *assembly) pieceWithout(n *yaml.Node, into json.Unmarshaler, skip []string) {
	a.pieces = append(a.pieces, piece{n: n, into: into, skip: skip})
}

// The keys that decode splits off, where they are always the same.
var (
	skipPathsAndComponents = []string{"paths", "components"}
	skipSchemas            = []string{"schemas"}
	skipBodyAndResponses   = []string{"requestBody", "responses"}
	skipContent            = []string{"content"}
	skipSchema             = []string{"schema"}
)

// subschemas are the schemas a schema is made of, decoded on their own, for
// put to give back to it; nil ones were not split off.
type subschemas struct {
	into                *openapi3.Schema
	properties          openapi3.Schemas
	items, not          *openapi3.SchemaRef
	allOf, anyOf, oneOf openapi3.SchemaRefs
}

func (sub *subschemas) put() {
	s := sub.into
	if sub.properties != nil {
		s.Properties = sub.properties
	}
	if sub.items != nil {
		s.Items = sub.items
	}
	if sub.not != nil {
		s.Not = sub.not
	}
	if sub.allOf != nil {
		s.AllOf = sub.allOf
	}
	if sub.anyOf != nil {
		s.AnyOf = sub.anyOf
	}
	if sub.oneOf != nil {
		s.OneOf = sub.oneOf
	}
}

// value decodes n as encoding/json decodes into an any, and hands it to set
// once every piece is decoded.
func (a *assembly) value(n *yaml.Node, set func(any)) {
	var v any
	a.jobs = append(a.jobs, func() error { return json.Unmarshal(encodeJSON(n), &v) })
	a.assemble = append(a.assemble, func() { set(v) })
}

func (a *assembly) pathItem(n *yaml.Node) *openapi3.PathItem {
	item := &openapi3.PathItem{}
	ok := n.Kind == yaml.MappingNode
	// The usual path item has one method, which then takes no allocation.
	var first string
	var methods []string
	for m, op := range entries(n) {
		if _, isMethod := httpMethods[m]; isMethod {
			switch {
			case first == "":
				first, methods = m, methodAlone[m]
			case len(methods) == 1:
				methods = []string{first, m}
			default:
				methods = append(methods, m)
			}
			if op.Kind != yaml.MappingNode {
				ok = false
			}
		}
	}
	if !ok {
		a.piece(n, item)
		return item
	}
	a.pieceWithout(n, item, methods)
	for m, op := range entries(n) {
		if upper, isMethod := httpMethods[m]; isMethod {
			a.operations = append(a.operations, operationParts{item: item, method: upper, op: a.operation(op)})
		}
	}
	return item
}

func (a *assembly) operation(raw *yaml.Node) *openapi3.Operation {
	op := &openapi3.Operation{}
	body, responses := lookup(raw, "requestBody"), lookup(raw, "responses")
	whole := body != nil && body.Kind != yaml.MappingNode || responses != nil && responses.Kind != yaml.MappingNode
	for _, r := range entries(responses) {
		if r.Kind != yaml.MappingNode {
			whole = true
		}
	}
	if whole {
		a.piece(raw, op)
		return op
	}
	a.pieceWithout(raw, op, skipBodyAndResponses)
	parts := bodyParts{op: op}
	if body != nil {
		parts.body = &openapi3.RequestBodyRef{}
		a.withContent(body, parts.body, contentParts{body: parts.body})
	}
	if responses != nil {
		parts.responses = openapi3.NewResponsesWithCapacity(len(responses.Content) / 2)
		parts.responses.Extensions = map[string]any{}
		for code, r := range entries(responses) {
			if strings.HasPrefix(code, "x-") {
				rs := parts.responses
				a.value(r, func(v any) { rs.Extensions[code] = v })
				continue
			}
			ref := &openapi3.ResponseRef{}
			parts.responses.Set(code, ref)
			a.withContent(r, ref, contentParts{response: ref})
		}
	}
	a.bodies = append(a.bodies, parts)
	return op
}

// withContent decodes a request body or response n into ref, and the
// schema of each of its media types on its own: kin-openapi would decode a
// media type's schema once for each level above it. parts names ref again,
// for the content to be given back to it. A reference, or content of an
// unusual shape, is left whole.
func (a *assembly) withContent(n *yaml.Node, ref json.Unmarshaler, parts contentParts) {
	c := lookup(n, "content")
	if c == nil || c.Kind != yaml.MappingNode || lookup(n, "$ref") != nil || !allMappings(c) {
		a.piece(n, ref)
		return
	}
	a.pieceWithout(n, ref, skipContent)
	parts.content = make(openapi3.Content, len(c.Content)/2)
	for name, m := range entries(c) {
		mt := &openapi3.MediaType{}
		parts.content[name] = mt
		if sch := lookup(m, "schema"); sch != nil && sch.Kind == yaml.MappingNode {
			a.pieceWithout(m, mt, skipSchema)
			a.mediaSchemas = append(a.mediaSchemas, mediaSchema{mt, a.schema(sch)})
			continue
		}
		a.piece(m, mt)
	}
	a.contents = append(a.contents, parts)
}

// schema decodes a schema, and each schema it is made of (properties,
// items, allOf, anyOf, oneOf, not) on its own: kin-openapi decodes a schema
// into a generic tree to find its extensions, and so each nested schema
// once for every schema around it. A reference, or a schema of an unusual
// shape, is left whole.
func (a *assembly) schema(n *yaml.Node) *openapi3.SchemaRef {
	ref := &openapi3.SchemaRef{}
	if n.Kind != yaml.MappingNode || lookup(n, "$ref") != nil {
		a.piece(n, ref)
		return ref
	}
	// Not a reference: SchemaRef would decode it once to find none, and
	// then into its Value.
	ref.Value = &openapi3.Schema{}
	split := splitSchema(n)
	if split == nil {
		a.piece(n, ref.Value)
		return ref
	}
	a.pieceWithout(n, ref.Value, split)
	sub := subschemas{into: ref.Value}
	for _, k := range split {
		v := lookup(n, k)
		switch k {
		case "properties":
			sub.properties = make(openapi3.Schemas, len(v.Content)/2)
			for name, p := range entries(v) {
				sub.properties[name] = a.schema(p)
			}
		case "items":
			sub.items = a.schema(v)
		case "not":
			sub.not = a.schema(v)
		default:
			list := make(openapi3.SchemaRefs, len(v.Content))
			for i, c := range v.Content {
				list[i] = a.schema(c)
			}
			switch k {
			case "allOf":
				sub.allOf = list
			case "anyOf":
				sub.anyOf = list
			default:
				sub.oneOf = list
			}
		}
	}
	a.subschemas = append(a.subschemas, sub)
	return ref
}

// splitSchema returns the keys of schema n that hold schemas to decode on
// their own, or nil if there are none or n is of a shape to leave whole: a
// reference, or a schema whose subschemas are not all mappings.
func splitSchema(n *yaml.Node) []string {
	if n.Kind != yaml.MappingNode || lookup(n, "$ref") != nil {
		return nil
	}
	// The usual schema splits off one key, which then takes no allocation.
	var first string
	var split []string
	for k, v := range entries(n) {
		var ok bool
		switch k {
		case "properties":
			ok = v.Kind == yaml.MappingNode && allMappings(v)
		case "items", "not":
			ok = v.Kind == yaml.MappingNode
		case "allOf", "anyOf", "oneOf":
			ok = v.Kind == yaml.SequenceNode && allMappings(v)
		default:
			continue
		}
		if !ok {
			return nil
		}
		switch {
		case first == "":
			first = k
		case split == nil:
			split = []string{first, k}
		default:
			split = append(split, k)
		}
	}
	if first != "" && split == nil {
		return splitAlone[first]
	}
	return split
}

// splitAlone are the keys splitSchema returns, each on its own.
var splitAlone = map[string][]string{
	"properties": {"properties"}, "items": {"items"}, "not": {"not"},
	"allOf": {"allOf"}, "anyOf": {"anyOf"}, "oneOf": {"oneOf"},
}

// allMappings reports whether every value of mapping or sequence n is a
// mapping.
func allMappings(n *yaml.Node) bool {
	for i, c := range n.Content {
		if (n.Kind == yaml.SequenceNode || i%2 == 1) && c.Kind != yaml.MappingNode {
			return false
		}
	}
	return true
}

// methodAlone are the keys of httpMethods, each in a slice of its own.
var methodAlone = func() map[string][]string {
	m := map[string][]string{}
	for k := range httpMethods {
		m[k] = []string{k}
	}
	return m
}()

// httpMethods are the keys of a path item that hold an operation, and the
// method each names.
var httpMethods = map[string]string{
	"connect": "CONNECT", "delete": "DELETE", "get": "GET", "head": "HEAD", "options": "OPTIONS",
	"patch": "PATCH", "post": "POST", "put": "PUT", "trace": "TRACE",
}

// entries yields the keys, as JSON writes them, and values of mapping m; none
// if m is not a mapping.
func entries(m *yaml.Node) func(yield func(string, *yaml.Node) bool) {
	return func(yield func(string, *yaml.Node) bool) {
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if !yield(keyString(m.Content[i]), m.Content[i+1]) {
				return
			}
		}
	}
}

// object returns m's value at key as a mapping, nil if it is absent.
func object(m *yaml.Node, key string) (*yaml.Node, error) {
	v := lookup(m, key)
	if v == nil {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s must be an object", key)
	}
	return v, nil
}

// parallel runs job(0) to job(n-1) on every CPU and returns the error of the
// lowest-numbered job that failed.
func parallel(n int, job func(int) error) error {
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				errs[i] = job(i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// remarshal decodes n, without the keys of its mapping in skip, into a
// kin-openapi type through JSON, as deepCast does. The JSON is valid,
// having just been encoded, so it goes straight to the type's decoder
// rather than through json.Unmarshal, which would check it once more; a
// null goes through json.Unmarshal, which knows what a null does to each
// type.
func remarshal(n *yaml.Node, skip []string, into json.Unmarshaler) error {
	data := appendMappingWithout(make([]byte, 0, jsonSizeWithout(n, skip)), n, skip)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return json.Unmarshal(data, into)
	}
	return into.UnmarshalJSON(data)
}

// JSON encodes the assembled document, for tools that load it themselves.
func (d *Doc) JSON() []byte { return encodeJSON(d.tree) }

// checkRefs reports every $ref under n that is not local or does not
// resolve, in file order. at holds the tokens of n's pointer; the pointer is
// built only for an error.
func (d *Doc) checkRefs(n *yaml.Node, at []string) Errors {
	var errs Errors
	switch n.Kind {
	case yaml.MappingNode:
		if ref := lookup(n, "$ref"); ref != nil {
			s := ""
			if ref.Kind == yaml.ScalarNode && ref.ShortTag() == "!!str" {
				s = ref.Value
			}
			switch {
			case !strings.HasPrefix(s, "#/"):
				errs = append(errs, d.Errorf(Pointer(append(at, "$ref")...), "$ref %q must point into the spec itself (#/...); other files are merged, not referenced", s))
			case d.resolve(s[1:]) == nil:
				errs = append(errs, d.Errorf(Pointer(append(at, "$ref")...), "$ref %q does not resolve", s))
			}
		}
		for k, v := range entries(n) {
			errs = append(errs, d.checkRefs(v, append(at, k))...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, d.checkRefs(c, append(at, strconv.Itoa(i)))...)
		}
	}
	return errs
}

// resolve returns the node at ptr, following mappings only, or nil.
func (d *Doc) resolve(ptr string) *yaml.Node {
	cur := d.tree
	for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
		if cur = lookup(cur, unescape(tok)); cur == nil {
			return nil
		}
	}
	return cur
}

// validate runs kin-openapi's validation over the whole document and, only
// if that fails, node by node, so that each error carries the pointer of the
// operation or schema it is about. What only the whole can show is reported
// at the root. A spec that is valid is validated once.
func (d *Doc) validate() Errors {
	ctx := context.Background()
	whole := d.T.Validate(ctx)
	if whole == nil {
		return nil
	}
	var errs Errors
	for _, p := range sortedKeys(d.T.Paths.Map()) {
		item := d.T.Paths.Value(p)
		opErrs := len(errs)
		for _, m := range sortedKeys(item.Operations()) {
			if err := item.GetOperation(m).Validate(ctx); err != nil {
				errs = append(errs, d.Errorf(Pointer("paths", p, strings.ToLower(m)), "%v", err))
			}
		}
		// What only a path shows, such as path parameters left undeclared.
		if len(errs) == opErrs {
			if err := openapi3.NewPaths(openapi3.WithPath(p, item)).Validate(ctx); err != nil {
				errs = append(errs, d.Errorf(Pointer("paths", p), "%v", err))
			}
		}
	}
	if d.T.Components != nil {
		for _, name := range sortedKeys(d.T.Components.Schemas) {
			if err := d.T.Components.Schemas[name].Validate(ctx); err != nil {
				errs = append(errs, d.Errorf(Pointer("components", "schemas", name), "%v", err))
			}
		}
	}
	if len(errs) == 0 {
		errs = append(errs, d.Errorf("", "%v", whole))
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ErrorList flattens err into its spec errors, if it holds any.
func ErrorList(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return nil
}
