package main

import (
	"bytes"
	"embed"
	"fmt"
	"go/format"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/internal/transport"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(serverFuncs).Funcs(template.FuncMap{
	"doc":           docComment,
	"bullet":        bulletComment,
	"format":        formatQuery,
	"methodName":    func(m string) string { return m[:1] + strings.ToLower(m[1:]) },
	"pathExpr":      pathExpr,
	"samplePath":    samplePath,
	"sampleValue":   sampleValue,
	"sampleLit":     sampleLit,
	"fraudPrefix":   func() string { return optestFraudPrefix },
	"permissionDoc": permissionDoc,
	"projectPublicPath": func(path string) string {
		return strings.Replace(transport.ProjectPublicPath("x", path), "/x/", "/{project_id}/", 1)
	},
	"userPathParams": func(o *Operation) bool {
		for _, p := range o.PathParams {
			if !p.ProjectID && !p.DefaultProjectID {
				return true
			}
		}
		return false
	},
}).ParseFS(templateFS, "templates/*.tmpl"))

// generate renders one surface of the spec in fsys into Go files, keyed by
// file name. root names fsys in error messages.
func generate(fsys fs.FS, root, surface string) (map[string][]byte, error) {
	files, s, err := generateSurface(specload.NewLoader(fsys, root), surface)
	if err != nil {
		return nil, err
	}
	if files[serverFile(surface)], err = generateServer(s, nil); err != nil {
		return nil, err
	}
	return files, nil
}

// generateSurface is generate, with a Loader that may load other surfaces
// too, that also returns the surface it rendered.
func generateSurface(l *specload.Loader, surface string) (files map[string][]byte, s *Surface, err error) {
	doc, err := l.Load(surface)
	if err != nil {
		return nil, nil, err
	}
	if s, err = buildSurface(doc, surface); err != nil {
		return nil, nil, err
	}
	files = map[string][]byte{}
	if files["models.gen.go"], err = generateModels(doc, s); err != nil {
		return nil, nil, err
	}
	if files["client.gen.go"], err = render("client.tmpl", s); err != nil {
		return nil, nil, err
	}
	if files["doc.gen.go"], err = render("doc.tmpl", s); err != nil {
		return nil, nil, err
	}
	if files[operationsTestFile], err = render("operations_test.tmpl", s); err != nil {
		return nil, nil, err
	}
	for _, top := range s.Services {
		group := &Surface{Package: s.Package, Services: []*Service{top}}
		var ops []*Operation
		var walk func(*Service)
		walk = func(sv *Service) {
			group.All = append(group.All, sv)
			ops = append(ops, sv.Ops...)
			for _, c := range sv.Children {
				walk(c)
			}
		}
		walk(top)
		group.Ops = ops
		data := struct {
			*Surface
			Imports []string
		}{group, serviceImports(ops)}
		// Nested services are rendered after their parent in the same file.
		data.Services = group.All
		name := snake(top.Field) + "_service.gen.go"
		if files[name], err = render("service.tmpl", data); err != nil {
			return nil, nil, err
		}
	}
	return files, s, nil
}

// operationsTestFile calls every operation of a surface once against an
// httptest server. It is written outside the surface's package, in
// operationsTestDir/<surface>, a folder of tests only that no package
// imports: a user's `go mod tidy` reads the tests of the packages it
// imports, and these need the spec (through internal/optest's coverage
// check) and with it kin-openapi.
const (
	operationsTestFile = "operations_gen_test.go"
	operationsTestDir  = "internal/optest"
)

// outputDir is the folder, relative to the output root, that file name of
// generateSurface's output for surface goes to.
func outputDir(surface, name string) string {
	if name == operationsTestFile {
		return filepath.Join(operationsTestDir, surface)
	}
	return surface
}

// permissionsFile is where the table of member-session permissions is
// written, beside the emulator's servers, for the emulator to enforce.
var permissionsFile = filepath.Join(serverDir, "permissions.gen.go")

// generatePermissions renders the table of the surface's member-session
// permissions (x-stytch-permission), keyed by operation ID.
func generatePermissions(s *Surface) ([]byte, error) {
	return render("permissions.tmpl", s)
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("template %s produced invalid Go: %w\n%s", name, err, buf.Bytes())
	}
	return out, nil
}

// serviceImports lists a service file's imports, the standard library
// first and then the module's own packages after an empty entry.
func serviceImports(ops []*Operation) []string {
	set := map[string]bool{"github.com/gostytch/stytch/internal/transport": true}
	if len(ops) > 0 {
		set["context"] = true
		set["net/http"] = true
		set["github.com/gostytch/stytch"] = true
	}
	for _, o := range ops {
		for _, p := range o.PathParams {
			if p.DefaultProjectID {
				set["cmp"] = true
			}
		}
		if o.Paginate != nil {
			set["iter"] = true
		}
		for _, f := range o.Form {
			set["net/url"] = true
			if f.List {
				set["strings"] = true
			}
		}
		for _, p := range o.QueryParams {
			set["net/url"] = true
			if p.Kind != "string" {
				set["strconv"] = true
			}
		}
	}
	var std, own []string
	for k := range set {
		if strings.Contains(k, ".") {
			own = append(own, k)
		} else {
			std = append(std, k)
		}
	}
	sort.Strings(std)
	sort.Strings(own)
	return append(append(std, ""), own...)
}

// docComment renders a description as a Go doc comment for name, wrapped
// at 100 columns. Descriptions in the spec are written to follow the name.
// bulletComment renders "  - name: desc" as a Go doc list item, wrapped
// with the continuation lines indented under it.
func bulletComment(name, desc string) string {
	out := docComment("- "+name+":", firstSentence(desc))
	return "//   " + strings.TrimPrefix(strings.ReplaceAll(out, "\n//", "\n//    "), "//")
}

func docComment(name, desc string) string {
	words := strings.Fields(name + " " + desc)
	var b strings.Builder
	line := "//"
	for _, w := range words {
		if len(line)+1+len(w) > 100 && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + w
	}
	b.WriteString(line)
	return b.String()
}

// permissionDoc renders the godoc lines that say what a member-session
// call needs of the member's roles.
func permissionDoc(p *Permission) string {
	if p == nil {
		return "//"
	}
	self := ""
	if p.Self {
		self = " (on stytch.self when the member acts on itself)"
	}
	if p.Fields == nil {
		return docComment("Their", "roles must grant the "+p.Action+" action on "+p.Resource+self+".")
	}
	lines := []string{docComment("Each", "field sent needs its own action on "+p.Resource+self+":")}
	for _, f := range p.Fields {
		line := "//   - " + goName(f.Field) + ": " + f.Action
		if f.NeverSelf {
			line += " (on " + p.Resource + " even for itself)"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// formatQuery renders the Go expression that turns expr, of p's type, into
// a query string value.
func formatQuery(p *Param, expr string) string {
	switch p.Kind {
	case "integer":
		return "strconv.Itoa(" + expr + ")"
	case "boolean":
		return "strconv.FormatBool(" + expr + ")"
	}
	return expr
}

// pathExpr renders the Go expression of an operation's escaped path.
func pathExpr(o *Operation) string {
	var parts []string
	for _, s := range o.Segments {
		if s.Param != nil && s.Param.ProjectID {
			parts = append(parts, "transport.PathEscape(s.t.ProjectID())")
		} else if s.Param != nil && s.Param.DefaultProjectID {
			parts = append(parts, "transport.PathEscape(cmp.Or(params."+s.Param.GoName+", s.t.ProjectID()))")
		} else if s.Param != nil {
			parts = append(parts, "transport.PathEscape(params."+s.Param.GoName+")")
		} else if s.Literal != "" {
			parts = append(parts, strconv.Quote(s.Literal))
		}
	}
	return strings.Join(parts, " + ")
}

// sampleValue is the value the generated tests give a parameter: for a
// path parameter, one full of characters that must not escape their
// segment; for an integer or boolean query parameter, 7 or true.
func sampleValue(p *Param) string {
	switch p.Kind {
	case "integer":
		return "7"
	case "boolean":
		return "true"
	}
	return p.Name + "/..?#%"
}

// sampleLit is sampleValue as a Go literal of the parameter's type.
func sampleLit(p *Param) string {
	if p.Kind == "string" {
		return strconv.Quote(sampleValue(p))
	}
	return sampleValue(p)
}

// samplePath is the escaped path the generated tests expect on the wire.
// They leave a parameter that defaults to the client's project ID empty, so
// the client's own is expected.
func samplePath(o *Operation) string {
	if o.Base == "BaseProject" {
		// The generated tests set no custom domain.
		return transport.ProjectPublicPath(optestProjectID, o.Path)
	}
	var b strings.Builder
	for _, s := range o.Segments {
		if s.Param != nil && (s.Param.ProjectID || s.Param.DefaultProjectID) {
			b.WriteString(transport.PathEscape(optestProjectID))
		} else if s.Param != nil {
			b.WriteString(transport.PathEscape(sampleValue(s.Param)))
		} else {
			b.WriteString(s.Literal)
		}
	}
	return b.String()
}

// What the generated tests' server expects, from internal/optest (which
// the generator does not import: it depends on testify).
const (
	optestProjectID   = "project-test-00000000-0000-4000-8000-000000000000"
	optestFraudPrefix = "/telemetry"
)

// snake turns a Go service name into a file name stem: MagicLinks becomes
// magic_links, OTPs otps.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
