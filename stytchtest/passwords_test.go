package stytchtest

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

const (
	strongPassword = "violet-Harbor-37-quietly-Drift"
	newerPassword  = "amber Lantern orbits 19 moons"
	newestPassword = "Seven cedar kites over Oslo!"
)

func TestPasswordsFlow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	email := "grace@example.com"

	// Create with a strong password starts a session.
	created, err := c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: email, Password: strongPassword, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Regexp(t, `^user-test-`, created.UserID)
	require.Regexp(t, `^email-test-`, created.EmailID)
	require.NotNil(t, created.User.Password)
	require.Regexp(t, `^password-test-`, created.User.Password.PasswordID)
	require.NotNil(t, created.Session)
	require.Equal(t, consumer.AuthenticationFactorTypePassword, created.Session.AuthenticationFactors[0].Type)
	_, err = c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: email, Password: strongPassword})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateEmail)

	// Authenticate starts a session; a wrong password fails.
	auth, err := c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: strongPassword, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.Equal(t, created.UserID, auth.UserID)
	require.Len(t, auth.SessionToken, 44)
	sess, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, created.UserID, sess.Session.UserID)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: strongPassword + "x"})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "nobody@example.com", Password: strongPassword})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)

	// Weak and breached passwords are refused.
	_, err = c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: "weak@example.com", Password: "abc123"})
	requireAPIError(t, err, 400, stytch.ErrorTypeWeakPassword)
	_, err = c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: "weak@example.com", Password: "correcthorsebatterystaple"})
	requireAPIError(t, err, 400, stytch.ErrorTypeWeakPassword)

	// Strength checks.
	breached, err := c.Passwords.StrengthCheck(ctx, &consumer.PasswordsStrengthCheckParams{Password: "password", Email: stytch.Ptr("x@example.com")})
	require.NoError(t, err)
	require.False(t, breached.ValidPassword)
	require.True(t, breached.BreachedPassword)
	require.Equal(t, 0, breached.Score)
	require.Equal(t, "zxcvbn", breached.StrengthPolicy)
	require.True(t, breached.BreachDetectionOnCreate)
	require.Equal(t, "This is a top-10 common password", breached.Feedback.Warning)
	require.Contains(t, breached.Feedback.Suggestions, "Add another word or two. Uncommon words are better.")
	strong, err := c.Passwords.StrengthCheck(ctx, &consumer.PasswordsStrengthCheckParams{Password: strongPassword, Email: stytch.Ptr("x@example.com")})
	require.NoError(t, err)
	require.True(t, strong.ValidPassword)
	require.False(t, strong.BreachedPassword)
	require.GreaterOrEqual(t, strong.Score, 3)
	require.Empty(t, strong.Feedback.Warning)
	require.Empty(t, strong.Feedback.Suggestions)
	require.Equal(t, consumer.LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true}, *strong.Feedback.LudsRequirements)
	keyboard, err := c.Passwords.StrengthCheck(ctx, &consumer.PasswordsStrengthCheckParams{Password: "qwertyuiop"})
	require.NoError(t, err)
	require.False(t, keyboard.BreachedPassword, "no email, no breach check")
	require.False(t, keyboard.ValidPassword)

	// Email reset: the token arrives in a recorded message.
	start, err := c.Passwords.Email.ResetStart(ctx, &consumer.PasswordsEmailResetStartParams{Email: email, ResetPasswordRedirectURL: stytch.Ptr("https://app.example.com/reset")})
	require.NoError(t, err)
	require.Equal(t, created.UserID, start.UserID)
	msg, ok := srv.LastMessage(email)
	require.True(t, ok)
	require.Equal(t, MessagePasswordReset, msg.Kind)
	u, err := url.Parse(msg.URL)
	require.NoError(t, err)
	require.Equal(t, "reset_password", u.Query().Get("stytch_token_type"))
	require.Equal(t, msg.Token, u.Query().Get("token"))
	_, err = c.Passwords.Email.Reset(ctx, &consumer.PasswordsEmailResetParams{Token: msg.Token, Password: "monkey"})
	requireAPIError(t, err, 400, stytch.ErrorTypeWeakPassword)
	reset, err := c.Passwords.Email.Reset(ctx, &consumer.PasswordsEmailResetParams{Token: msg.Token, Password: newerPassword, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err, "a weak password leaves the token usable")
	require.NotEmpty(t, reset.SessionToken)
	require.True(t, reset.User.Emails[0].Verified)
	_, err = c.Passwords.Email.Reset(ctx, &consumer.PasswordsEmailResetParams{Token: msg.Token, Password: newerPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
	// The reset revoked the earlier sessions.
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: strongPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: newerPassword})
	require.NoError(t, err)

	// An expired reset link fails.
	_, err = c.Passwords.Email.ResetStart(ctx, &consumer.PasswordsEmailResetStartParams{Email: email})
	require.NoError(t, err)
	expired, _ := srv.LastMessage(email)
	clock.Add(31 * time.Minute)
	_, err = c.Passwords.Email.Reset(ctx, &consumer.PasswordsEmailResetParams{Token: expired.Token, Password: newestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
	_, err = c.Passwords.Email.ResetStart(ctx, &consumer.PasswordsEmailResetStartParams{Email: "nobody@example.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)

	// Existing-password reset.
	_, err = c.Passwords.ExistingPassword.Reset(ctx, &consumer.PasswordsExistingPasswordResetParams{Email: email, ExistingPassword: strongPassword, NewPassword: newestPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
	_, err = c.Passwords.ExistingPassword.Reset(ctx, &consumer.PasswordsExistingPasswordResetParams{Email: email, ExistingPassword: newerPassword, NewPassword: "123456"})
	requireAPIError(t, err, 400, stytch.ErrorTypeWeakPassword)
	ex, err := c.Passwords.ExistingPassword.Reset(ctx, &consumer.PasswordsExistingPasswordResetParams{Email: email, ExistingPassword: newerPassword, NewPassword: newestPassword, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &reset.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: newerPassword})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)

	// Session reset: needs a recent factor; revokes the other sessions.
	other, err := c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: newestPassword, SessionDurationMinutes: stytch.Ptr(600)})
	require.NoError(t, err)
	clock.Add(6 * time.Minute)
	_, err = c.Passwords.Sessions.Reset(ctx, &consumer.PasswordsSessionsResetParams{SessionToken: &ex.SessionToken, Password: strongPassword})
	requireAPIError(t, err, 400, stytch.ErrorType("session_too_old_to_reset_password"))
	fresh, err := c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: newestPassword, SessionToken: &other.SessionToken})
	require.NoError(t, err)
	require.Equal(t, other.Session.SessionID, fresh.Session.SessionID)
	sr, err := c.Passwords.Sessions.Reset(ctx, &consumer.PasswordsSessionsResetParams{SessionToken: &other.SessionToken, Password: strongPassword, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Equal(t, other.SessionToken, sr.SessionToken)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &other.SessionToken})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &ex.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: strongPassword})
	require.NoError(t, err)
}

// TestPasswordsBreachedAtSignIn: a correct password found in a breach is a
// reset_password error, and stays one until the password is reset.
func TestPasswordsBreachedAtSignIn(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	h, err := bcrypt.GenerateFromPassword([]byte("trustno1"), bcrypt.MinCost)
	require.NoError(t, err)
	_, err = c.Passwords.Migrate(ctx, &consumer.PasswordsMigrateParams{Email: "old@example.com", Hash: string(h), HashType: consumer.HashTypeBcrypt})
	require.NoError(t, err)
	for range 2 {
		_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "old@example.com", Password: "trustno1"})
		requireAPIError(t, err, 400, stytch.ErrorType("reset_password"))
	}
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "old@example.com", Password: "trustno2"})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
}

// TestPasswordsDeduplication: a user who set a password without verifying
// the address and then signs in by magic link must reset the password.
func TestPasswordsDeduplication(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	email := "dup@example.com"
	_, err := c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: email, Password: strongPassword})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: email})
	require.NoError(t, err)
	msg, _ := srv.LastMessage(email)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: strongPassword})
	requireAPIError(t, err, 400, stytch.ErrorType("reset_password"))
	got, err := c.Users.Search(ctx, nil)
	require.NoError(t, err)
	require.True(t, got.Results[0].Password.RequiresReset)

	// After a reset by email the new password works, and a later magic
	// link (the address is now verified) leaves it alone.
	_, err = c.Passwords.Email.ResetStart(ctx, &consumer.PasswordsEmailResetStartParams{Email: email})
	require.NoError(t, err)
	msg, _ = srv.LastMessage(email)
	_, err = c.Passwords.Email.Reset(ctx, &consumer.PasswordsEmailResetParams{Token: msg.Token, Password: newerPassword})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: email})
	require.NoError(t, err)
	msg, _ = srv.LastMessage(email)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: email, Password: newerPassword})
	require.NoError(t, err)
}

// The phpass test vector of phpass 0.3's test.php.
const phpassVector = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"

func TestPhpass(t *testing.T) {
	t.Parallel()
	verify, err := phpassHash(phpassVector)
	require.NoError(t, err)
	require.True(t, verify("test12345"))
	require.False(t, verify("test12346"))
	_, err = phpassHash("$X$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0")
	require.ErrorContains(t, err, "invalid_phpass_hash_prefix")
}

func TestPasswordsMigrate(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	const pw = "Tr0ub4dor&3-legacy"
	salt := []byte("NaCl-salt-16byte")
	b64 := base64.StdEncoding.EncodeToString
	hexSum := func(sum []byte) string { return hex.EncodeToString(sum) }

	bc, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	md := md5.Sum([]byte("pre" + pw + "post"))
	s1 := sha1.Sum([]byte(pw + "pepper"))
	s512 := sha512.Sum512([]byte("s" + pw))
	a2id := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
	a2i := argon2.Key([]byte(pw), salt, 2, 128, 2, 24)
	sc, err := scrypt.Key([]byte(pw), salt, 1<<10, 8, 1, 32)
	require.NoError(t, err)
	pb, err := pbkdf2.Key(sha256.New, pw, salt, 1000, 32)
	require.NoError(t, err)
	pb512, err := pbkdf2.Key(sha512.New, pw, salt, 500, 64)
	require.NoError(t, err)

	cases := []consumer.PasswordsMigrateParams{
		{Hash: string(bc), HashType: consumer.HashTypeBcrypt},
		{Hash: hexSum(md[:]), HashType: consumer.HashTypeMd5, Md5Config: &consumer.MD5Config{PrependSalt: stytch.Ptr("pre"), AppendSalt: stytch.Ptr("post")}},
		{Hash: hexSum(s1[:]), HashType: consumer.HashTypeSha1, Sha1Config: &consumer.SHA1Config{AppendSalt: stytch.Ptr("pepper")}},
		{Hash: hexSum(s512[:]), HashType: consumer.HashTypeSha512, Sha512Config: &consumer.SHA512Config{PrependSalt: stytch.Ptr("s")}},
		{Hash: fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 64, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(a2id)), HashType: consumer.HashTypeArgon2ID},
		{Hash: hexSum(a2i), HashType: consumer.HashTypeArgon2I, Argon2Config: &consumer.Argon2Config{Salt: string(salt), IterationAmount: 2, Memory: 128, Threads: 2, KeyLength: 24}},
		{Hash: b64(sc), HashType: consumer.HashTypeScrypt, ScryptConfig: &consumer.ScryptConfig{Salt: b64(salt), NParameter: 1 << 10, RParameter: 8, PParameter: 1, KeyLength: 32}},
		{Hash: b64(pb), HashType: consumer.HashTypePbkdf2, Pbkdf2Config: &consumer.PBKDF2Config{Salt: b64(salt), IterationAmount: 1000, KeyLength: 32}},
		{Hash: b64(pb512), HashType: consumer.HashTypePbkdf2, Pbkdf2Config: &consumer.PBKDF2Config{Salt: b64(salt), IterationAmount: 500, KeyLength: 64, Algorithm: stytch.Ptr(consumer.PBKDF2AlgorithmSha512)}},
	}
	for i, p := range cases {
		p.Email = fmt.Sprintf("migrated%d@example.com", i)
		p.SetEmailVerified = stytch.Ptr(true)
		m, err := c.Passwords.Migrate(ctx, &p)
		require.NoError(t, err, p.HashType)
		require.True(t, m.UserCreated)
		require.True(t, m.User.Emails[0].Verified)
		require.NotNil(t, m.User.Password)
		_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: p.Email, Password: pw + "!"})
		requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
		// Twice: the first sign-in rehashes the import.
		for range 2 {
			auth, err := c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: p.Email, Password: pw, SessionDurationMinutes: stytch.Ptr(10)})
			require.NoError(t, err, p.HashType)
			require.Equal(t, m.UserID, auth.UserID)
		}
		_, err = c.Passwords.Migrate(ctx, &p)
		requireAPIError(t, err, 400, stytch.ErrorType("password_already_exists"))
	}

	// phpass, with the known vector.
	_, err = c.Passwords.Migrate(ctx, &consumer.PasswordsMigrateParams{Email: "wp@example.com", Hash: phpassVector, HashType: consumer.HashTypePhpass})
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "wp@example.com", Password: "test12345"})
	require.NoError(t, err)

	// An existing user without a password gets one; user_created is false.
	ml, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ml@example.com"})
	require.NoError(t, err)
	m, err := c.Passwords.Migrate(ctx, &consumer.PasswordsMigrateParams{Email: "ml@example.com", Hash: string(bc), HashType: consumer.HashTypeBcrypt})
	require.NoError(t, err)
	require.False(t, m.UserCreated)
	require.Equal(t, ml.UserID, m.UserID)

	// Malformed hashes.
	for _, tc := range []struct {
		p   consumer.PasswordsMigrateParams
		typ string
	}{
		{consumer.PasswordsMigrateParams{Hash: "nope", HashType: consumer.HashTypeBcrypt}, "invalid_bcrypt_hash"},
		{consumer.PasswordsMigrateParams{Hash: "abcd", HashType: consumer.HashTypeMd5}, "invalid_md_5_hash"},
		{consumer.PasswordsMigrateParams{Hash: hexSum(md[:]), HashType: consumer.HashTypeSha1}, "invalid_sha_1_hash"},
		{consumer.PasswordsMigrateParams{Hash: "$Q$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", HashType: consumer.HashTypePhpass}, "invalid_phpass_hash_prefix"},
		{consumer.PasswordsMigrateParams{Hash: hexSum(a2i), HashType: consumer.HashTypeArgon2I, Argon2Config: &consumer.Argon2Config{Salt: string(salt), IterationAmount: 2, Memory: 128, Threads: 2, KeyLength: 32}}, "argon_2_key_length_mismatch"},
		{consumer.PasswordsMigrateParams{Hash: "not base64!", HashType: consumer.HashTypeScrypt, ScryptConfig: &consumer.ScryptConfig{Salt: b64(salt), NParameter: 2, RParameter: 1, PParameter: 1, KeyLength: 32}}, "invalid_base64_scrypt_hash"},
		{consumer.PasswordsMigrateParams{Hash: b64(sc), HashType: consumer.HashTypeScrypt, ScryptConfig: &consumer.ScryptConfig{Salt: b64(salt), NParameter: 1 << 10, RParameter: 8, PParameter: 1, KeyLength: 16}}, "scrypt_key_length_mismatch"},
		{consumer.PasswordsMigrateParams{Hash: b64(pb), HashType: consumer.HashTypePbkdf2, Pbkdf2Config: &consumer.PBKDF2Config{Salt: b64(salt), IterationAmount: 1000, KeyLength: 16}}, "pbkdf_2_key_length_mismatch"},
		{consumer.PasswordsMigrateParams{Hash: b64(pb), HashType: consumer.HashTypePbkdf2, Pbkdf2Config: &consumer.PBKDF2Config{Salt: b64(salt), KeyLength: 32}}, "invalid_pbkdf_2_iteration_amount"},
	} {
		tc.p.Email = "bad@example.com"
		_, err := c.Passwords.Migrate(ctx, &tc.p)
		requireAPIError(t, err, 400, stytch.ErrorType(tc.typ))
	}
}
