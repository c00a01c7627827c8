package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gostytch/stytch/internal/specload"
)

// Surface is what the templates render: a client, its services and their
// operations.
type Surface struct {
	Package string
	// Title, Summary and Quickstart come from the spec's info: its title,
	// its description, and the lines of x-go-quickstart, which the package
	// comment shows after NewClient.
	Title, Summary string
	Quickstart     []string
	Services       []*Service // top-level services, by name
	All            []*Service // every service, depth first
	Ops            []*Operation
}

// Service is one node of the client's service tree, such as MagicLinks.Email.
type Service struct {
	Path        string // "MagicLinks.Email"
	Field       string // "Email": the field on the parent
	TypeName    string // "MagicLinksEmailService"
	Description string
	Children    []*Service
	Ops         []*Operation
}

// Operation is one API call.
type Operation struct {
	ID           string // "MagicLinks.Email.LoginOrCreate", the operationId
	Name         string // "LoginOrCreate"
	Service      *Service
	Description  string
	HTTPMethod   string // "POST"
	Path         string // "/v1/users/{user_id}"
	Segments     []Segment
	PathParams   []*Param
	QueryParams  []*Param
	HasBody      bool
	BodyRequired []string // JSON names of required body fields
	BodyFields   []string // JSON names of every body field
	// Form lists the fields of an application/x-www-form-urlencoded body;
	// such an operation has no JSON body.
	Form []*FormField
	// MemberSession reports whether the operation accepts the calling
	// member's session in headers (stytch.WithMemberSession).
	MemberSession bool
	// Permission is what Stytch requires of the member's roles when a call
	// is made with a member session (x-stytch-permission); set exactly when
	// MemberSession is.
	Permission *Permission
	// Public reports an operation the spec marks security: [], which is not
	// authenticated with the project's credentials: they are not sent.
	// Bearer operations are Public too.
	Public bool
	// Bearer reports an operation whose security is an http bearer scheme:
	// it is authenticated with a token of the end user's (a Connected App
	// access token), which the Params type holds as AccessToken and the
	// transport sends as "Authorization: Bearer", instead of the project's
	// credentials.
	Bearer bool
	// Base names the transport base URL the operation is sent to, such as
	// "BaseFraud"; empty for the API's own.
	Base     string
	Paginate *Paginate
	// MethodName is Name, or Name with a lower-case first letter when the
	// spec marks the operation x-go-unexported: a handwritten method of
	// that Name wraps the generated one (M2M.Token adds a token cache).
	MethodName string
	// Shared reports an operation defined under spec/shared, which both
	// clients expose.
	Shared       bool
	ParamsType   string
	ResponseType string
	pointer      string
	body         *openapi3.Schema
	bodyPointer  string
	bodyOptional bool // the request body is not required: required: false
	response     *openapi3.SchemaRef
	respPointer  string
}

// Permission is the RBAC permission a member-session call needs, on one of
// Stytch's default resources. A call needs Action, or, for an update
// authorized field by field, the action of each body field it sends.
type Permission struct {
	Resource string // "stytch.member"
	// Self reports that a member acting on itself (the call's target
	// member, by path, body or password, is the caller) is authorized on
	// stytch.self instead of Resource.
	Self   bool
	Action string        // the call's one action, such as "delete"; empty when Fields is set
	Fields []*FieldGrant // by field name
}

// FieldGrant is the action one body field of an update needs.
type FieldGrant struct {
	Field  string // JSON name of the body field
	Action string // such as "update.info.name"
	// NeverSelf reports a field that needs Action on the Permission's
	// Resource even when the member acts on itself (its own roles, say).
	NeverSelf bool
}

// Stytch's default RBAC resources, which member-session calls are
// authorized against.
var permissionResources = []string{"stytch.member", "stytch.organization", "stytch.scim", "stytch.self", "stytch.sso"}

// permissionAction is the spelling of an action: lower-case words joined by
// dots and hyphens (update.info.logo-url), the spelling of the Member and
// Organization field comments in Stytch's SDKs.
var permissionAction = regexp.MustCompile(`^[a-z]+([.-][a-z]+)*$`)

// buildPermission reads x-stytch-permission:
//
//	x-stytch-permission:
//	  resource: stytch.member   # one of permissionResources
//	  self: true                # optional: on stytch.self when acting on itself
//	  action: delete            # or, for an update authorized per field:
//	  fields: {name: update.info.name, roles: update.settings.roles}
//	  never-self: [roles]       # optional, with self: fields checked on resource regardless
func buildPermission(doc *specload.Doc, ptr string, o *Operation, ext any) (*Permission, specload.Errors) {
	fail := func(at, format string, args ...any) (*Permission, specload.Errors) {
		return nil, specload.Errors{doc.Errorf(at, format, args...)}
	}
	m, ok := ext.(map[string]any)
	if !ok {
		return fail(ptr, "x-stytch-permission must be an object with resource and action (or fields)")
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains([]string{"resource", "self", "action", "fields", "never-self"}, k) {
			return fail(ptr+"/"+k, "x-stytch-permission has no key %q; use resource, self, action, fields and never-self", k)
		}
	}
	p := &Permission{}
	p.Resource, _ = m["resource"].(string)
	if !slices.Contains(permissionResources, p.Resource) {
		return fail(ptr+"/resource", "resource %q is not one of Stytch's default resources %v", m["resource"], permissionResources)
	}
	if v, has := m["self"]; has {
		if p.Self, ok = v.(bool); !ok {
			return fail(ptr+"/self", "self must be true or false")
		}
		if p.Self && p.Resource != "stytch.member" {
			return fail(ptr+"/self", "self applies to resource stytch.member only")
		}
	}
	_, hasAction := m["action"]
	fields, hasFields := m["fields"]
	if hasAction == hasFields {
		return fail(ptr, "x-stytch-permission needs exactly one of action and fields")
	}
	if hasAction {
		p.Action, _ = m["action"].(string)
		if !permissionAction.MatchString(p.Action) {
			return fail(ptr+"/action", "action %q must be lower-case words joined by dots and hyphens, such as update.info.logo-url", m["action"])
		}
	} else {
		fm, ok := fields.(map[string]any)
		if !ok || len(fm) == 0 {
			return fail(ptr+"/fields", "fields must map body fields to actions")
		}
		for _, name := range sortedKeys(fm) {
			action, _ := fm[name].(string)
			switch {
			case !slices.Contains(o.BodyFields, name):
				return fail(ptr+"/fields/"+name, "%s is not a body field of %s", name, o.ID)
			case !permissionAction.MatchString(action):
				return fail(ptr+"/fields/"+name, "action %q must be lower-case words joined by dots and hyphens, such as update.info.logo-url", fm[name])
			}
			p.Fields = append(p.Fields, &FieldGrant{Field: name, Action: action})
		}
	}
	if v, has := m["never-self"]; has {
		list, ok := v.([]any)
		if !ok || !p.Self || p.Fields == nil {
			return fail(ptr+"/never-self", "never-self must list fields, with self: true and fields")
		}
		for i, item := range list {
			name, _ := item.(string)
			j := slices.IndexFunc(p.Fields, func(f *FieldGrant) bool { return f.Field == name })
			if j < 0 {
				return fail(fmt.Sprintf("%s/never-self/%d", ptr, i), "never-self names %q, which is not in fields", item)
			}
			p.Fields[j].NeverSelf = true
		}
	}
	return p, nil
}

// Segment is a literal run of the path or one path parameter.
type Segment struct {
	Literal string
	Param   *Param
}

// Param is a path or query parameter.
type Param struct {
	Name        string // JSON name
	GoName      string
	Kind        string // "string", "integer" or "boolean"
	GoType      string // Go type of the value, without pointer
	Required    bool
	Description string
	// ProjectID reports a path parameter the client fills with its own
	// project ID (x-stytch-value: project_id); it is not in the Params type.
	ProjectID bool
	// DefaultProjectID reports a path parameter that the client fills with
	// its own project ID when the caller leaves it empty (x-stytch-default:
	// project_id); it is in the Params type, and may name another project.
	DefaultProjectID bool
	schema           *openapi3.SchemaRef
}

// FormField is one field of a form-encoded body.
type FormField struct {
	Name     string // form key
	GoName   string
	Required bool   // a plain string rather than a pointer
	Const    string // a value always sent; the field is not in the Params type
	List     bool   // a []string sent space-delimited
}

// Paginate describes a cursor-paginated operation, for which an iterator
// over every result is generated.
type Paginate struct {
	ItemsField    string // Go field of the response holding one page's items
	ItemType      string // Go type of one item
	NextCursor    string // Go selector of the next cursor in the response, such as ResultsMetadata.NextCursor
	CursorField   string // Go field of the params holding the cursor
	CursorPointer bool   // whether that field is a *string
}

// Servers the generator knows, by URL, and the transport base each maps to.
var knownServers = map[string]string{"https://telemetry.stytch.com": "BaseFraud", "https://{project_domain}": "BaseProject"}

// Member-session headers, which become per-call options rather than fields.
var memberSessionHeaders = map[string]bool{"X-Stytch-Member-Session": true, "X-Stytch-Member-SessionJWT": true}

// Pointer reports whether the Params field is a pointer.
func (p *Param) Pointer() bool { return !p.Required }

var (
	operationIDPattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)+$`)
	pathParamPattern   = regexp.MustCompile(`\{([^}]*)\}`)
)

// buildSurface checks the spec against the rules the generator relies on
// and builds the model the templates render.
func buildSurface(doc *specload.Doc, pkg string) (*Surface, error) {
	var errs specload.Errors
	s := &Surface{Package: pkg}
	if info := doc.T.Info; info != nil {
		s.Title, s.Summary = info.Title, firstSentence(strings.TrimSpace(info.Description))
		if q, ok := info.Extensions["x-go-quickstart"].(string); ok {
			s.Quickstart = strings.Split(strings.TrimSpace(q), "\n")
		}
	}
	tags := map[string]string{}
	tagIndex := map[string]int{}
	for i, t := range doc.T.Tags {
		tags[t.Name] = strings.TrimSpace(t.Description)
		tagIndex[t.Name] = i
	}
	services := map[string]*Service{}
	var service func(path string) *Service
	service = func(path string) *Service {
		if sv, ok := services[path]; ok {
			return sv
		}
		field := path[strings.LastIndex(path, ".")+1:]
		sv := &Service{Path: path, Field: field, TypeName: strings.ReplaceAll(path, ".", "") + "Service"}
		services[path] = sv
		if i := strings.LastIndex(path, "."); i >= 0 {
			parent := service(path[:i])
			parent.Children = append(parent.Children, sv)
		} else {
			s.Services = append(s.Services, sv)
		}
		return sv
	}
	ids := map[string]string{}

	for _, p := range sortedKeys(doc.T.Paths.Map()) {
		item := doc.T.Paths.Value(p)
		for _, method := range sortedKeys(item.Operations()) {
			op := item.GetOperation(method)
			ptr := specload.Pointer("paths", p, strings.ToLower(method))
			o, opErrs := buildOperation(doc, ptr, p, method, op)
			errs = append(errs, opErrs...)
			if o == nil {
				continue
			}
			servers, sptr := item.Servers, specload.Pointer("paths", p, "servers")
			if op.Servers != nil {
				servers, sptr = *op.Servers, ptr+"/servers"
			}
			if len(servers) > 0 {
				base, ok := knownServers[servers[0].URL]
				if len(servers) != 1 || !ok {
					errs = append(errs, doc.Errorf(sptr, "an operation's servers must be one of the known base URLs %v", sortedKeys(knownServers)))
				}
				o.Base = base
			}
			if prev, dup := ids[o.ID]; dup {
				errs = append(errs, doc.Errorf(ptr+"/operationId", "operationId %q is also used at %s", o.ID, prev))
				continue
			}
			ids[o.ID] = doc.Origin(ptr).String()
			o.Shared = strings.HasPrefix(filepath.ToSlash(doc.Origin(ptr).File), "shared/") || strings.Contains(filepath.ToSlash(doc.Origin(ptr).File), "/shared/")
			svcPath := o.ID[:strings.LastIndex(o.ID, ".")]
			if len(op.Tags) != 1 || op.Tags[0] != svcPath {
				errs = append(errs, doc.Errorf(ptr+"/tags", "must be exactly [%s], the service the operationId names", svcPath))
			}
			sv := service(svcPath)
			o.Service = sv
			sv.Ops = append(sv.Ops, o)
			s.Ops = append(s.Ops, o)
		}
	}
	for _, path := range sortedKeys(services) {
		sv := services[path]
		desc, ok := tags[path]
		switch {
		case !ok:
			errs = append(errs, doc.Errorf("/tags", "service %s has no tag; add one with a description of the service", path))
		case desc == "":
			errs = append(errs, doc.Errorf(specload.Pointer("tags", fmt.Sprint(tagIndex[path]), "description"), "tag %s needs a description", path))
		}
		sv.Description = desc
		for _, c := range sv.Children {
			if slices.ContainsFunc(sv.Ops, func(o *Operation) bool { return o.Name == c.Field }) {
				errs = append(errs, doc.Errorf("/tags", "service %s has both an operation and a service named %s", path, c.Field))
			}
		}
	}
	for name, t := range tags {
		if _, used := services[name]; !used {
			errs = append(errs, doc.Errorf(specload.Pointer("tags", fmt.Sprint(tagIndex[name])), "tag %s names no service", t))
		}
	}
	errs = append(errs, checkSchemas(doc)...)
	errs = append(errs, checkSpelling(doc)...)
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Origin.String() < errs[j].Origin.String() })
		return nil, errs
	}
	sortServices(s.Services)
	var walk func([]*Service)
	walk = func(list []*Service) {
		for _, sv := range list {
			s.All = append(s.All, sv)
			walk(sv.Children)
		}
	}
	walk(s.Services)
	sort.Slice(s.Ops, func(i, j int) bool { return s.Ops[i].ID < s.Ops[j].ID })
	return s, nil
}

func sortServices(list []*Service) {
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	for _, sv := range list {
		sort.Slice(sv.Ops, func(i, j int) bool { return sv.Ops[i].Name < sv.Ops[j].Name })
		sortServices(sv.Children)
	}
}

func buildOperation(doc *specload.Doc, ptr, path, method string, op *openapi3.Operation) (*Operation, specload.Errors) {
	var errs specload.Errors
	if !operationIDPattern.MatchString(op.OperationID) {
		return nil, specload.Errors{doc.Errorf(ptr+"/operationId", "operationId %q must be the Go method path, such as MagicLinks.Email.Send", op.OperationID)}
	}
	o := &Operation{
		ID:          op.OperationID,
		Name:        op.OperationID[strings.LastIndex(op.OperationID, ".")+1:],
		Description: strings.TrimSpace(op.Description),
		HTTPMethod:  method,
		Path:        path,
		pointer:     ptr,
		Public:      op.Security != nil && len(*op.Security) == 0,
	}
	if op.Security != nil && len(*op.Security) > 0 {
		bearer, err := bearerSecurity(doc, *op.Security)
		if err != nil {
			errs = append(errs, doc.Errorf(ptr+"/security", "%v", err))
		}
		o.Bearer, o.Public = bearer, bearer
	}
	o.MethodName = o.Name
	if unexported, _ := op.Extensions["x-go-unexported"].(bool); unexported {
		o.MethodName = strings.ToLower(o.Name[:1]) + o.Name[1:]
	}
	typePrefix := strings.ReplaceAll(o.ID, ".", "")
	o.ParamsType = typePrefix + "Params"
	if o.Description == "" {
		errs = append(errs, doc.Errorf(ptr, "operation %s needs a description", o.ID))
	}
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodPut && method != http.MethodDelete && method != http.MethodPatch {
		errs = append(errs, doc.Errorf(ptr, "HTTP method %s is not supported", method))
	}

	byName := map[string]*Param{}
	for i, pr := range op.Parameters {
		pp := specload.Pointer("paths", path, strings.ToLower(method), "parameters", fmt.Sprint(i))
		v := pr.Value
		if v.In == openapi3.ParameterInHeader && memberSessionHeaders[v.Name] {
			o.MemberSession = true
			continue
		}
		if v.In != openapi3.ParameterInPath && v.In != openapi3.ParameterInQuery {
			errs = append(errs, doc.Errorf(pp+"/in", "parameters in %s are not supported; use path or query (or the member-session headers)", v.In))
			continue
		}
		kind := ""
		if v.Schema != nil && v.Schema.Value != nil && v.Schema.Value.Type != nil && len(*v.Schema.Value.Type) == 1 {
			kind = (*v.Schema.Value.Type)[0]
		}
		goType, ok := map[string]string{"string": "string", "integer": "int", "boolean": "bool"}[kind]
		if !ok || (v.In == openapi3.ParameterInPath && kind != "string") {
			errs = append(errs, doc.Errorf(pp+"/schema", "parameter %s must be a string%s", v.Name, map[bool]string{true: "", false: ", integer or boolean"}[v.In == openapi3.ParameterInPath]))
			continue
		}
		if strings.TrimSpace(v.Description) == "" {
			errs = append(errs, doc.Errorf(pp, "parameter %s needs a description", v.Name))
		}
		prm := &Param{Name: v.Name, GoName: goName(v.Name), Kind: kind, GoType: goType, Required: v.Required || v.In == openapi3.ParameterInPath, Description: strings.TrimSpace(v.Description), schema: v.Schema}
		if src, ok := v.Extensions["x-stytch-value"]; ok {
			if src != "project_id" || v.In != openapi3.ParameterInPath {
				errs = append(errs, doc.Errorf(pp, "x-stytch-value must be project_id, on a path parameter"))
				continue
			}
			prm.ProjectID = true
		}
		if src, ok := v.Extensions["x-stytch-default"]; ok {
			if src != "project_id" || v.In != openapi3.ParameterInPath || prm.ProjectID {
				errs = append(errs, doc.Errorf(pp, "x-stytch-default must be project_id, on a path parameter without x-stytch-value"))
				continue
			}
			prm.DefaultProjectID = true
		}
		byName[v.Name] = prm
		if v.In == openapi3.ParameterInPath {
			o.PathParams = append(o.PathParams, prm)
		} else {
			o.QueryParams = append(o.QueryParams, prm)
		}
	}
	// Path segments, in template order.
	last := 0
	for _, m := range pathParamPattern.FindAllStringSubmatchIndex(path, -1) {
		name := path[m[2]:m[3]]
		prm := byName[name]
		if prm == nil || !slices.Contains(o.PathParams, prm) {
			errs = append(errs, doc.Errorf(specload.Pointer("paths", path), "path parameter {%s} of %s is not declared in parameters", name, o.ID))
			continue
		}
		o.Segments = append(o.Segments, Segment{Literal: path[last:m[0]]}, Segment{Param: prm})
		last = m[1]
	}
	if last < len(path) {
		o.Segments = append(o.Segments, Segment{Literal: path[last:]})
	}

	if rb := op.RequestBody; rb != nil && rb.Value != nil && rb.Value.Content.Get(formType) != nil {
		errs = append(errs, buildForm(doc, o, ptr+"/requestBody", rb.Value, byName)...)
	} else if rb != nil && rb.Value != nil {
		bp := ptr + "/requestBody"
		mt := rb.Value.Content.Get("application/json")
		switch {
		case mt == nil || mt.Schema == nil || len(rb.Value.Content) != 1:
			errs = append(errs, doc.Errorf(bp+"/content", "the request body must be application/json only"))
		case !isObject(mt.Schema.Value):
			errs = append(errs, doc.Errorf(bp+"/content/application~1json/schema", "the request body must be an object"))
		default:
			o.HasBody = true
			o.bodyOptional = !rb.Value.Required
			o.body = mt.Schema.Value
			o.bodyPointer = bp + "/content/application~1json/schema"
			o.BodyRequired = mt.Schema.Value.Required
			o.BodyFields = sortedKeys(mt.Schema.Value.Properties)
			for _, name := range o.BodyFields {
				if prm, dup := byName[name]; dup {
					where := "query"
					if slices.Contains(o.PathParams, prm) {
						where = "path"
					}
					errs = append(errs, doc.Errorf(bp+"/content/application~1json/schema/properties/"+name, "%s is a %s parameter; it must not be repeated in the body", name, where))
				}
			}
		}
	}
	if method == http.MethodGet && (o.HasBody || o.Form != nil) {
		errs = append(errs, doc.Errorf(ptr+"/requestBody", "a GET operation cannot have a body"))
	}

	if o.Bearer && (byName[bearerParam] != nil || slices.Contains(o.BodyFields, bearerParam)) {
		errs = append(errs, doc.Errorf(ptr, "%s is the bearer token of %s; no parameter or body field may have that name", bearerParam, o.ID))
	}

	var success []string
	for code := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			success = append(success, code)
		}
	}
	rp := ptr + "/responses"
	if len(success) != 1 {
		errs = append(errs, doc.Errorf(rp, "operation %s must have exactly one 2xx response, has %d", o.ID, len(success)))
		return o, errs
	}
	resp := op.Responses.Value(success[0]).Value
	mt := resp.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || !isObject(mt.Schema.Value) {
		errs = append(errs, doc.Errorf(rp+"/"+success[0]+"/content", "the %s response must be an application/json object", success[0]))
		return o, errs
	}
	o.response = mt.Schema
	o.respPointer = rp + "/" + success[0] + "/content/application~1json/schema"
	if mt.Schema.Ref != "" {
		o.ResponseType = mt.Schema.Ref[strings.LastIndex(mt.Schema.Ref, "/")+1:]
	} else {
		o.ResponseType = typePrefix + "Response"
	}
	ext, hasPermission := op.Extensions["x-stytch-permission"]
	switch {
	case o.MemberSession && !hasPermission:
		errs = append(errs, doc.Errorf(ptr, "operation %s accepts a member session but has no x-stytch-permission saying what the member's roles must grant", o.ID))
	case !o.MemberSession && hasPermission:
		errs = append(errs, doc.Errorf(ptr+"/x-stytch-permission", "x-stytch-permission is for operations that accept a member session (X-Stytch-Member-Session)"))
	case hasPermission:
		p, perrs := buildPermission(doc, ptr+"/x-stytch-permission", o, ext)
		errs = append(errs, perrs...)
		o.Permission = p
	}
	if ext, ok := op.Extensions["x-stytch-paginate"]; ok {
		pg, err := buildPaginate(o, ext, byName)
		if err != nil {
			errs = append(errs, doc.Errorf(ptr+"/x-stytch-paginate", "%v", err))
		}
		o.Paginate = pg
	}
	return o, errs
}

// bearerSecurity reads an operation's own security requirement: the
// project's (HTTP Basic) scheme, or one http bearer scheme, which makes it
// a Bearer operation.
func bearerSecurity(doc *specload.Doc, reqs openapi3.SecurityRequirements) (bool, error) {
	if len(reqs) != 1 || len(reqs[0]) != 1 {
		return false, fmt.Errorf("security must be [] (public), or name exactly one scheme")
	}
	for name := range reqs[0] {
		var scheme *openapi3.SecurityScheme
		if doc.T.Components != nil {
			if ref := doc.T.Components.SecuritySchemes[name]; ref != nil {
				scheme = ref.Value
			}
		}
		switch {
		case scheme == nil:
			return false, fmt.Errorf("security scheme %q is not defined under components/securitySchemes", name)
		case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "basic"):
			return false, nil
		case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"):
			return true, nil
		default:
			return false, fmt.Errorf("security scheme %q must be http basic (the project's credentials) or http bearer", name)
		}
	}
	return false, nil
}

const formType = "application/x-www-form-urlencoded"

// buildForm reads a form-encoded body: an object of strings, of string
// lists sent space-delimited, and of single-value enums sent as constants.
func buildForm(doc *specload.Doc, o *Operation, bp string, rb *openapi3.RequestBody, byName map[string]*Param) specload.Errors {
	sp := bp + "/content/" + strings.ReplaceAll(formType, "/", "~1")
	mt := rb.Content.Get(formType)
	if len(rb.Content) != 1 || mt.Schema == nil || !isObject(mt.Schema.Value) {
		return specload.Errors{doc.Errorf(bp+"/content", "a form body must be the only content type, with an object schema")}
	}
	var errs specload.Errors
	s := mt.Schema.Value
	o.Form = []*FormField{}
	o.body = s
	o.bodyPointer = sp + "/schema"
	for _, name := range sortedKeys(s.Properties) {
		pp := sp + "/schema/properties/" + name
		v := s.Properties[name].Value
		f := &FormField{Name: name, GoName: goName(name), Required: slices.Contains(s.Required, name)}
		if n, ok := v.Extensions["x-go-name"].(string); ok {
			f.GoName = n
		}
		if _, dup := byName[name]; dup {
			errs = append(errs, doc.Errorf(pp, "%s is also a parameter; it must not be repeated in the body", name))
		}
		switch {
		case v.Type.Is("string") && len(v.Enum) == 1:
			c, _ := v.Enum[0].(string)
			if !f.Required || c == "" {
				errs = append(errs, doc.Errorf(pp, "a single-value enum in a form body is a constant: it must be a required, non-empty string"))
			}
			f.Const = c
		case v.Type.Is("string"):
		case v.Type.Is("array") && v.Items != nil && v.Items.Value != nil && v.Items.Value.Type.Is("string"):
			enc := mt.Encoding[name]
			if enc == nil || enc.Style != "spaceDelimited" {
				errs = append(errs, doc.Errorf(pp, "a list in a form body must have encoding style spaceDelimited"))
			}
			f.List = true
		default:
			errs = append(errs, doc.Errorf(pp, "form fields must be strings or lists of strings"))
		}
		o.Form = append(o.Form, f)
		if f.Const == "" {
			o.BodyFields = append(o.BodyFields, name)
		}
	}
	// Keys on the wire: every required field, including constants.
	o.BodyRequired = s.Required
	return errs
}

// buildPaginate reads x-stytch-paginate: {items, next-cursor}, the JSON
// names of the response's page of items and of its next cursor (dotted for
// a nested field). The cursor is sent back in the cursor body field or
// query parameter.
func buildPaginate(o *Operation, ext any, byName map[string]*Param) (*Paginate, error) {
	m, ok := ext.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be an object with items and next-cursor")
	}
	items, _ := m["items"].(string)
	next, _ := m["next-cursor"].(string)
	resp := o.response.Value
	itemsProp := resp.Properties[items]
	if items == "" || itemsProp == nil || itemsProp.Value == nil || !itemsProp.Value.Type.Is("array") || itemsProp.Value.Items.Ref == "" || !slices.Contains(resp.Required, items) {
		return nil, fmt.Errorf("items %q must name a required array of a component schema in the response", items)
	}
	pg := &Paginate{ItemsField: goName(items), ItemType: itemsProp.Value.Items.Ref[strings.LastIndex(itemsProp.Value.Items.Ref, "/")+1:]}
	cur := resp
	var sel []string
	for _, part := range strings.Split(next, ".") {
		p := cur.Properties[part]
		if p == nil || p.Value == nil || !slices.Contains(cur.Required, part) {
			return nil, fmt.Errorf("next-cursor %q must be a path of required fields in the response", next)
		}
		sel = append(sel, goName(part))
		cur = p.Value
	}
	if !cur.Type.Is("string") {
		return nil, fmt.Errorf("next-cursor %q must be a string", next)
	}
	pg.NextCursor = strings.Join(sel, ".")
	pg.CursorField = "Cursor"
	if q := byName["cursor"]; q != nil {
		pg.CursorPointer = q.Pointer()
	} else if o.body != nil && o.body.Properties["cursor"] != nil {
		pg.CursorPointer = !slices.Contains(o.body.Required, "cursor")
	} else {
		return nil, fmt.Errorf("a paginated operation needs a cursor body field or query parameter")
	}
	return pg, nil
}

func isObject(s *openapi3.Schema) bool {
	return s != nil && s.Type != nil && s.Type.Is("object")
}

// checkSchemas enforces what keeps generated types named and documented:
// every component schema has a description, and nested objects with
// properties are components rather than inline (anonymous) structs.
func checkSchemas(doc *specload.Doc) specload.Errors {
	var errs specload.Errors
	if doc.T.Components == nil {
		return nil
	}
	for _, name := range sortedKeys(doc.T.Components.Schemas) {
		ptr := specload.Pointer("components", "schemas", name)
		s := doc.T.Components.Schemas[name].Value
		if strings.TrimSpace(s.Description) == "" {
			errs = append(errs, doc.Errorf(ptr, "schema %s needs a description", name))
		}
		errs = append(errs, checkNested(doc, ptr, s)...)
	}
	for _, p := range sortedKeys(doc.T.Paths.Map()) {
		item := doc.T.Paths.Value(p)
		for _, m := range sortedKeys(item.Operations()) {
			op := item.GetOperation(m)
			base := specload.Pointer("paths", p, strings.ToLower(m))
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Ref == "" {
					errs = append(errs, checkNested(doc, base+"/requestBody/content/application~1json/schema", mt.Schema.Value)...)
				}
			}
			for code, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Ref == "" && r.Ref == "" {
					errs = append(errs, checkNested(doc, base+"/responses/"+code+"/content/application~1json/schema", mt.Schema.Value)...)
				}
			}
		}
	}
	return errs
}

func checkNested(doc *specload.Doc, ptr string, s *openapi3.Schema) specload.Errors {
	var errs specload.Errors
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		pp := ptr + "/properties/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
		if p.Ref != "" {
			continue
		}
		v := p.Value
		for v != nil && v.Type != nil && v.Type.Is("array") && v.Items != nil && v.Items.Ref == "" {
			pp += "/items"
			v = v.Items.Value
		}
		if v != nil && len(v.Properties) > 0 {
			errs = append(errs, doc.Errorf(pp, "inline object with properties: define it under components/schemas and $ref it, so its Go type has a stable name"))
		}
	}
	return errs
}
