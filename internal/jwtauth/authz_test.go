package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
			if got := ScopesSatisfied(tt.granted, tt.needed); got != tt.want {
				t.Fatalf("ScopesSatisfied(tt.granted, tt.needed) = %v, want %v", got, tt.want)
			}
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
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"read:users", "write:*"}; !reflect.DeepEqual(c.Scopes, want) {
		t.Fatalf("c.Scopes = %q, want %q", c.Scopes, want)
	}
	if got, want := keysOf(c.Custom), []string{"tier"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("an M2M token's scope is not a custom claim: keysOf(c.Custom) = %q, want %q", got, want)
	}

	c, err = decode(`{}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scopes) != 0 {
		t.Fatalf("c.Scopes = %q, want empty", c.Scopes)
	}
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
	if err := c.decode(payload); err != nil {
		t.Fatal(err)
	}
	if err := c.checkKind(); err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "stytch.com/p" {
		t.Fatalf("c.Issuer = %q, want %q", c.Issuer, "stytch.com/p")
	}
	if c.Subject != "s" {
		t.Fatalf("c.Subject = %q, want %q", c.Subject, "s")
	}
	if want := []string{"p"}; !reflect.DeepEqual(c.Audience, want) {
		t.Fatalf("a single audience string: c.Audience = %q, want %q", c.Audience, want)
	}
	if !reflect.DeepEqual(c.ExpiresAt, time.Unix(1, 0).UTC()) {
		t.Fatalf("c.ExpiresAt = %+v, want %+v", c.ExpiresAt, time.Unix(1, 0).UTC())
	}
	if !c.NotBefore.IsZero() {
		t.Fatal("null is absent")
	}
	if !reflect.DeepEqual(c.IssuedAt, time.Unix(1, 0).UTC()) {
		t.Fatalf("to the second, as golang-jwt reads it: c.IssuedAt = %+v, want %+v", c.IssuedAt, time.Unix(1, 0).UTC())
	}
	if c.ID != "j" {
		t.Fatalf("c.ID = %q, want %q", c.ID, "j")
	}
	if c.Session.ID != "x" {
		t.Fatalf("c.Session.ID = %q, want %q", c.Session.ID, "x")
	}
	if want := []string{"r"}; !reflect.DeepEqual(c.Session.Roles, want) {
		t.Fatalf("c.Session.Roles = %q, want %q", c.Session.Roles, want)
	}
	if want := time.Date(2025, 6, 1, 12, 0, 0, 5e8, time.UTC); !want.Equal(c.Session.LastAccessedAt) {
		t.Fatalf("c.Session.LastAccessedAt = %v, want %v", c.Session.LastAccessedAt, want)
	}
	if want := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC); !want.Equal(c.Session.ExpiresAt) {
		t.Fatalf("c.Session.ExpiresAt = %v, want %v", c.Session.ExpiresAt, want)
	}
	if got := string(c.Session.AuthenticationFactors); got != `[{"type":"otp"}]` {
		t.Fatalf("c.Session.AuthenticationFactors = %s, want the claim's JSON as sent", got)
	}
	if want := (OrganizationClaim{OrganizationID: "o", Slug: "acme"}); !reflect.DeepEqual(*c.Organization, want) {
		t.Fatalf("*c.Organization = %+v, want %+v", *c.Organization, want)
	}
	if c.Scopes != nil {
		t.Fatalf("c.Scopes = %q, want nil", c.Scopes)
	}
	if got, want := keysOf(c.Custom), []string{"https://example.com/claim", "limits", "scope", "tier"}; !slices.Equal(got, want) {
		t.Fatalf("custom claims %q, want %q", got, want)
	}
	if got := string(c.Custom["limits"]); got != `{"rps":5}` {
		t.Fatalf("c.Custom[\"limits\"] = %s, want the claim's JSON as sent", got)
	}

	for _, bad := range []string{`not json`, `[1]`, `{"exp":"tomorrow"}`, `{"exp":-1e999}`, `{"iss":7}`, `{"sub":"\x01"}`,
		`{"aud":[1]}`, `{"aud":7}`, `{"https://stytch.com/session":"x"}`, `{"https://stytch.com/organization":[]}`,
		`{"https://stytch.com/session":{"id":"x"}}`, `{"https://stytch.com/session":{"started_at":"2025-06-01","last_accessed_at":"x","expires_at":"y"}}`} {
		err := (&Claims{Kind: KindSession}).decode([]byte(bad))
		requireReason(t, err, ErrMalformed)
	}

	// The fast paths read what encoding/json and golang-jwt would.
	c = &Claims{Kind: KindM2M}
	if err := c.decode([]byte(`{"iss":"a\u00e9\"b","sub":"caf\u00e9","jti":"plain","aud":["x","y"],"exp":0,"nbf":1.9,"iat":"12"}`)); err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "a\u00e9\"b" {
		t.Fatalf("c.Issuer = %q, want %q", c.Issuer, "a\u00e9\"b")
	}
	if c.Subject != "caf\u00e9" {
		t.Fatalf("c.Subject = %q, want %q", c.Subject, "caf\u00e9")
	}
	if c.ID != "plain" {
		t.Fatalf("c.ID = %q, want %q", c.ID, "plain")
	}
	if want := []string{"x", "y"}; !reflect.DeepEqual(c.Audience, want) {
		t.Fatalf("c.Audience = %q, want %q", c.Audience, want)
	}
	if !reflect.DeepEqual(c.ExpiresAt, time.Unix(0, 0).UTC()) {
		t.Fatalf("c.ExpiresAt = %+v, want %+v", c.ExpiresAt, time.Unix(0, 0).UTC())
	}
	if !reflect.DeepEqual(c.NotBefore, time.Unix(1, 0).UTC()) {
		t.Fatalf("c.NotBefore = %+v, want %+v", c.NotBefore, time.Unix(1, 0).UTC())
	}
	if !reflect.DeepEqual(c.IssuedAt, time.Unix(12, 0).UTC()) {
		t.Fatalf("c.IssuedAt = %+v, want %+v", c.IssuedAt, time.Unix(12, 0).UTC())
	}
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
				if err != nil {
					t.Fatalf("%s as %s: %v", tt.name, kind, err)
				}
				continue
			}
			requireReason(t, err, ErrWrongKind)
			if Fallbackable(err) {
				t.Fatal("Fallbackable(err) = true, want false")
			}
		}
	}
}

// keysOf returns m's keys, sorted.
func keysOf[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
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
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
		})
	}
	_, ok := Authorized(nil, []string{"admin"}, "documents", "read")
	if ok {
		t.Fatal("ok = true, want false")
	}

	got, ok := AuthorizedScopes(testPolicy, []string{"read:docs"}, "documents", "read")
	if !ok {
		t.Fatal("ok = false, want true")
	}
	if want := []string{"read:docs"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	_, ok = AuthorizedScopes(testPolicy, []string{"read:docs"}, "documents", "write")
	if ok {
		t.Fatal("ok = true, want false")
	}

	merged := testPolicy.WithRoles([]Role{{RoleID: "org-auditor", Permissions: []Permission{{ResourceID: "logs", Actions: []string{"read"}}}}})
	_, ok = Authorized(merged, []string{"org-auditor"}, "logs", "read")
	if !ok {
		t.Fatal("ok = false, want true")
	}
	if len(testPolicy.Roles) != 3 {
		t.Fatalf("WithRoles must not change its receiver: len(testPolicy.Roles) = %d, want %d: %v", len(testPolicy.Roles), 3, testPolicy.Roles)
	}
}

func TestCheckTenancy(t *testing.T) {
	t.Parallel()
	if err := CheckTenancy("organization-test-a", "organization-test-a"); err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{{"organization-test-a", "organization-test-b"}, {"", ""}, {"organization-test-a", ""}} {
		err := CheckTenancy(pair[0], pair[1])
		if !errors.Is(err, ErrTenancy) {
			t.Fatalf("err = %v, want %v", err, ErrTenancy)
		}
		var te *TenancyError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want a %T", err, te)
		}
		if te.CheckOrganizationID != pair[1] {
			t.Fatalf("te.CheckOrganizationID = %q, want %q", te.CheckOrganizationID, pair[1])
		}
		if Fallbackable(err) {
			t.Fatal("Fallbackable(err) = true, want false")
		}
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
	if got := calls.Load(); got != int32(1) {
		t.Fatalf("concurrent callers share one fetch: calls.Load() = %v, want %v", got, 1)
	}

	clock.Advance(DefaultPolicyTTL - time.Second)
	_, _ = pc.Get(context.Background())
	if got := calls.Load(); got != int32(1) {
		t.Fatalf("calls.Load() = %v, want %v", got, 1)
	}
	clock.Advance(time.Second)
	_, _ = pc.Get(context.Background())
	if got := calls.Load(); got != int32(2) {
		t.Fatalf("refetched after the TTL: calls.Load() = %v, want %v", got, 2)
	}

	pc.Invalidate()
	_, _ = pc.Get(context.Background())
	if got := calls.Load(); got != int32(3) {
		t.Fatalf("calls.Load() = %v, want %v", got, 3)
	}
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
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	v, err := pc.Get(context.Background())
	if err != nil {
		t.Fatalf("a failure is not cached: %v", err)
	}
	if v != 7 {
		t.Fatalf("v = %v, want %v", v, 7)
	}
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
	if !errors.Is(<-leaderErr, context.Canceled) {
		t.Fatalf("<-leaderErr = %v, want %v", <-leaderErr, context.Canceled)
	}
	if <-waiter != "policy" {
		t.Fatalf("a waiter must not inherit the leader's cancellation: <-waiter = %q, want %q", <-waiter, "policy")
	}
	if got := calls.Load(); got != int32(2) {
		t.Fatalf("calls.Load() = %v, want %v", got, 2)
	}
}

func TestDecodeValueReadsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"pro"`, `"caf\u00e9"`, `"tab\t"`, `12`, `0`, `-3`, `1.5e3`, `123456789012345678901234`,
		`true`, `false`, `null`, `[1,"a"]`, `{"a":{"b":null}}`} {
		var want any
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatalf("%v: %v", raw, err)
		}
		got, err := DecodeValue(json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%v: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v: got %v, want %v", raw, got, want)
		}
	}
	for _, bad := range []string{`"\x"`, `007`, `tru`} {
		_, err := DecodeValue(json.RawMessage(bad))
		if err == nil {
			t.Fatalf("%v: got no error, want one", bad)
		}
	}
}
