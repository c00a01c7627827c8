package stytchhttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchhttp"
	"github.com/gostytch/stytch/stytchtest"
)

var ctx = context.Background()

// clock is an emulator clock a test can move.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *clock) Set(off time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off = off
}

// calls counts the requests a client sends to Stytch.
type calls struct{ n atomic.Int32 }

func (c *calls) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		c.n.Add(1)
		return next.RoundTrip(r)
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// signIn signs email in with a magic link and returns the API's answer.
func signIn(t testing.TB, srv *stytchtest.Server, c *consumer.Client, email string, minutes int) *consumer.MagicLinksAuthenticateResponse {
	t.Helper()
	_, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: email})
	require.NoError(t, err)
	msg, ok := srv.LastMessage(email)
	require.True(t, ok)
	auth, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{
		Token: msg.Token, SessionDurationMinutes: stytch.Ptr(minutes), SessionCustomClaims: map[string]any{"plan": "pro"},
	})
	require.NoError(t, err)
	return auth
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func get(t *testing.T, h http.Handler, path string, with func(*http.Request)) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if with != nil {
		with(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	a := answer{status: w.Code, header: w.Header()}
	_ = json.Unmarshal(w.Body.Bytes(), &a.body)
	return a
}

func cookie(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func bearer(v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+v) }
}

// whoami answers with what the middleware put in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if s, ok := stytchhttp.ConsumerSessionFrom(r.Context()); ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"user_id": s.UserID, "source": s.Source, "api_user": s.User != nil})
		return
	}
	if s, ok := stytchhttp.MemberSessionFrom(r.Context()); ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"member_id": s.MemberID, "organization_id": s.OrganizationID, "source": s.Source})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"anonymous": true})
})

func TestConsumerRequireSession(t *testing.T) {
	t.Parallel()
	// The emulator's clock runs behind, so that the JWTs it issues have
	// expired by the SDK's clock while their sessions live.
	lag := &clock{}
	srv := stytchtest.NewServer(stytchtest.WithClock(lag.Now))
	t.Cleanup(srv.Close)
	api := srv.ConsumerClient()
	var n calls
	client, err := srv.NewConsumerClient(stytch.WithMiddleware(n.middleware))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	auth, err := stytchhttp.NewConsumer(client, stytchhttp.WithSources(
		stytchhttp.JWTCookie(stytchhttp.DefaultJWTCookie), stytchhttp.BearerJWT(), stytchhttp.SessionTokenCookie(stytchhttp.DefaultSessionCookie)))
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.RequireSession(whoami))

	live := signIn(t, srv, api, "ada@example.com", 60)

	t.Run("no credential", func(t *testing.T) {
		a := get(t, mux, "/me", nil)
		require.Equal(t, 401, a.status)
		require.Equal(t, `Bearer realm="stytch"`, a.header.Get("WWW-Authenticate"))
		require.Equal(t, "application/json", a.header.Get("Content-Type"))
		require.Equal(t, "missing_credential", a.body["error"])
	})
	t.Run("magic-link session, cookie and bearer", func(t *testing.T) {
		a := get(t, mux, "/me", cookie("stytch_session_jwt", live.SessionJWT))
		require.Equal(t, 200, a.status)
		require.Equal(t, live.UserID, a.body["user_id"])
		require.Equal(t, "local", a.body["source"])
		before := n.n.Load()
		a = get(t, mux, "/me", bearer(live.SessionJWT))
		require.Equal(t, 200, a.status)
		require.Equal(t, live.UserID, a.body["user_id"])
		require.Equal(t, before, n.n.Load(), "a cached token costs no call")
	})
	t.Run("opaque session token", func(t *testing.T) {
		a := get(t, mux, "/me", cookie("stytch_session", live.SessionToken))
		require.Equal(t, 200, a.status)
		require.Equal(t, "api", a.body["source"])
		require.Equal(t, true, a.body["api_user"])
	})
	t.Run("forged", func(t *testing.T) {
		parts := strings.Split(live.SessionJWT, ".")
		forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
		before := n.n.Load()
		a := get(t, mux, "/me", cookie("stytch_session_jwt", forged))
		require.Equal(t, 401, a.status)
		require.Equal(t, `Bearer realm="stytch", error="invalid_token"`, a.header.Get("WWW-Authenticate"))
		require.Equal(t, "invalid_session", a.body["error"])
		require.NotContains(t, a.body["error_description"], forged)
		require.Equal(t, before, n.n.Load(), "a forged token is refused without asking Stytch")
		a = get(t, mux, "/me", bearer("not-a-jwt"))
		require.Equal(t, 401, a.status)
	})

	// Issued ten minutes ago by the emulator's clock: expired locally.
	lag.Set(-10 * time.Minute)
	old := signIn(t, srv, api, "old@example.com", 60)
	short := signIn(t, srv, api, "short@example.com", 6)
	revoked := signIn(t, srv, api, "revoked@example.com", 60)
	lag.Set(0)
	_, err = api.Sessions.Revoke(ctx, &consumer.SessionsRevokeParams{SessionID: &revoked.Session.SessionID})
	require.NoError(t, err)

	t.Run("expired JWT of a live session", func(t *testing.T) {
		a := get(t, mux, "/me", cookie("stytch_session_jwt", old.SessionJWT))
		require.Equal(t, 200, a.status, a.body)
		require.Equal(t, "api", a.body["source"], "the API settles an expired JWT")
		require.Equal(t, old.UserID, a.body["user_id"])
	})
	t.Run("expired session", func(t *testing.T) {
		a := get(t, mux, "/me", cookie("stytch_session_jwt", short.SessionJWT))
		require.Equal(t, 401, a.status)
		require.Equal(t, "invalid_session", a.body["error"])
		a = get(t, mux, "/me", cookie("stytch_session", short.SessionToken))
		require.Equal(t, 401, a.status)
	})
	t.Run("revoked session", func(t *testing.T) {
		a := get(t, mux, "/me", cookie("stytch_session_jwt", revoked.SessionJWT))
		require.Equal(t, 401, a.status)
		a = get(t, mux, "/me", cookie("stytch_session", revoked.SessionToken))
		require.Equal(t, 401, a.status)
	})
}

// A session JWT is not revoked with its session; WithMaxTokenAge bounds how
// long a revoked session's JWT is still trusted locally.
func TestConsumerMaxTokenAgeCatchesRevocation(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	t.Cleanup(srv.Close)
	api := srv.ConsumerClient()
	client := srv.ConsumerClient()
	s := signIn(t, srv, api, "ada@example.com", 60)
	loose, err := stytchhttp.NewConsumer(client)
	require.NoError(t, err)
	strict, err := stytchhttp.NewConsumer(client, stytchhttp.WithAuthOptions(stytch.WithMaxTokenAge(time.Second)))
	require.NoError(t, err)
	_, err = api.Sessions.Revoke(ctx, &consumer.SessionsRevokeParams{SessionID: &s.Session.SessionID})
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)

	require.Equal(t, 200, get(t, loose.RequireSession(whoami), "/", cookie("stytch_session_jwt", s.SessionJWT)).status,
		"without a maximum age, a revoked session's JWT passes until it expires")
	require.Equal(t, 401, get(t, strict.RequireSession(whoami), "/", cookie("stytch_session_jwt", s.SessionJWT)).status)
}

func TestConsumerRequirePermission(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{
		{RoleID: "stytch_user", Description: "everyone", Permissions: []consumer.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"read"}}}},
	}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{}})
	client := srv.ConsumerClient()
	s := signIn(t, srv, client, "ada@example.com", 60)
	auth, err := stytchhttp.NewConsumer(client)
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.Handle("GET /documents", auth.RequirePermission("documents", "read")(whoami))
	mux.Handle("DELETE /documents", auth.RequirePermission("documents", "delete")(whoami))
	// Composed: Authenticate once, then the checks reuse its session.
	var chain func(http.Handler) http.Handler = auth.Authenticate
	mux.Handle("GET /chained", chain(auth.RequireSession(auth.RequirePermission("documents", "read")(whoami))))
	mux.Handle("GET /optional", auth.Authenticate(whoami))

	require.Equal(t, 200, get(t, mux, "/documents", cookie("stytch_session_jwt", s.SessionJWT)).status)
	require.Equal(t, 200, get(t, mux, "/chained", cookie("stytch_session_jwt", s.SessionJWT)).status)
	require.Equal(t, 401, get(t, mux, "/documents", nil).status)

	r := httptest.NewRequest(http.MethodDelete, "/documents", nil)
	r.AddCookie(&http.Cookie{Name: "stytch_session_jwt", Value: s.SessionJWT})
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	require.Equal(t, 403, w.Code)
	require.Equal(t, `Bearer realm="stytch", error="insufficient_scope"`, w.Header().Get("WWW-Authenticate"))
	require.Contains(t, w.Body.String(), `"permission_denied"`)

	a := get(t, mux, "/optional", nil)
	require.Equal(t, 200, a.status)
	require.Equal(t, true, a.body["anonymous"])
	a = get(t, mux, "/optional", cookie("stytch_session_jwt", "forged"))
	require.Equal(t, true, a.body["anonymous"])
	a = get(t, mux, "/optional", cookie("stytch_session_jwt", s.SessionJWT))
	require.Equal(t, s.UserID, a.body["user_id"])
}

func TestB2BTenancyAndPermissions(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	t.Cleanup(srv.Close)
	client := srv.B2BClient()
	acme := newOrg(t, client, "Acme")
	other := newOrg(t, client, "Other")
	login := b2bSignIn(t, srv, client, acme, "ada@acme.example")
	auth, err := stytchhttp.NewB2B(client)
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{organization_id}/me", auth.RequireSession(whoami))
	mux.Handle("GET /orgs/{organization_id}/settings", auth.RequirePermission("stytch.organization", "update")(whoami))
	mux.Handle("GET /orgs/{organization_id}/self", auth.RequirePermission("stytch.self", "update")(whoami))
	mux.Handle("GET /self", auth.RequirePermission("stytch.self", "update")(whoami))
	jwt := cookie("stytch_session_jwt", login.SessionJWT)

	a := get(t, mux, "/orgs/"+acme+"/me", jwt)
	require.Equal(t, 200, a.status)
	require.Equal(t, login.MemberID, a.body["member_id"])
	require.Equal(t, acme, a.body["organization_id"])

	a = get(t, mux, "/orgs/"+other+"/me", jwt)
	require.Equal(t, 403, a.status, "a member of Acme may not use Other's routes")
	require.Equal(t, "wrong_organization", a.body["error"])
	require.Equal(t, 403, get(t, mux, "/orgs/"+other+"/self", jwt).status)

	require.Equal(t, 200, get(t, mux, "/orgs/"+acme+"/self", jwt).status)
	require.Equal(t, 200, get(t, mux, "/self", jwt).status, "no organization in the route: the member's own")
	a = get(t, mux, "/orgs/"+acme+"/settings", jwt)
	require.Equal(t, 403, a.status, "stytch_member does not grant stytch.organization")
	require.Equal(t, "permission_denied", a.body["error"])
	require.Equal(t, 401, get(t, mux, "/orgs/"+acme+"/me", nil).status)

	// The organization can come from elsewhere than the path.
	byHeader, err := stytchhttp.NewB2B(client, stytchhttp.WithOrganizationID(func(r *http.Request) string { return r.Header.Get("X-Org") }))
	require.NoError(t, err)
	h := byHeader.RequireSession(whoami)
	require.Equal(t, 403, get(t, h, "/", func(r *http.Request) { jwt(r); r.Header.Set("X-Org", other) }).status)
	require.Equal(t, 200, get(t, h, "/", func(r *http.Request) { jwt(r); r.Header.Set("X-Org", acme) }).status)

	// The opaque token goes through the API, tenancy included.
	tok, err := stytchhttp.NewB2B(client, stytchhttp.WithSources(stytchhttp.SessionTokenCookie("stytch_session")))
	require.NoError(t, err)
	tm := http.NewServeMux()
	tm.Handle("GET /orgs/{organization_id}/self", tok.RequirePermission("stytch.self", "update")(whoami))
	opaque := cookie("stytch_session", login.SessionToken)
	require.Equal(t, 200, get(t, tm, "/orgs/"+acme+"/self", opaque).status)
	require.Equal(t, 403, get(t, tm, "/orgs/"+other+"/self", opaque).status)
}

func TestOptionsRefused(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.ConsumerClient()
	for name, opt := range map[string]stytchhttp.Option{
		"no source":        stytchhttp.WithSources(),
		"empty cookie":     stytchhttp.WithSources(stytchhttp.JWTCookie("")),
		"a check":          stytchhttp.WithAuthOptions(stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{ResourceID: "a", Action: "b"})),
		"a timeout":        stytchhttp.WithAuthOptions(stytch.WithTimeout(time.Second)),
		"a bad age":        stytchhttp.WithAuthOptions(stytch.WithMaxTokenAge(-1)),
		"an organization":  stytchhttp.WithOrganizationID(func(*http.Request) string { return "" }),
		"a nil error func": stytchhttp.WithErrorHandler(nil),
	} {
		_, err := stytchhttp.NewConsumer(c, opt)
		require.Error(t, err, name)
	}
	_, err := stytchhttp.NewB2B(nil)
	require.Error(t, err)
	_, err = stytchhttp.NewB2B(srv.B2BClient(), stytchhttp.WithOrganizationID(func(*http.Request) string { return "" }))
	require.NoError(t, err)
}

// Stytch unreachable is not the user's fault: 503, not 401.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	c, err := srv.NewConsumerClient(stytch.WithMaxRetries(0))
	require.NoError(t, err)
	s := signIn(t, srv, c, "ada@example.com", 60)
	srv.Close()
	auth, err := stytchhttp.NewConsumer(c, stytchhttp.WithSources(stytchhttp.SessionTokenCookie("stytch_session")))
	require.NoError(t, err)
	var got *stytchhttp.Error
	custom, err := stytchhttp.NewConsumer(c, stytchhttp.WithSources(stytchhttp.SessionTokenCookie("stytch_session")),
		stytchhttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, e *stytchhttp.Error) {
			got = e
			w.WriteHeader(e.Status)
		}))
	require.NoError(t, err)
	a := get(t, auth.RequireSession(whoami), "/", cookie("stytch_session", s.SessionToken))
	require.Equal(t, 503, a.status)
	require.Equal(t, "unavailable", a.body["error"])
	_ = get(t, custom.RequireSession(whoami), "/", cookie("stytch_session", s.SessionToken))
	require.NotNil(t, got)
	require.Equal(t, 503, got.Status)
}

func newOrg(t testing.TB, c *b2b.Client, name string) string {
	t.Helper()
	resp, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: name})
	require.NoError(t, err)
	return resp.Organization.OrganizationID
}

func b2bSignIn(t testing.TB, srv *stytchtest.Server, c *b2b.Client, orgID, email string) *b2b.MagicLinksAuthenticateResponse {
	t.Helper()
	_, err := c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: orgID, EmailAddress: email})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: orgID, EmailAddress: email})
	require.NoError(t, err)
	msg, ok := srv.LastMessage(email)
	require.True(t, ok)
	resp, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token})
	require.NoError(t, err)
	return resp
}

// The middleware reads cookies as net/http does.
func TestCookieParsing(t *testing.T) {
	t.Parallel()
	srv := stytchtest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.ConsumerClient()
	s := signIn(t, srv, c, "ada@example.com", 60)
	auth, err := stytchhttp.NewConsumer(c)
	require.NoError(t, err)
	h := auth.RequireSession(whoami)
	for name, header := range map[string][]string{
		"among others": {"a=1; stytch_session_jwt=" + s.SessionJWT + "; b=2"},
		"quoted":       {`stytch_session_jwt="` + s.SessionJWT + `"`},
		"second line":  {"a=1", "stytch_session_jwt=" + s.SessionJWT},
		"no spaces":    {"a=1;stytch_session_jwt=" + s.SessionJWT},
	} {
		a := get(t, h, "/", func(r *http.Request) { r.Header["Cookie"] = header })
		require.Equal(t, 200, a.status, name)
	}
	for name, header := range map[string][]string{
		"prefix of the name": {"xstytch_session_jwt=" + s.SessionJWT},
		"empty":              {"stytch_session_jwt="},
		"no value":           {"stytch_session_jwt"},
	} {
		a := get(t, h, "/", func(r *http.Request) { r.Header["Cookie"] = header })
		require.Equal(t, 401, a.status, name)
		require.Equal(t, "missing_credential", a.body["error"], name)
	}
}

// A session another project's middleware put in the context is not
// trusted by this one.
func TestSessionOfAnotherMiddlewareNotReused(t *testing.T) {
	t.Parallel()
	a, b := stytchtest.NewServer(), stytchtest.NewServer(stytchtest.WithCredentials("project-test-00000000-0000-4000-8000-0000000000bb", stytchtest.DefaultSecret))
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	ca, cb := a.ConsumerClient(), b.ConsumerClient()
	s := signIn(t, a, ca, "ada@example.com", 60)
	authA, err := stytchhttp.NewConsumer(ca)
	require.NoError(t, err)
	authB, err := stytchhttp.NewConsumer(cb)
	require.NoError(t, err)
	h := authA.Authenticate(authB.RequireSession(whoami))
	require.Equal(t, 401, get(t, h, "/", cookie("stytch_session_jwt", s.SessionJWT)).status)
	require.Equal(t, 200, get(t, authA.Authenticate(authA.RequireSession(whoami)), "/", cookie("stytch_session_jwt", s.SessionJWT)).status)
}
