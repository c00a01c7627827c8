package stytchtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// counter counts the requests a client sends, by path prefix.
type counter struct {
	mu    sync.Mutex
	paths []string
}

func (c *counter) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		c.mu.Lock()
		c.paths = append(c.paths, r.URL.Path)
		c.mu.Unlock()
		return next.RoundTrip(r)
	})
}

func (c *counter) count(sub string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.paths {
		if strings.Contains(p, sub) {
			n++
		}
	}
	return n
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type planClaims struct {
	Plan  string `json:"plan"`
	Seats int    `json:"seats"`
}

func TestConsumerLocalJWT(t *testing.T) {
	t.Parallel()
	// The emulator's clock runs ten minutes behind the SDK's, so that a JWT
	// it issues has expired by the SDK's clock while its session lives.
	lag := &fakeClock{now: time.Now().UTC()}
	srv, api := newConsumer(t, WithClock(lag.Now))
	var n counter
	c := consumerClient(t, srv, stytch.WithMiddleware(n.middleware))
	t.Cleanup(func() { _ = c.Close() })
	auth := signIn(t, srv, api, "local@example.com", map[string]any{"plan": "pro", "seats": 3})

	s, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, auth.Session.SessionID, s.SessionID)
	require.Equal(t, auth.Session.UserID, s.UserID)
	require.Equal(t, auth.Session.ExpiresAt, s.ExpiresAt)
	require.Equal(t, auth.Session.Roles, s.Roles)
	require.Len(t, s.AuthenticationFactors, len(auth.Session.AuthenticationFactors))
	claims, err := consumer.CustomClaims[planClaims](s)
	require.NoError(t, err)
	require.Equal(t, planClaims{"pro", 3}, claims)
	fromAPI, err := consumer.CustomClaims[planClaims](auth.Session)
	require.NoError(t, err)
	require.Equal(t, claims, fromAPI, "typed claims read the same on both paths")
	require.Equal(t, 1, n.count("/jwks/"))

	// Again: no request at all, and the caller's copy is its own.
	s.Roles[0] = "changed"
	again, err := c.Sessions.AuthenticateJWT(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedLocally, again.Source)
	require.NotEqual(t, "changed", again.Session.Roles[0])
	require.Equal(t, 1, len(n.paths))

	// Too old for the caller: the API settles it.
	time.Sleep(1100 * time.Millisecond)
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT, stytch.WithMaxTokenAge(time.Second))
	require.ErrorIs(t, err, stytch.ErrJWTTooOld)
	viaAPI, err := c.Sessions.AuthenticateJWT(ctx, auth.SessionJWT, stytch.WithMaxTokenAge(time.Second))
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedByAPI, viaAPI.Source)
	require.ErrorIs(t, viaAPI.LocalError, stytch.ErrJWTTooOld)
	require.Equal(t, auth.Session.SessionID, viaAPI.Session.SessionID)

	// A forged token is an error, with no API call.
	parts := strings.Split(auth.SessionJWT, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	before := len(n.paths)
	_, err = c.Sessions.AuthenticateJWT(ctx, forged)
	require.ErrorIs(t, err, stytch.ErrJWTSignature)
	require.Equal(t, before, len(n.paths))

	// Expired by the SDK's clock, alive at the API: the API answers.
	lag.Add(-10 * time.Minute)
	old := signIn(t, srv, api, "old@example.com", nil)
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, old.SessionJWT)
	require.ErrorIs(t, err, stytch.ErrJWTExpired)
	res, err := c.Sessions.AuthenticateJWT(ctx, old.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedByAPI, res.Source)
	require.NotNil(t, res.Response)

	// After a key rotation, a JWT under the new key verifies (the unknown
	// kid refreshes the keys once) and one under the old key still does.
	lag.Add(10 * time.Minute)
	srv.RotateKeys()
	fresh := signIn(t, srv, api, "fresh@example.com", nil)
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, fresh.SessionJWT)
	require.NoError(t, err)
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, 2, n.count("/jwks/"))

	// Sessions JWTs are not M2M tokens' business, and the reverse.
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT, stytch.WithRequiredScopes("read:x"))
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe))
}

func TestConsumerLocalRBAC(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{
		{RoleID: "stytch_user", Description: "everyone", Permissions: []consumer.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"read"}}}},
	}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{}})
	var n counter
	c := consumerClient(t, srv, stytch.WithMiddleware(n.middleware))
	auth := signIn(t, srv, api, "rbac@example.com", nil)
	read := stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{ResourceID: "documents", Action: "read"})
	del := stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{ResourceID: "documents", Action: "delete"})

	res, err := c.Sessions.AuthenticateJWT(ctx, auth.SessionJWT, read)
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedLocally, res.Source)
	require.Equal(t, []string{"stytch_user"}, res.Verdict.GrantingRoles)

	_, err = c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT, del)
	require.ErrorIs(t, err, stytch.ErrPermissionDenied)
	// A local denial may come from a stale policy; the API has the last word.
	_, err = c.Sessions.AuthenticateJWT(ctx, auth.SessionJWT, del)
	requireAPIError(t, err, 403, "consumer_session_authorization_error")
	require.Equal(t, 1, n.count("/rbac/policy"), "the policy is cached")

	// Concurrent checks share the cache, race-free.
	var wg sync.WaitGroup
	var fails atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT, read); err != nil {
				fails.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Zero(t, fails.Load())
}

func TestB2BLocalJWTAndRBAC(t *testing.T) {
	t.Parallel()
	srv, api := b2bTestServer(t)
	org := b2bTestOrg(t, api, "Acme", nil)
	other := b2bTestOrg(t, api, "Other", nil)
	m := b2bTestMember(t, api, org.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, api, org.OrganizationID, m.EmailAddress, map[string]any{"plan": "team", "seats": 9})
	var n counter
	c := b2bClient(t, srv, stytch.WithMiddleware(n.middleware))
	t.Cleanup(func() { _ = c.Close() })

	s, err := c.Sessions.AuthenticateJWTLocal(ctx, login.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, login.MemberSession.MemberSessionID, s.MemberSessionID)
	require.Equal(t, org.OrganizationID, s.OrganizationID)
	require.Equal(t, org.OrganizationSlug, s.OrganizationSlug)
	claims, err := b2b.CustomClaims[planClaims](s)
	require.NoError(t, err)
	require.Equal(t, planClaims{"team", 9}, claims)

	check := func(orgID, resource, action string) stytch.Option {
		return stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{OrganizationID: orgID, ResourceID: resource, Action: action})
	}
	res, err := c.Sessions.AuthenticateJWT(ctx, login.SessionJWT, check(org.OrganizationID, "stytch.self", "update"))
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedLocally, res.Source)
	_, err = c.Sessions.AuthenticateJWT(ctx, login.SessionJWT, check(other.OrganizationID, "stytch.self", "update"))
	require.ErrorIs(t, err, stytch.ErrTenancy)

	// An organization's custom role, granted to the member, counts.
	_, err = api.RBAC.Organizations.SetOrgPolicy(ctx, &b2b.RBACOrganizationsSetOrgPolicyParams{OrganizationID: org.OrganizationID, OrgPolicy: b2b.OrgPolicy{Roles: []b2b.PolicyRole{
		{RoleID: "billing", Description: "billing", Permissions: []b2b.PolicyRolePermission{{ResourceID: "invoices", Actions: []string{"*"}}}},
	}}})
	require.NoError(t, err)
	_, err = api.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID, Roles: &[]string{"billing"}})
	require.NoError(t, err)
	again, err := api.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	require.NoError(t, err)
	// The organization's roles were cached before the change: the local
	// check denies, and the API, which has the new role, grants.
	res, err = c.Sessions.AuthenticateJWT(ctx, again.SessionJWT, check(org.OrganizationID, "invoices", "pay"))
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedByAPI, res.Source)
	require.ErrorIs(t, res.LocalError, stytch.ErrPermissionDenied)
	require.Contains(t, res.Verdict.GrantingRoles, "billing")
	// A fresh client has no stale cache and grants locally.
	fresh := srv.B2BClient()
	res, err = fresh.Sessions.AuthenticateJWT(ctx, again.SessionJWT, check(org.OrganizationID, "invoices", "pay"))
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedLocally, res.Source)
	require.Equal(t, []string{"billing"}, res.Verdict.GrantingRoles)
}

func TestM2MLocal(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	created, err := api.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users", "write:*"}})
	require.NoError(t, err)
	mc := created.M2MClient
	var n counter
	c := consumerClient(t, srv, stytch.WithMiddleware(n.middleware))
	params := &consumer.M2MTokenParams{ClientID: mc.ClientID, ClientSecret: mc.ClientSecret}
	tok, err := c.M2M.Token(ctx, params)
	require.NoError(t, err)
	again, err := c.M2M.Token(ctx, params)
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, again.AccessToken)
	require.Equal(t, 1, n.count("/oauth2/token"), "the token is cached")
	require.InDelta(t, 3600, again.ExpiresIn, 5)

	got, err := c.M2M.AuthenticateToken(ctx, tok.AccessToken, stytch.WithRequiredScopes("read:users", "write:invoices"))
	require.NoError(t, err)
	require.Equal(t, mc.ClientID, got.ClientID)
	require.Equal(t, []string{"read:users", "write:*"}, got.Scopes)
	_, err = c.M2M.AuthenticateToken(ctx, tok.AccessToken, stytch.WithRequiredScopes("delete:users"))
	require.ErrorIs(t, err, stytch.ErrPermissionDenied)
	_, err = c.M2M.AuthenticateToken(ctx, tok.AccessToken[:len(tok.AccessToken)-4]+"AAAA")
	require.ErrorIs(t, err, stytch.ErrJWTSignature)

	// The B2B client verifies the same token against the B2B keys, which
	// the emulator shares with the consumer ones, as Stytch does.
	b := srv.B2BClient()
	got2, err := b.M2M.AuthenticateToken(ctx, tok.AccessToken, stytch.WithRequiredScopes("read:users"))
	require.NoError(t, err)
	require.Equal(t, mc.ClientID, got2.ClientID)
}

// Close stops the key refresh that local verification started, and leaves
// no goroutine behind. Not parallel: it counts goroutines.
func TestCloseStopsBackgroundWork(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	api := srv.ConsumerClient()
	auth := signIn(t, srv, api, "close@example.com", nil)

	before := goleak.IgnoreCurrent()
	tr := &http.Transport{}
	c := consumerClient(t, srv, stytch.WithHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	tr.CloseIdleConnections()
	goleak.VerifyNone(t, before)

	// The client still works after Close: the keys are fetched again.
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

// Close while local verifications wait for the first key set fails none of
// them: nobody cancelled anything, and the client stays usable.
func TestCloseDuringInFlightVerifications(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	gate := make(chan struct{})
	slowKeys := func(next http.RoundTripper) http.RoundTripper {
		return roundTrip(func(r *http.Request) (*http.Response, error) {
			if strings.Contains(r.URL.Path, "/jwks/") {
				<-gate
			}
			return next.RoundTrip(r)
		})
	}
	signer := srv.ConsumerClient()
	defer signer.Close()
	jwt := signIn(t, srv, signer, "ada@example.com", nil).SessionJWT

	c := consumerClient(t, srv, stytch.WithMiddleware(slowKeys))
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	var started atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			_, err := c.Sessions.AuthenticateJWTLocal(t.Context(), jwt)
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return started.Load() == n }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let them reach the key fetch
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	time.Sleep(20 * time.Millisecond)
	close(gate)
	require.NoError(t, <-closed)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, err := c.Sessions.AuthenticateJWTLocal(t.Context(), jwt)
	require.NoError(t, err, "the client stays usable after Close")
	require.NoError(t, c.Close())
}

// A nil context is a *stytch.ParamError from every kind of method, never a
// panic; and the methods that verify a JWT refuse the options that cannot
// apply to them.
func TestLocalMethodsCheckContextAndOptions(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := srv.ConsumerClient()
	defer c.Close()
	jwt := signIn(t, srv, c, "ada@example.com", nil).SessionJWT
	var nilCtx context.Context
	requireParam := func(err error, param string) {
		t.Helper()
		var pe *stytch.ParamError
		require.True(t, errors.As(err, &pe), "want a *stytch.ParamError, got %v", err)
		require.Equal(t, param, pe.Param)
	}
	_, err := c.Sessions.AuthenticateJWTLocal(nilCtx, jwt)
	requireParam(err, "ctx")
	_, err = c.Sessions.AuthenticateJWT(nilCtx, jwt)
	requireParam(err, "ctx")
	_, err = c.M2M.AuthenticateToken(nilCtx, jwt)
	requireParam(err, "ctx")
	_, err = c.M2M.Token(nilCtx, &consumer.M2MTokenParams{ClientID: "c", ClientSecret: "s"})
	requireParam(err, "ctx")
	_, err = c.Users.Get(nilCtx, &consumer.UsersGetParams{UserID: "u"})
	requireParam(err, "ctx")
	bc := srv.B2BClient()
	defer bc.Close()
	_, err = bc.Sessions.AuthenticateJWTLocal(nilCtx, jwt)
	requireParam(err, "ctx")

	ctx := t.Context()
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, jwt, stytch.WithTimeout(time.Second))
	requireParam(err, "WithTimeout")
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, jwt, stytch.WithBaseURL("https://elsewhere.example"))
	requireParam(err, "WithBaseURL")
	_, err = c.M2M.AuthenticateToken(ctx, jwt, stytch.WithResponseInto(&stytch.Response{}))
	requireParam(err, "WithResponseInto")
	_, err = bc.Sessions.AuthenticateJWT(ctx, jwt, stytch.WithMemberSession("t"))
	requireParam(err, "WithMemberSession")
	_, err = c.Sessions.AuthenticateJWT(ctx, jwt, stytch.WithMaxTokenAge(-time.Second))
	requireParam(err, "WithMaxTokenAge")
}

// AuthenticateJWT hands the options that shape an HTTP call to the API call
// it falls back to.
func TestAuthenticateJWTFallbackTakesCallOptions(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	var traced atomic.Int32
	trace := func(next http.RoundTripper) http.RoundTripper {
		return roundTrip(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/sessions/authenticate") && r.Header.Get("X-Trace") == "t-1" {
				traced.Add(1)
			}
			return next.RoundTrip(r)
		})
	}
	c := consumerClient(t, srv, stytch.WithMiddleware(trace))
	defer c.Close()
	jwt := signIn(t, srv, c, "ada@example.com", nil).SessionJWT
	var meta stytch.Response
	// A JWT issued just now is older than a nanosecond, so the API settles it.
	res, err := c.Sessions.AuthenticateJWT(t.Context(), jwt, stytch.WithMaxTokenAge(time.Nanosecond),
		stytch.WithHeader("X-Trace", "t-1"), stytch.WithResponseInto(&meta))
	require.NoError(t, err)
	require.Equal(t, stytch.AuthenticatedByAPI, res.Source)
	require.EqualValues(t, 1, traced.Load())
	require.Equal(t, 200, meta.StatusCode)
	require.Equal(t, 1, meta.Attempts)
}
