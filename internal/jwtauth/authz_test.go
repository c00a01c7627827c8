package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestScopesSatisfied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		granted, needed []string
		want            bool
	}{
		// The cases of stytch-go's m2m_authorization_test.go.
		{"basic", []string{"read:users", "write:users"}, []string{"read:users"}, true},
		{"several required", []string{"read:users", "write:users", "read:books"}, []string{"read:users", "read:books"}, true},
		{"simple scopes", []string{"read_users", "write_users"}, []string{"read_users"}, true},
		{"wildcard resource", []string{"read:*", "write:*"}, []string{"read:users"}, true},
		{"missing", []string{"read:users"}, []string{"write:users"}, false},
		{"missing with wildcard", []string{"read:users", "write:*"}, []string{"delete:books"}, false},
		{"simple does not cover specific", []string{"read"}, []string{"read:users"}, false},
		{"specific does not cover simple", []string{"read:users"}, []string{"read"}, false},
		// The edges the rule implies.
		{"one of two missing", []string{"read:users"}, []string{"read:users", "read:books"}, false},
		{"nothing required", nil, nil, true},
		{"nothing granted", nil, []string{"read:users"}, false},
		{"star is not a super-scope", []string{"*"}, []string{"read:users"}, false},
		{"star-star is not a super-scope", []string{"*:*"}, []string{"read:users"}, false},
		{"action is never a wildcard", []string{"*:users"}, []string{"read:users"}, false},
		{"star-star covers a star action", []string{"*:*"}, []string{"*:users"}, true},
		{"resource wildcard covers nested resource", []string{"read:*"}, []string{"read:users:archive"}, true},
		{"split at the first colon", []string{"read:users:*"}, []string{"read:users:archive"}, false},
		{"resource wildcard covers a bare action", []string{"read:*"}, []string{"read"}, true},
		{"case matters", []string{"Read:Users"}, []string{"read:users"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ScopesSatisfied(tt.granted, tt.needed))
		})
	}
}

func TestScopesClaim(t *testing.T) {
	t.Parallel()
	decode := func(payload string) (*Claims, error) {
		c := &Claims{Kind: KindM2M}
		return c, c.decode([]byte(payload))
	}
	c, err := decode(`{"scope":"read:users  write:*","sub":"m2m-client-test-1","tier":"gold"}`)
	require.NoError(t, err)
	require.Equal(t, []string{"read:users", "write:*"}, c.Scopes)
	require.Equal(t, []string{"tier"}, keysOf(c.Custom), "an M2M token's scope is not a custom claim")

	c, err = decode(`{}`)
	require.NoError(t, err)
	require.Empty(t, c.Scopes)
	_, err = decode(`{"scope":["read:users"]}`)
	requireReason(t, err, ErrMalformed) // scope must be a string, as stytch-go holds
}

func TestDecodeClaims(t *testing.T) {
	t.Parallel()
	payload := []byte(`{"iss":"stytch.com/p","sub":"s","aud":"p","exp":1,"nbf":null,"iat":1.5,"jti":"j",
		"https://stytch.com/session":{"id":"x","roles":["r"],"authentication_factors":[{"type":"otp"}],
			"started_at":"2025-06-01T11:00:00Z","last_accessed_at":"2025-06-01T12:00:00.5Z","expires_at":"2025-06-01T13:00:00+01:00"},
		"https://stytch.com/organization":{"organization_id":"o","slug":"acme"},"https://stytch.com/future":{"a":1},
		"scope":["a session's scope is anything"],"tier":"gold","limits":{"rps":5},"https://example.com/claim":true}`)
	c := &Claims{Kind: KindMemberSession}
	require.NoError(t, c.decode(payload))
	require.NoError(t, c.checkKind())
	require.Equal(t, "stytch.com/p", c.Issuer)
	require.Equal(t, "s", c.Subject)
	require.Equal(t, []string{"p"}, c.Audience, "a single audience string")
	require.Equal(t, time.Unix(1, 0).UTC(), c.ExpiresAt)
	require.True(t, c.NotBefore.IsZero(), "null is absent")
	require.Equal(t, time.Unix(1, 0).UTC(), c.IssuedAt, "to the second, as golang-jwt reads it")
	require.Equal(t, "j", c.ID)
	require.Equal(t, "x", c.Session.ID)
	require.Equal(t, []string{"r"}, c.Session.Roles)
	require.True(t, time.Date(2025, 6, 1, 12, 0, 0, 5e8, time.UTC).Equal(c.Session.LastAccessedAt))
	require.True(t, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).Equal(c.Session.ExpiresAt))
	require.JSONEq(t, `[{"type":"otp"}]`, string(c.Session.AuthenticationFactors))
	require.Equal(t, OrganizationClaim{OrganizationID: "o", Slug: "acme"}, *c.Organization)
	require.Nil(t, c.Scopes)
	require.ElementsMatch(t, []string{"scope", "tier", "limits", "https://example.com/claim"}, keysOf(c.Custom))
	require.JSONEq(t, `{"rps":5}`, string(c.Custom["limits"]))

	for _, bad := range []string{`not json`, `[1]`, `{"exp":"tomorrow"}`, `{"exp":-1e999}`, `{"iss":7}`, `{"sub":"\x01"}`,
		`{"aud":[1]}`, `{"aud":7}`, `{"https://stytch.com/session":"x"}`, `{"https://stytch.com/organization":[]}`,
		`{"https://stytch.com/session":{"id":"x"}}`, `{"https://stytch.com/session":{"started_at":"2025-06-01","last_accessed_at":"x","expires_at":"y"}}`} {
		err := (&Claims{Kind: KindSession}).decode([]byte(bad))
		requireReason(t, err, ErrMalformed)
	}

	// The fast paths read what encoding/json and golang-jwt would.
	c = &Claims{Kind: KindM2M}
	require.NoError(t, c.decode([]byte(`{"iss":"a\u00e9\"b","sub":"caf\u00e9","jti":"plain","aud":["x","y"],"exp":0,"nbf":1.9,"iat":"12"}`)))
	require.Equal(t, "a\u00e9\"b", c.Issuer)
	require.Equal(t, "caf\u00e9", c.Subject)
	require.Equal(t, "plain", c.ID)
	require.Equal(t, []string{"x", "y"}, c.Audience)
	require.Equal(t, time.Unix(0, 0).UTC(), c.ExpiresAt)
	require.Equal(t, time.Unix(1, 0).UTC(), c.NotBefore)
	require.Equal(t, time.Unix(12, 0).UTC(), c.IssuedAt)
}

func TestCheckKind(t *testing.T) {
	t.Parallel()
	session, org := &SessionClaim{}, &OrganizationClaim{}
	tests := []struct {
		name    string
		session *SessionClaim
		org     *OrganizationClaim
		ok      Kind
	}{
		{"consumer session", session, nil, KindSession},
		{"member session", session, org, KindMemberSession},
		{"m2m", nil, nil, KindM2M},
		{"organization alone", nil, org, 0},
	}
	for _, tt := range tests {
		for _, kind := range []Kind{KindSession, KindMemberSession, KindM2M} {
			err := (&Claims{Kind: kind, Session: tt.session, Organization: tt.org}).checkKind()
			if kind == tt.ok {
				require.NoError(t, err, "%s as %s", tt.name, kind)
				continue
			}
			requireReason(t, err, ErrWrongKind)
			require.False(t, Fallbackable(err))
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var testPolicy = &Policy{
	Roles: []Role{
		{RoleID: "stytch_member", Permissions: []Permission{{ResourceID: "documents", Actions: []string{"read"}}}},
		{RoleID: "editor", Permissions: []Permission{
			{ResourceID: "documents", Actions: []string{"read", "write"}},
			{ResourceID: "images", Actions: []string{"upload"}},
		}},
		{RoleID: "admin", Permissions: []Permission{{ResourceID: "documents", Actions: []string{"*"}}}},
	},
	Scopes: []ScopePolicy{{Scope: "read:docs", Permissions: []Permission{{ResourceID: "documents", Actions: []string{"read"}}}}},
}

func TestAuthorized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		roles            []string
		resource, action string
		want             []string
	}{
		{"one role grants", []string{"stytch_member"}, "documents", "read", []string{"stytch_member"}},
		{"every granting role is listed", []string{"admin", "editor", "stytch_member"}, "documents", "read", []string{"stytch_member", "editor", "admin"}},
		{"action not held", []string{"stytch_member"}, "documents", "write", nil},
		{"star action", []string{"admin"}, "documents", "delete", []string{"admin"}},
		{"star is not a resource wildcard", []string{"admin"}, "images", "upload", nil},
		{"resource must match exactly", []string{"editor"}, "documents/1", "read", nil},
		{"unknown role grants nothing", []string{"superuser"}, "documents", "read", nil},
		{"no roles", nil, "documents", "read", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Authorized(testPolicy, tt.roles, tt.resource, tt.action)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.want != nil, ok)
		})
	}
	_, ok := Authorized(nil, []string{"admin"}, "documents", "read")
	require.False(t, ok)

	got, ok := AuthorizedScopes(testPolicy, []string{"read:docs"}, "documents", "read")
	require.True(t, ok)
	require.Equal(t, []string{"read:docs"}, got)
	_, ok = AuthorizedScopes(testPolicy, []string{"read:docs"}, "documents", "write")
	require.False(t, ok)

	merged := testPolicy.WithRoles([]Role{{RoleID: "org-auditor", Permissions: []Permission{{ResourceID: "logs", Actions: []string{"read"}}}}})
	_, ok = Authorized(merged, []string{"org-auditor"}, "logs", "read")
	require.True(t, ok)
	require.Len(t, testPolicy.Roles, 3, "WithRoles must not change its receiver")
}

func TestCheckTenancy(t *testing.T) {
	t.Parallel()
	require.NoError(t, CheckTenancy("organization-test-a", "organization-test-a"))
	for _, pair := range [][2]string{{"organization-test-a", "organization-test-b"}, {"", ""}, {"organization-test-a", ""}} {
		err := CheckTenancy(pair[0], pair[1])
		require.ErrorIs(t, err, ErrTenancy)
		var te *TenancyError
		require.ErrorAs(t, err, &te)
		require.Equal(t, pair[1], te.CheckOrganizationID)
		require.False(t, Fallbackable(err))
	}
}

func TestPolicyCache(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var calls atomic.Int32
	release := make(chan struct{})
	pc := NewPolicyCache(func(ctx context.Context) (*Policy, error) {
		if calls.Add(1) == 1 {
			<-release
		}
		return testPolicy, nil
	}, 0, clock.Now)

	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 100 {
				p, err := pc.Get(context.Background())
				if err != nil || p != testPolicy {
					t.Errorf("Get = %v, %v", p, err)
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	require.EqualValues(t, 1, calls.Load(), "concurrent callers share one fetch")

	clock.Advance(DefaultPolicyTTL - time.Second)
	_, _ = pc.Get(context.Background())
	require.EqualValues(t, 1, calls.Load())
	clock.Advance(time.Second)
	_, _ = pc.Get(context.Background())
	require.EqualValues(t, 2, calls.Load(), "refetched after the TTL")

	pc.Invalidate()
	_, _ = pc.Get(context.Background())
	require.EqualValues(t, 3, calls.Load())
}

func TestPolicyCacheErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	boom := errors.New("boom")
	pc := NewPolicyCache(func(ctx context.Context) (int, error) {
		if calls.Add(1) == 1 {
			return 0, boom
		}
		return 7, nil
	}, time.Minute, nil)
	_, err := pc.Get(context.Background())
	require.ErrorIs(t, err, boom)
	v, err := pc.Get(context.Background())
	require.NoError(t, err, "a failure is not cached")
	require.Equal(t, 7, v)
}

func TestPolicyCacheLeaderCancelled(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	started := make(chan struct{})
	pc := NewPolicyCache(func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			return "", ctx.Err()
		}
		return "policy", nil
	}, time.Minute, nil)

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := pc.Get(leaderCtx); leaderErr <- err }()
	<-started
	waiter := make(chan string, 1)
	go func() { v, _ := pc.Get(context.Background()); waiter <- v }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	require.ErrorIs(t, <-leaderErr, context.Canceled)
	require.Equal(t, "policy", <-waiter, "a waiter must not inherit the leader's cancellation")
	require.EqualValues(t, 2, calls.Load())
}

func TestDecodeValueReadsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"pro"`, `"caf\u00e9"`, `"tab\t"`, `12`, `0`, `-3`, `1.5e3`, `123456789012345678901234`,
		`true`, `false`, `null`, `[1,"a"]`, `{"a":{"b":null}}`} {
		var want any
		require.NoError(t, json.Unmarshal([]byte(raw), &want), raw)
		got, err := DecodeValue(json.RawMessage(raw))
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	for _, bad := range []string{`"\x"`, `007`, `tru`} {
		_, err := DecodeValue(json.RawMessage(bad))
		require.Error(t, err, bad)
	}
}
