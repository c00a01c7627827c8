package stytchtest

import (
	"context"
	"strings"

	"github.com/gostytch/stytch/consumer"
)

// The consumer Users endpoints that remove one authentication factor, or
// the external ID, from a user. Each finds the user owning the ID and
// answers that user without the factor; an ID no user owns gets the
// factor's not-found error (the types of Stytch's 404 page or catalog).
//
// Factors kept on the user itself (webauthn registrations, biometric
// registrations, crypto wallets, the password) are removed from it; a
// family that keeps more state for them (as totps.go keeps secrets and
// webauthn.go credentials) must drop it here too. The emulator creates no
// biometric registrations or crypto wallets yet, so today their deletes
// answer the not-found error for every ID, which is what Stytch answers for
// an ID it does not hold.
//
// Unconfirmed: whether Stytch refuses to delete a user's last email or
// phone number (the catalog has cannot_delete_last_primary_factor, without
// saying for which endpoints); the emulator allows it. Sessions that were
// started with a deleted factor stay live (unconfirmed as well).

// factorOwner returns the user for whom has reports true, or nil.
func (c *consumerState) factorOwner(has func(*consumer.User) bool) *consumer.User {
	for _, u := range c.users {
		if has(u) {
			return u
		}
	}
	return nil
}

// userByIDOrExternal resolves a user_id path parameter, which may also be
// the user's external_id.
func (c *consumerState) userByIDOrExternal(id string) (*consumer.User, error) {
	if u, ok := c.users[id]; ok {
		return u, nil
	}
	if u := c.factorOwner(func(u *consumer.User) bool { return u.ExternalID != "" && u.ExternalID == id }); u != nil {
		return u, nil
	}
	return nil, errorf(404, "user_not_found", "User could not be found.")
}

// removeWhere deletes the elements of *list for which match reports true
// and reports whether it deleted any.
func removeWhere[T any](list *[]T, match func(*T) bool) bool {
	kept := (*list)[:0]
	removed := false
	for i := range *list {
		if match(&(*list)[i]) {
			removed = true
			continue
		}
		kept = append(kept, (*list)[i])
	}
	*list = kept
	return removed
}

// forgetEmail frees an address removed from its user: its pending codes
// and links die with it.
func (c *consumerState) forgetEmail(emailID, email string) {
	delete(c.byEmail, strings.ToLower(email))
	delete(c.otps, emailID)
	for token, l := range c.links {
		if l.orgID == "" && l.emailID == emailID {
			delete(c.links, token)
		}
	}
}

// forgetPhone frees a phone number removed from its user, with its codes.
func (c *consumerState) forgetPhone(phoneID, phone string) {
	delete(c.byPhone, phone)
	delete(c.otps, phoneID)
}

func (e consumerAPI) UsersDeleteEmail(_ context.Context, p *consumer.UsersDeleteEmailParams) (*consumer.UsersDeleteEmailResponse, error) {
	c := e.consumer
	var email string
	u := c.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.Emails, func(em *consumer.Email) bool {
			if em.EmailID == p.EmailID {
				email = em.Email
				return true
			}
			return false
		})
	})
	if u == nil {
		// Stytch's 404 page: "…associated with the supplied email or email_id."
		return nil, errorf(404, "email_not_found", "Email could not be found.")
	}
	c.forgetEmail(p.EmailID, email)
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteEmailResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeletePhoneNumber(_ context.Context, p *consumer.UsersDeletePhoneNumberParams) (*consumer.UsersDeletePhoneNumberResponse, error) {
	c := e.consumer
	var phone string
	u := c.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.PhoneNumbers, func(ph *consumer.PhoneNumber) bool {
			if ph.PhoneID == p.PhoneID {
				phone = ph.PhoneNumber
				return true
			}
			return false
		})
	})
	if u == nil {
		return nil, errorf(404, "phone_number_not_found", "Phone number could not be found.")
	}
	c.forgetPhone(p.PhoneID, phone)
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeletePhoneNumberResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteTOTP(_ context.Context, p *consumer.UsersDeleteTOTPParams) (*consumer.UsersDeleteTOTPResponse, error) {
	c := e.consumer
	u := c.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.TOTPs, func(t *consumer.TOTP) bool { return t.TOTPID == p.TOTPID })
	})
	if u == nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(404, "totp_not_found", "TOTP could not be found.")
	}
	delete(c.totps, p.TOTPID)
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteTOTPResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteOAuthRegistration(_ context.Context, p *consumer.UsersDeleteOAuthRegistrationParams) (*consumer.UsersDeleteOAuthRegistrationResponse, error) {
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.Providers, func(pr *consumer.OAuthProvider) bool {
			return pr.OAuthUserRegistrationID == p.OAuthUserRegistrationID
		})
	})
	if u == nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(404, "oauth_user_registration_not_found", "OAuth user registration could not be found.")
	}
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteOAuthRegistrationResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteWebAuthnRegistration(_ context.Context, p *consumer.UsersDeleteWebAuthnRegistrationParams) (*consumer.UsersDeleteWebAuthnRegistrationResponse, error) {
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.WebAuthnRegistrations, func(w *consumer.WebAuthnRegistration) bool {
			return w.WebAuthnRegistrationID == p.WebAuthnRegistrationID
		})
	})
	if u == nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(404, "webauthn_registration_not_found", "WebAuthn registration could not be found.")
	}
	delete(e.consumer.webauthn.regs, p.WebAuthnRegistrationID)
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteWebAuthnRegistrationResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteBiometricRegistration(_ context.Context, p *consumer.UsersDeleteBiometricRegistrationParams) (*consumer.UsersDeleteBiometricRegistrationResponse, error) {
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.BiometricRegistrations, func(b *consumer.BiometricRegistration) bool {
			return b.BiometricRegistrationID == p.BiometricRegistrationID
		})
	})
	if u == nil {
		// Stytch's 404 page.
		return nil, errorf(404, "biometric_registration_not_found", "Biometric registration could not be found.")
	}
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteBiometricRegistrationResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteCryptoWallet(_ context.Context, p *consumer.UsersDeleteCryptoWalletParams) (*consumer.UsersDeleteCryptoWalletResponse, error) {
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		return removeWhere(&u.CryptoWallets, func(w *consumer.CryptoWallet) bool { return w.CryptoWalletID == p.CryptoWalletID })
	})
	if u == nil {
		// Stytch's 404 page.
		return nil, errorf(404, "crypto_wallet_not_found", "Crypto wallet could not be found.")
	}
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteCryptoWalletResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeletePassword(_ context.Context, p *consumer.UsersDeletePasswordParams) (*consumer.UsersDeletePasswordResponse, error) {
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		return u.Password != nil && u.Password.PasswordID == p.PasswordID
	})
	if u == nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(404, "password_not_found", "Password could not be found.")
	}
	u.Password = nil
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeletePasswordResponse{UserID: u.UserID, User: *u}, nil
}

func (e consumerAPI) UsersDeleteExternalID(_ context.Context, p *consumer.UsersDeleteExternalIDParams) (*consumer.UsersDeleteExternalIDResponse, error) {
	u, err := e.consumer.userByIDOrExternal(p.UserID)
	if err != nil {
		return nil, err
	}
	// Unconfirmed: deleting an external ID the user does not have succeeds.
	u.ExternalID = ""
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersDeleteExternalIDResponse{UserID: u.UserID, User: *u}, nil
}
