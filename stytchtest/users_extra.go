package stytchtest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gostytch/stytch/consumer"
)

// Two consumer calls that change who a user is reached by:
// Users.ExchangePrimaryFactor swaps a user's only email address or phone
// number for another, and OAuth.Attach hands out a token that makes the next
// OAuth flow with a provider (OAuthCallback, oauth.go) sign in that user
// instead of signing up whoever the provider names.

// UsersExchangePrimaryFactor replaces the user's one factor. Unconfirmed:
// which factors count toward "exactly one" (the emulator counts email
// addresses and phone numbers), the error type when there are more, and
// that the new factor starts unverified.
func (e consumerAPI) UsersExchangePrimaryFactor(_ context.Context, p *consumer.UsersExchangePrimaryFactorParams) (*consumer.UsersExchangePrimaryFactorResponse, error) {
	c := e.consumer
	u, err := c.userByIDOrExternal(p.UserID)
	if err != nil {
		return nil, err
	}
	email, phone := deref(p.EmailAddress), deref(p.PhoneNumber)
	if (email == "") == (phone == "") {
		return nil, errorf(400, errorTypeBadRequest, "Pass exactly one of email_address and phone_number.")
	}
	if len(u.Emails)+len(u.PhoneNumbers) != 1 {
		return nil, errorf(400, "user_has_multiple_factors", "Exchange primary factor works only for a user with exactly one email address or phone number.")
	}
	if email != "" {
		if err := checkEmail(email); err != nil {
			return nil, err
		}
		if id, taken := c.byEmail[strings.ToLower(email)]; taken && id != u.UserID {
			return nil, errorf(400, "duplicate_email", "A user with this email already exists.")
		}
	} else {
		if err := checkPhone(phone); err != nil {
			return nil, err
		}
		if id, taken := c.byPhone[phone]; taken && id != u.UserID {
			return nil, errorf(400, "duplicate_phone_number", "A user with this phone number already exists.")
		}
	}
	for _, em := range u.Emails {
		c.forgetEmail(em.EmailID, em.Email)
	}
	for _, ph := range u.PhoneNumbers {
		c.forgetPhone(ph.PhoneID, ph.PhoneNumber)
	}
	u.Emails, u.PhoneNumbers = []consumer.Email{}, []consumer.PhoneNumber{}
	if email != "" {
		u.Emails = append(u.Emails, consumer.Email{EmailID: newID("email"), Email: email})
		c.byEmail[strings.ToLower(email)] = u.UserID
	} else {
		u.PhoneNumbers = append(u.PhoneNumbers, consumer.PhoneNumber{PhoneID: newID("phone-number"), PhoneNumber: phone})
		c.byPhone[phone] = u.UserID
	}
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersExchangePrimaryFactorResponse{UserID: u.UserID, User: *u}, nil
}

// attachTokenLifetime is how long an oauth_attach_token waits for its OAuth
// flow. Unconfirmed: Stytch documents no figure; the OAuth token's.
const attachTokenLifetime = oauthTokenLifetime

type attachGrant struct {
	userID, provider string
	expires          time.Time
	used             bool
}

func (e consumerAPI) OAuthAttach(_ context.Context, p *consumer.OAuthAttachParams) (*consumer.OAuthAttachResponse, error) {
	if !contains(consumerOAuthProviders(), p.Provider) {
		return nil, errorf(400, "invalid_oauth_provider", "%q is not an OAuth provider of the consumer API.", p.Provider) // unconfirmed type
	}
	u, err := e.authorizingUser(p.UserID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	token := newLinkToken()
	e.extras().attaches[token] = &attachGrant{userID: u.UserID, provider: p.Provider, expires: e.now().Add(attachTokenLifetime)}
	return &consumer.OAuthAttachResponse{OAuthAttachToken: token}, nil
}

func consumerOAuthProviders() []string {
	out := make([]string, len(consumer.OAuthStartProviders))
	for i, p := range consumer.OAuthStartProviders {
		out[i] = string(p)
	}
	return out
}

// consumeAttach uses up the oauth_attach_token of an OAuth start URL for
// provider and returns the user the flow signs in; e.mu is held. Its errors
// are the hook's (OAuthCallback): Stytch would refuse the start URL.
func (e *Emulator) consumeAttach(token, provider string) (string, error) {
	g, ok := e.extras().attaches[token]
	switch {
	case !ok:
		return "", errors.New("stytchtest: the start URL's oauth_attach_token was not issued by OAuth.Attach")
	case g.provider != provider:
		return "", errors.New("stytchtest: the oauth_attach_token was issued for another provider")
	case g.used || !e.now().Before(g.expires):
		return "", errors.New("stytchtest: the oauth_attach_token was already used or has expired")
	}
	if _, ok := e.consumer.users[g.userID]; !ok {
		return "", errors.New("stytchtest: the user of the oauth_attach_token was deleted")
	}
	g.used = true
	return g.userID, nil
}
