package stytchhttp

import (
	"context"
	"errors"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// ConsumerSession is what the consumer middleware puts in a request's
// context.
type ConsumerSession struct {
	// Session is the user's session: its ID, the user's ID, roles,
	// authentication factors and custom claims (read them typed with
	// consumer.CustomClaims(&s.Session)).
	consumer.Session
	// Source says whether the session was verified locally or by the API.
	Source stytch.AuthSource
	// User is the user, when the API answered (an opaque session token, or
	// a JWT local verification could not settle); nil otherwise.
	User *consumer.User
}

// MemberSession is what the B2B middleware puts in a request's context.
type MemberSession struct {
	// MemberSession is the member's session: its ID, the member's and
	// organization's IDs, the organization's slug, roles, authentication
	// factors and custom claims (read them typed with
	// b2b.CustomClaims(&s.MemberSession)).
	b2b.MemberSession
	// Source says whether the session was verified locally or by the API.
	Source stytch.AuthSource
	// Member and Organization are filled when the API answered; nil when
	// the JWT was verified locally.
	Member       *b2b.Member
	Organization *b2b.Organization
}

// ConsumerSessionFrom returns the session the consumer middleware put in
// ctx, if any.
func ConsumerSessionFrom(ctx context.Context) (*ConsumerSession, bool) {
	return sessionFrom[ConsumerSession](ctx)
}

// MemberSessionFrom returns the member session the B2B middleware put in
// ctx, if any.
func MemberSessionFrom(ctx context.Context) (*MemberSession, bool) {
	return sessionFrom[MemberSession](ctx)
}

// NewConsumer returns the middleware of a consumer client's sessions. The
// client is used as it is: its leeway, key cache and verified-token cache
// apply. An option that cannot apply is an error.
func NewConsumer(client *consumer.Client, opts ...Option) (*Middleware[ConsumerSession], error) {
	if client == nil {
		return nil, errors.New("stytchhttp: NewConsumer was given a nil client")
	}
	cfg, err := newSettings(opts, false)
	if err != nil {
		return nil, err
	}
	return &Middleware[ConsumerSession]{surf: consumerSurface{client}, cfg: cfg}, nil
}

// NewB2B returns the middleware of a B2B client's member sessions. An
// option that cannot apply is an error.
func NewB2B(client *b2b.Client, opts ...Option) (*Middleware[MemberSession], error) {
	if client == nil {
		return nil, errors.New("stytchhttp: NewB2B was given a nil client")
	}
	cfg, err := newSettings(opts, true)
	if err != nil {
		return nil, err
	}
	return &Middleware[MemberSession]{surf: b2bSurface{client}, cfg: cfg, b2b: true}, nil
}

type consumerSurface struct{ c *consumer.Client }

func withCheck(opts []stytch.Option, check *stytch.AuthorizationCheck) []stytch.Option {
	if check == nil {
		return opts
	}
	return append(opts[:len(opts):len(opts)], stytch.WithAuthorizationCheck(*check))
}

func (s consumerSurface) fromJWT(ctx context.Context, jwt string, check *stytch.AuthorizationCheck, opts []stytch.Option) (*ConsumerSession, error) {
	res, err := s.c.Sessions.AuthenticateJWT(ctx, jwt, withCheck(opts, check)...)
	if err != nil {
		return nil, err
	}
	out := &ConsumerSession{Session: res.Session, Source: res.Source}
	if res.Response != nil {
		out.User = &res.Response.User
	}
	return out, nil
}

func (s consumerSurface) fromToken(ctx context.Context, token string, check *stytch.AuthorizationCheck) (*ConsumerSession, error) {
	params := &consumer.SessionsAuthenticateParams{SessionToken: &token}
	if check != nil {
		params.AuthorizationCheck = &consumer.AuthorizationCheckRequest{ResourceID: check.ResourceID, Action: check.Action}
	}
	resp, err := s.c.Sessions.Authenticate(ctx, params)
	if err != nil {
		return nil, err
	}
	return &ConsumerSession{Session: resp.Session, Source: stytch.AuthenticatedByAPI, User: &resp.User}, nil
}

func (consumerSurface) organizationID(*ConsumerSession) string { return "" }

type b2bSurface struct{ c *b2b.Client }

func (s b2bSurface) fromJWT(ctx context.Context, jwt string, check *stytch.AuthorizationCheck, opts []stytch.Option) (*MemberSession, error) {
	res, err := s.c.Sessions.AuthenticateJWT(ctx, jwt, withCheck(opts, check)...)
	if err != nil {
		return nil, err
	}
	out := &MemberSession{MemberSession: res.MemberSession, Source: res.Source}
	if res.Response != nil {
		out.Member, out.Organization = &res.Response.Member, &res.Response.Organization
	}
	return out, nil
}

func (s b2bSurface) fromToken(ctx context.Context, token string, check *stytch.AuthorizationCheck) (*MemberSession, error) {
	params := &b2b.SessionsAuthenticateParams{SessionToken: &token}
	if check != nil {
		params.AuthorizationCheck = &b2b.AuthorizationCheckRequest{OrganizationID: check.OrganizationID, ResourceID: check.ResourceID, Action: check.Action}
	}
	resp, err := s.c.Sessions.Authenticate(ctx, params)
	if err != nil {
		return nil, err
	}
	return &MemberSession{MemberSession: resp.MemberSession, Source: stytch.AuthenticatedByAPI, Member: &resp.Member, Organization: &resp.Organization}, nil
}

func (b2bSurface) organizationID(s *MemberSession) string { return s.OrganizationID }
