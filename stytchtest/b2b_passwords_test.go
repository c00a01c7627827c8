package stytchtest

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

const b2bTestPassword = "correct-Horse-battery-staple-42"

// b2bTestMigrate gives email in org a bcrypt password imported by Migrate.
func b2bTestMigrate(t *testing.T, c *b2b.Client, orgID, email, pw string) *b2b.PasswordsMigrateResponse {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	resp, err := c.Passwords.Migrate(ctx, &b2b.PasswordsMigrateParams{OrganizationID: orgID, EmailAddress: email, Hash: string(h), HashType: b2b.HashTypeBcrypt, Name: stytch.Ptr("Ada")})
	require.NoError(t, err)
	return resp
}

func TestB2BPasswordsMigrateAndAuthenticate(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)

	mig := b2bTestMigrate(t, c, o.OrganizationID, "ada@acme.com", b2bTestPassword)
	require.True(t, mig.MemberCreated)
	require.Equal(t, b2b.MemberStatusActive, mig.Member.Status)
	require.NotEmpty(t, mig.Member.MemberPasswordID)
	require.Equal(t, "Ada", mig.Member.Name)

	_, err := c.Passwords.Migrate(ctx, &b2b.PasswordsMigrateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Hash: "nope", HashType: b2b.HashTypeBcrypt})
	requireAPIError(t, err, 400, "invalid_bcrypt_hash")
	h, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	_, err = c.Passwords.Migrate(ctx, &b2b.PasswordsMigrateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Hash: string(h), HashType: b2b.HashTypeBcrypt})
	requireAPIError(t, err, 400, "password_already_exists")

	auth, err := c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationSlug, EmailAddress: "ADA@acme.com", Password: b2bTestPassword})
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)
	require.Equal(t, mig.MemberID, auth.MemberID)
	require.NotEmpty(t, auth.SessionToken)
	require.NotEmpty(t, auth.SessionJWT)
	require.Empty(t, auth.IntermediateSessionToken)
	require.Len(t, auth.MemberSession.AuthenticationFactors, 1)
	f := auth.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorTypePassword, f.Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodKnowledge, f.DeliveryMethod)
	require.Equal(t, "ada@acme.com", f.EmailFactor.EmailAddress)

	// After the import is rehashed, the password still works.
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: b2bTestPassword})
	require.NoError(t, err)

	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: "wrong-" + b2bTestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "nobody@acme.com", Password: b2bTestPassword})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)

	// A member without a password has none to check.
	b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", nil)
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "bob@acme.com", Password: b2bTestPassword})
	requireAPIError(t, err, 400, "no_user_password")

	// A flagged password must be reset, even when correct.
	_, err = c.Passwords.Email.RequireReset(ctx, &b2b.PasswordsEmailRequireResetParams{EmailAddress: "ada@acme.com", OrganizationID: stytch.Ptr(o.OrganizationID)})
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: b2bTestPassword})
	requireAPIError(t, err, 400, "reset_password")
}

func TestB2BPasswordsMFA(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	b2bTestMigrate(t, c, o.OrganizationID, "ada@strict.com", b2bTestPassword)

	auth, err := c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@strict.com", Password: b2bTestPassword})
	require.NoError(t, err)
	require.False(t, auth.MemberAuthenticated)
	require.Empty(t, auth.SessionToken)
	require.Nil(t, auth.MemberSession)
	require.Len(t, auth.IntermediateSessionToken, 44)
	require.NotNil(t, auth.IntermediateSessionTokenExpiresAt)
	require.NotNil(t, auth.MFARequired)
}

func TestB2BPasswordsEmailReset(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	require.Empty(t, m.MemberPasswordID)

	start, err := c.Passwords.Email.ResetStart(ctx, &b2b.PasswordsEmailResetStartParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", ResetPasswordRedirectURL: stytch.Ptr("https://app.example/reset")})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, start.MemberID)
	msg, ok := srv.LastMessage("ada@acme.com")
	require.True(t, ok)
	require.Equal(t, MessageB2BPasswordReset, msg.Kind)
	require.Contains(t, msg.URL, "https://app.example/reset?stytch_token_type=multi_tenant_passwords&token="+msg.Token)

	// A weak password leaves the token usable.
	_, err = c.Passwords.Email.Reset(ctx, &b2b.PasswordsEmailResetParams{PasswordResetToken: msg.Token, Password: "password"})
	requireAPIError(t, err, 400, stytch.ErrorTypeWeakPassword)
	reset, err := c.Passwords.Email.Reset(ctx, &b2b.PasswordsEmailResetParams{PasswordResetToken: msg.Token, Password: b2bTestPassword})
	require.NoError(t, err)
	require.True(t, reset.MemberAuthenticated)
	require.Equal(t, m.MemberID, reset.MemberID)
	require.Equal(t, o.OrganizationID, reset.OrganizationID)
	require.True(t, reset.Member.EmailAddressVerified)
	require.NotEmpty(t, reset.Member.MemberPasswordID)
	_, err = c.Passwords.Email.Reset(ctx, &b2b.PasswordsEmailResetParams{PasswordResetToken: msg.Token, Password: b2bTestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)

	auth, err := c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: b2bTestPassword})
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)

	// Existing-password reset revokes the other sessions.
	const next = "another-Lovely-passphrase-77"
	_, err = c.Passwords.ExistingPassword.Reset(ctx, &b2b.PasswordsExistingPasswordResetParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", ExistingPassword: "nope", NewPassword: next})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
	ex, err := c.Passwords.ExistingPassword.Reset(ctx, &b2b.PasswordsExistingPasswordResetParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", ExistingPassword: b2bTestPassword, NewPassword: next})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: stytch.Ptr(auth.SessionToken)})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: b2bTestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)

	// A session with a recent password factor resets the password and stays.
	const third = "third-Splendid-phrase-909"
	sr, err := c.Passwords.Sessions.Reset(ctx, &b2b.PasswordsSessionsResetParams{OrganizationID: o.OrganizationID, SessionToken: stytch.Ptr(ex.SessionToken), Password: third})
	require.NoError(t, err)
	require.Equal(t, ex.SessionToken, sr.SessionToken)
	require.True(t, sr.MemberAuthenticated)
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: third})
	require.NoError(t, err)
}

func TestB2BPasswordsStrengthCheck(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	weak, err := c.Passwords.StrengthCheck(ctx, &b2b.PasswordsStrengthCheckParams{Password: "password", EmailAddress: stytch.Ptr("ada@acme.com")})
	require.NoError(t, err)
	require.False(t, weak.ValidPassword)
	require.True(t, weak.BreachedPassword)
	require.Equal(t, "zxcvbn", weak.StrengthPolicy)
	require.NotEmpty(t, weak.ZxcvbnFeedback.Warning)
	require.NotNil(t, weak.LudsFeedback)
	strong, err := c.Passwords.StrengthCheck(ctx, &b2b.PasswordsStrengthCheckParams{Password: b2bTestPassword})
	require.NoError(t, err)
	require.True(t, strong.ValidPassword)
	require.GreaterOrEqual(t, strong.Score, 3)
}

func TestB2BPasswordsDiscovery(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o1 := b2bTestOrg(t, c, "One", nil)
	o2 := b2bTestOrg(t, c, "Two", nil)
	b2bTestMember(t, c, o1.OrganizationID, "ada@acme.com", nil)
	b2bTestMember(t, c, o2.OrganizationID, "ada@acme.com", nil)

	_, err := c.Passwords.Discovery.Email.ResetStart(ctx, &b2b.PasswordsDiscoveryEmailResetStartParams{EmailAddress: "ada@acme.com"})
	require.NoError(t, err)
	msg, ok := srv.LastMessage("ada@acme.com")
	require.True(t, ok)
	require.Equal(t, MessageB2BPasswordDiscoveryReset, msg.Kind)
	// An organization reset does not take a discovery token.
	_, err = c.Passwords.Email.Reset(ctx, &b2b.PasswordsEmailResetParams{PasswordResetToken: msg.Token, Password: b2bTestPassword})
	requireAPIError(t, err, 404, stytch.ErrorTypeMagicLinkNotFound)
	reset, err := c.Passwords.Discovery.Email.Reset(ctx, &b2b.PasswordsDiscoveryEmailResetParams{PasswordResetToken: msg.Token, Password: b2bTestPassword})
	require.NoError(t, err)
	require.Len(t, reset.IntermediateSessionToken, 44)
	require.Len(t, reset.DiscoveredOrganizations, 2)

	auth, err := c.Passwords.Discovery.Authenticate(ctx, &b2b.PasswordsDiscoveryAuthenticateParams{EmailAddress: "ada@acme.com", Password: b2bTestPassword})
	require.NoError(t, err)
	require.Equal(t, "ada@acme.com", auth.EmailAddress)
	require.Len(t, auth.DiscoveredOrganizations, 2)
	_, err = c.Passwords.Discovery.Authenticate(ctx, &b2b.PasswordsDiscoveryAuthenticateParams{EmailAddress: "ada@acme.com", Password: "wrong-" + b2bTestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)

	// The IST exchanges into either organization, with the password factor.
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationID: o2.OrganizationID})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Equal(t, b2b.AuthenticationFactorTypePassword, ex.MemberSession.AuthenticationFactors[0].Type)
	require.NotEmpty(t, ex.MemberSession.AuthenticationFactors[0].EmailFactor.EmailID)
}

// The B2B hash configurations reach the consumer side's importedHash.
func TestB2BPasswordsMigrateHashTypes(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	const pw = "Tr0ub4dor&3-legacy"
	salt := []byte("NaCl-salt-16byte")
	md := md5.Sum([]byte("pre" + pw))
	pb, err := pbkdf2.Key(sha512.New, pw, salt, 500, 64)
	require.NoError(t, err)
	for email, p := range map[string]*b2b.PasswordsMigrateParams{
		"md5@acme.com": {Hash: hex.EncodeToString(md[:]), HashType: b2b.HashTypeMd5, Md5Config: &b2b.MD5Config{PrependSalt: stytch.Ptr("pre")}},
		"pbkdf2@acme.com": {Hash: base64.StdEncoding.EncodeToString(pb), HashType: b2b.HashTypePbkdf2,
			Pbkdf2Config: &b2b.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: 500, KeyLength: 64, Algorithm: stytch.Ptr(b2b.PBKDF2AlgorithmSha512)}},
	} {
		p.OrganizationID, p.EmailAddress = o.OrganizationID, email
		_, err := c.Passwords.Migrate(ctx, p)
		require.NoError(t, err, email)
		_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: email, Password: pw + "x"})
		requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
		auth, err := c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: email, Password: pw})
		require.NoError(t, err, email)
		require.True(t, auth.MemberAuthenticated)
	}
}
