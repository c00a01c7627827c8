package stytchtest

import (
	"context"
	"errors"
	"time"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// Impersonation: a Stytch Dashboard team member mints an impersonation
// token for a user or member (ImpersonateUser, ImpersonateMember play the
// dashboard), and Impersonation.Authenticate exchanges it once, within 5
// minutes, for a 60-minute session whose factor is impersonated, naming the
// impersonator. Both figures are Stytch's.
//
// Unconfirmed: the error types; that a B2B impersonation skips the
// organization's MFA (Stytch's response can carry an intermediate session
// instead; the emulator always starts the session).

const (
	impersonationTokenLifetime = 5 * time.Minute
	impersonationSessionMin    = 60
)

// Impersonator is the Dashboard team member who impersonates.
type Impersonator struct {
	// ID is the team member's ID; a new member-test-… ID when empty.
	ID string `json:"impersonator_id"`
	// EmailAddress is the team member's email; support@example.com when empty.
	EmailAddress string `json:"impersonator_email_address"`
}

type impersonationGrant struct {
	userID, memberID string // one of them
	by               Impersonator
	expires          time.Time
	used             bool
}

// ImpersonateUser mints a token to impersonate a consumer user, as the
// dashboard's Impersonate User button does; Impersonation.Authenticate on
// the consumer surface accepts it once, for 5 minutes.
func (e *Emulator) ImpersonateUser(userID string, by Impersonator) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.consumer.users[userID]; !ok {
		return "", errors.New("stytchtest: no user has this ID")
	}
	return e.impersonate(&impersonationGrant{userID: userID, by: by}), nil
}

// ImpersonateMember mints a token to impersonate a B2B member, as the
// dashboard's Impersonate Member button does; Impersonation.Authenticate on
// the B2B surface accepts it once, for 5 minutes.
func (e *Emulator) ImpersonateMember(memberID string, by Impersonator) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if bm, ok := e.b2b.members[memberID]; !ok || bm.m.Status == b2bDeleted {
		return "", errors.New("stytchtest: no member has this ID")
	}
	return e.impersonate(&impersonationGrant{memberID: memberID, by: by}), nil
}

// impersonate records g and returns its token; e.mu is held.
func (e *Emulator) impersonate(g *impersonationGrant) string {
	if g.by.ID == "" {
		g.by.ID = newID("member")
	}
	if g.by.EmailAddress == "" {
		g.by.EmailAddress = "support@example.com"
	}
	g.expires = e.now().Add(impersonationTokenLifetime)
	token := newLinkToken()
	e.extras().impersonations[token] = g
	return token
}

// consumeImpersonation checks an impersonation token of one surface and
// uses it up.
func (e *Emulator) consumeImpersonation(token string, b2bFlow bool) (*impersonationGrant, error) {
	g, ok := e.extras().impersonations[token]
	switch {
	case !ok || (g.memberID != "") != b2bFlow:
		return nil, errorf(404, "impersonation_token_not_found", "Impersonation token could not be found.")
	case g.used || !e.now().Before(g.expires):
		return nil, errorf(401, "unable_to_auth_impersonation_token", "The impersonation token was already used or has expired.")
	}
	g.used = true
	return g, nil
}

func (e consumerAPI) ImpersonationAuthenticate(_ context.Context, p *consumer.ImpersonationAuthenticateParams) (*consumer.ImpersonationAuthenticateResponse, error) {
	g, err := e.consumeImpersonation(p.ImpersonationToken, false)
	if err != nil {
		return nil, err
	}
	u, err := e.consumer.user(g.userID)
	if err != nil {
		return nil, err
	}
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeImpersonated, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodImpersonation,
		ImpersonatedFactor: &consumer.ImpersonatedFactor{ImpersonatorID: g.by.ID, ImpersonatorEmailAddress: g.by.EmailAddress},
	}
	minutes := impersonationSessionMin
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, nil, nil, &minutes, nil, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.ImpersonationAuthenticateResponse{UserID: u.UserID, User: *u, SessionToken: token, SessionJWT: jwtStr, Session: s}, nil
}

func (e b2bAPI) ImpersonationAuthenticate(_ context.Context, p *b2b.ImpersonationAuthenticateParams) (*b2b.ImpersonationAuthenticateResponse, error) {
	g, err := e.consumeImpersonation(p.ImpersonationToken, true)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.members[g.memberID]
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	o := e.b2b.orgs[bm.m.OrganizationID]
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeImpersonated, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodImpersonation,
		ImpersonatedFactor: &b2b.ImpersonatedFactor{ImpersonatorID: g.by.ID, ImpersonatorEmailAddress: g.by.EmailAddress},
	}
	minutes := impersonationSessionMin
	out := e.b2bSession(bm, []b2b.AuthenticationFactor{factor}, nil, &minutes, nil)
	return &b2b.ImpersonationAuthenticateResponse{
		MemberID: bm.m.MemberID, OrganizationID: o.OrganizationID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberAuthenticated: true, MemberSession: out.session,
	}, nil
}
