package stytchtest

import (
	"slices"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// TestPermissionsCoverMemberSessionOperations checks the generated table
// against the spec the emulator serves: one entry for each B2B operation
// that takes a member-session header, and nothing else.
func TestPermissionsCoverMemberSessionOperations(t *testing.T) {
	t.Parallel()
	surfs, err := loadSpec()
	require.NoError(t, err)
	var want []string
	for _, s := range surfs {
		if s.name != "b2b" {
			continue
		}
		for _, item := range s.doc.Paths.Map() {
			for _, op := range item.Operations() {
				if slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
					return p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "X-Stytch-Member-Session"
				}) {
					want = append(want, op.OperationID)
				}
			}
		}
	}
	require.NotEmpty(t, want)
	var got []string
	for id, p := range b2bPermissions {
		got = append(got, id)
		require.Contains(t, []string{"stytch.member", "stytch.organization", "stytch.scim", "stytch.self", "stytch.sso"}, p.resource, id)
		require.True(t, (p.action == "") != (p.fields == nil), "%s: an action or fields", id)
	}
	sort.Strings(want)
	sort.Strings(got)
	require.Equal(t, want, got)

	update := b2bPermissions["Organizations.Members.Update"]
	require.True(t, update.self)
	require.Equal(t, memberFieldPermission{action: "update.settings.roles", neverSelf: true}, update.fields["roles"])
	require.Equal(t, memberFieldPermission{action: "update.info.name"}, update.fields["name"])
	require.Equal(t, "update.info.logo-url", b2bPermissions["Organizations.Update"].fields["organization_logo_url"].action)
}
