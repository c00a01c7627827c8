package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/internal/specload"
)

// TestPermissionsGolden renders the golden spec's member-session
// permissions table (-update rewrites it).
func TestPermissionsGolden(t *testing.T) {
	dir := "testdata/golden/mini"
	_, s, err := generateSurface(specload.NewLoader(os.DirFS(dir+"/spec"), dir+"/spec"), "mini")
	require.NoError(t, err)
	got, err := generatePermissions(s)
	require.NoError(t, err)
	want := filepath.Join(dir, "permissions.gen.go.golden")
	if *update {
		require.NoError(t, os.WriteFile(want, got, 0o644))
	}
	wantBytes, err := os.ReadFile(want)
	require.NoError(t, err)
	require.Equal(t, string(wantBytes), string(got))
}

// TestRepositoryPermissions checks that stytchtest/permissions.gen.go is
// what spec/b2b generates, and what the model holds for the operations
// Stytch documents per field.
func TestRepositoryPermissions(t *testing.T) {
	_, s, err := generateSurface(specload.NewLoader(os.DirFS("../spec"), "spec"), "b2b")
	require.NoError(t, err)
	got, err := generatePermissions(s)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("..", permissionsFile))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "%s drifts from spec/; run make generate", permissionsFile)

	n := 0
	byID := map[string]*Operation{}
	for _, o := range s.Ops {
		byID[o.ID] = o
		require.Equal(t, o.MemberSession, o.Permission != nil, o.ID)
		if o.Permission != nil {
			n++
		}
	}
	require.Equal(t, 40, n, "member-session operations")
	require.Equal(t, &Permission{Resource: "stytch.sso", Action: "get"}, byID["SSO.GetConnections"].Permission)
	update := byID["Organizations.Members.Update"].Permission
	require.Equal(t, "stytch.member", update.Resource)
	require.True(t, update.Self)
	require.Contains(t, update.Fields, &FieldGrant{Field: "roles", Action: "update.settings.roles", NeverSelf: true})
	require.Contains(t, update.Fields, &FieldGrant{Field: "name", Action: "update.info.name"})
	org := byID["Organizations.Update"].Permission
	require.Contains(t, org.Fields, &FieldGrant{Field: "organization_logo_url", Action: "update.info.logo-url"})
}

func TestBuildPermissionRejects(t *testing.T) {
	o := &Operation{ID: "Things.Update", BodyFields: []string{"name", "roles"}}
	for ext, want := range map[string]string{
		`"delete"`: "must be an object",
		`{"resource": "stytch.member", "action": "delete", "scope": "x"}`:                               `no key "scope"`,
		`{"resource": "stytch.billing", "action": "read"}`:                                              "not one of Stytch's default resources",
		`{"resource": "stytch.sso", "self": true, "action": "get"}`:                                     "self applies to resource stytch.member only",
		`{"resource": "stytch.member"}`:                                                                 "exactly one of action and fields",
		`{"resource": "stytch.member", "action": "x", "fields": {"name": "y"}}`:                         "exactly one of action and fields",
		`{"resource": "stytch.organization", "action": "update.info.logo_url"}`:                         "lower-case words joined by dots and hyphens",
		`{"resource": "stytch.member", "fields": {"nickname": "update.info.name"}}`:                     "nickname is not a body field of Things.Update",
		`{"resource": "stytch.member", "fields": {"name": ""}}`:                                         "lower-case words",
		`{"resource": "stytch.member", "fields": {"name": "a"}, "never-self": ["name"]}`:                "with self: true and fields",
		`{"resource": "stytch.member", "self": true, "fields": {"name": "a"}, "never-self": ["roles"]}`: `never-self names "roles"`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(ext), &v), ext)
		p, errs := buildPermission(&specload.Doc{}, "/x-stytch-permission", o, v)
		require.Nil(t, p, ext)
		require.Len(t, errs, 1, ext)
		require.Contains(t, errs[0].Error(), want, ext)
	}
}
