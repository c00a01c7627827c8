package stytchtest

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// The Ethereum primitives against published vectors, so that a signer and a
// verifier that agree with each other also agree with Ethereum.
func TestEthereumPrimitives(t *testing.T) {
	t.Parallel()
	// EIP-55's own examples.
	for _, a := range []string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"} {
		require.Equal(t, a, eip55(strings.ToLower(a)))
	}
	// The address of private key 1, and ethers' hashMessage("hello").
	var one [32]byte
	one[31] = 1
	require.Equal(t, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", ethereumAddressOf(secp256k1.PrivKeyFromBytes(one[:]).PubKey()))
	require.Equal(t, "50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750", hex.EncodeToString(personalSignHash("hello")))
	// Round trips of base58, leading zero bytes included.
	for _, b := range [][]byte{{0, 0, 1, 2}, {255}, make([]byte, 32)} {
		got, err := base58Decode(base58Encode(b))
		require.NoError(t, err)
		require.Equal(t, b, got)
	}
	require.Equal(t, "2NEpo7TZRRrLZSi2U", base58Encode([]byte("Hello World!")))
}

func TestCryptoWalletsEthereumFlow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	_, c := newConsumer(t, WithClock(clock.Now))
	w := NewEthereumWallet()
	start := func(w *EthereumWallet) *consumer.CryptoWalletsAuthenticateStartResponse {
		t.Helper()
		resp, err := c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{CryptoWalletType: "ethereum", CryptoWalletAddress: w.Address()})
		require.NoError(t, err)
		return resp
	}

	// An unknown wallet creates a user holding it, unverified.
	started := start(w)
	require.True(t, started.UserCreated)
	require.Regexp(t, `^Signing in with Project: \S{8,}$`, started.Challenge)
	u, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: started.UserID})
	require.NoError(t, err)
	require.Len(t, u.CryptoWallets, 1)
	require.Regexp(t, `^crypto-wallet-test-`, u.CryptoWallets[0].CryptoWalletID)
	require.False(t, u.CryptoWallets[0].Verified)

	// Another wallet's signature, or this wallet's of another message, fails.
	auth := func(address, signature string) (*consumer.CryptoWalletsAuthenticateResponse, error) {
		return c.CryptoWallets.Authenticate(ctx, &consumer.CryptoWalletsAuthenticateParams{
			CryptoWalletType: "ethereum", CryptoWalletAddress: address, Signature: signature, SessionDurationMinutes: stytch.Ptr(60),
		})
	}
	_, err = auth(w.Address(), NewEthereumWallet().Sign(started.Challenge))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")
	_, err = auth(w.Address(), w.Sign(started.Challenge+"x"))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")
	_, err = auth(w.Address(), "0x1234")
	requireAPIError(t, err, 400, "invalid_signature")
	// The signature names a wallet Stytch does not know.
	_, err = auth(NewEthereumWallet().Address(), w.Sign(started.Challenge))
	requireAPIError(t, err, 404, "crypto_wallet_not_found")
	_, err = auth("0xnot-an-address", w.Sign(started.Challenge))
	requireAPIError(t, err, 400, "invalid_crypto_wallet_address")

	// The wallet's signature, with the address in any case, starts a session.
	ok, err := auth(strings.ToLower(w.Address()), w.Sign(started.Challenge))
	require.NoError(t, err)
	require.Equal(t, started.UserID, ok.UserID)
	require.True(t, ok.User.CryptoWallets[0].Verified)
	require.NotNil(t, ok.Session)
	f := ok.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeCrypto, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodCryptoWallet, f.DeliveryMethod)
	require.Equal(t, u.CryptoWallets[0].CryptoWalletID, f.CryptoWalletFactor.CryptoWalletID)
	sess, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &ok.SessionToken})
	require.NoError(t, err)
	require.Equal(t, started.UserID, sess.Session.UserID)

	// The challenge is single-use.
	_, err = auth(w.Address(), w.Sign(started.Challenge))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")

	// A second start signs the same user in; an unsigned challenge expires.
	again := start(w)
	require.False(t, again.UserCreated)
	require.Equal(t, started.UserID, again.UserID)
	require.NotEqual(t, started.Challenge, again.Challenge)
	clock.Add(walletChallengeLifetime)
	_, err = auth(w.Address(), w.Sign(again.Challenge))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")

	// Without session_duration_minutes, no session; with a session token,
	// the factor joins that session.
	third := start(w)
	noSession, err := c.CryptoWallets.Authenticate(ctx, &consumer.CryptoWalletsAuthenticateParams{CryptoWalletType: "ethereum", CryptoWalletAddress: w.Address(), Signature: w.Sign(third.Challenge)})
	require.NoError(t, err)
	require.Nil(t, noSession.Session)
	require.Empty(t, noSession.SessionToken)

	// Deleting the wallet removes it: it can no longer authenticate.
	_, err = c.Users.DeleteCryptoWallet(ctx, &consumer.UsersDeleteCryptoWalletParams{CryptoWalletID: u.CryptoWallets[0].CryptoWalletID})
	require.NoError(t, err)
	_, err = auth(w.Address(), w.Sign(third.Challenge))
	requireAPIError(t, err, 404, "crypto_wallet_not_found")
}

func TestCryptoWalletsSolanaFlow(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "sol@example.com", nil)
	w := NewSolanaWallet()

	// Attached to the session's user: no user is created.
	started, err := c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{
		CryptoWalletType: "solana", CryptoWalletAddress: w.Address(), SessionToken: &user.SessionToken,
	})
	require.NoError(t, err)
	require.False(t, started.UserCreated)
	require.Equal(t, user.UserID, started.UserID)

	// Another user may not take the wallet.
	other, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("other@example.com")})
	require.NoError(t, err)
	_, err = c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{CryptoWalletType: "solana", CryptoWalletAddress: w.Address(), UserID: &other.UserID})
	requireAPIError(t, err, 400, "duplicate_crypto_wallet")
	// SIWE is for Ethereum; a Solana address is base58 of 32 bytes.
	_, err = c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{CryptoWalletType: "solana", CryptoWalletAddress: w.Address(), SiweParams: &consumer.SIWEParams{Domain: "example.com", URI: "https://example.com"}})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{CryptoWalletType: "solana", CryptoWalletAddress: "0OIl"})
	requireAPIError(t, err, 400, "invalid_crypto_wallet_address")
	// Refused starts leave the first challenge standing.
	// So does an authenticate that names another user's session.
	intruder := signIn(t, srv, c, "intruder@example.com", nil)
	_, err = c.CryptoWallets.Authenticate(ctx, &consumer.CryptoWalletsAuthenticateParams{
		CryptoWalletType: "solana", CryptoWalletAddress: w.Address(), Signature: w.Sign(started.Challenge), SessionToken: &intruder.SessionToken,
	})
	requireAPIError(t, err, 400, "session_user_mismatch")

	auth := func(address, signature string) (*consumer.CryptoWalletsAuthenticateResponse, error) {
		return c.CryptoWallets.Authenticate(ctx, &consumer.CryptoWalletsAuthenticateParams{
			CryptoWalletType: "solana", CryptoWalletAddress: address, Signature: signature, SessionToken: &user.SessionToken,
		})
	}
	_, err = auth(w.Address(), NewSolanaWallet().Sign(started.Challenge))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")
	_, err = auth(w.Address(), "not base58 0OIl")
	requireAPIError(t, err, 400, "invalid_signature")
	_, err = auth(NewSolanaWallet().Address(), w.Sign(started.Challenge))
	requireAPIError(t, err, 404, "crypto_wallet_not_found")

	ok, err := auth(w.Address(), w.Sign(started.Challenge))
	require.NoError(t, err)
	require.Equal(t, user.UserID, ok.UserID)
	require.Equal(t, user.Session.SessionID, ok.Session.SessionID)
	require.Len(t, ok.Session.AuthenticationFactors, 2)
	require.Equal(t, consumer.AuthenticationFactorTypeCrypto, ok.Session.AuthenticationFactors[1].Type)
	require.Equal(t, consumer.CryptoWalletType("solana"), ok.Session.AuthenticationFactors[1].CryptoWalletFactor.CryptoWalletType)
	require.True(t, ok.User.CryptoWallets[0].Verified)
	require.Len(t, ok.User.Emails, 1)

	_, err = auth(w.Address(), w.Sign(started.Challenge))
	requireAPIError(t, err, 401, "unable_to_auth_crypto_wallet")
}

func TestCryptoWalletsSIWE(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	_, c := newConsumer(t, WithClock(clock.Now))
	w := NewEthereumWallet()
	issued := time.Date(2026, 11, 21, 8, 59, 0, 0, time.UTC)
	started, err := c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{
		CryptoWalletType: "ethereum", CryptoWalletAddress: strings.ToLower(w.Address()),
		SiweParams: &consumer.SIWEParams{
			Domain: "app.example.com", URI: "https://app.example.com/login", ChainID: stytch.Ptr("137"),
			Statement: stytch.Ptr("Sign in to Example."), IssuedAt: &issued, MessageRequestID: stytch.Ptr("req-1"),
			Resources: []string{"https://app.example.com/terms"},
		},
	})
	require.NoError(t, err)
	lines := strings.Split(started.Challenge, "\n")
	require.Equal(t, []string{
		"app.example.com wants you to sign in with your Ethereum account:", w.Address(), "", "Sign in to Example.", "",
		"URI: https://app.example.com/login", "Version: 1", "Chain ID: 137",
	}, lines[:8])
	require.Regexp(t, `^Nonce: [0-9A-Za-z]{8,}$`, lines[8])
	require.Equal(t, []string{"Issued At: 2026-11-21T08:59:00Z", "Request ID: req-1", "Resources:", "- https://app.example.com/terms"}, lines[9:])

	ok, err := c.CryptoWallets.Authenticate(ctx, &consumer.CryptoWalletsAuthenticateParams{CryptoWalletType: "ethereum", CryptoWalletAddress: w.Address(), Signature: w.Sign(started.Challenge)})
	require.NoError(t, err)
	require.NotNil(t, ok.SiweParams)
	require.Equal(t, "137", ok.SiweParams.ChainID)
	require.Equal(t, "app.example.com", ok.SiweParams.Domain)
	require.Equal(t, []string{"https://app.example.com/terms"}, ok.SiweParams.Resources)

	_, err = c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{
		CryptoWalletType: "ethereum", CryptoWalletAddress: w.Address(),
		SiweParams: &consumer.SIWEParams{Domain: "app.example.com", URI: "https://app.example.com", Statement: stytch.Ptr("two\nlines")},
	})
	requireAPIError(t, err, 400, "bad_request")

	// domain and uri are required; no field can add a line to the message
	// (a forged "Nonce:" or "URI:" the wallet would show and sign).
	for _, bad := range []consumer.SIWEParams{
		{URI: "https://app.example.com"},
		{Domain: "app.example.com"},
		{Domain: "app.example.com", URI: "login"},
		{Domain: "evil.example\nURI: https://evil.example", URI: "https://app.example.com"},
		{Domain: "app.example.com", URI: "https://app.example.com/\nNonce: 12345678"},
		{Domain: "app.example.com", URI: "https://app.example.com", Resources: []string{"https://a.example\n- https://b.example"}},
		{Domain: "app.example.com", URI: "https://app.example.com", MessageRequestID: stytch.Ptr("r\nResources:")},
	} {
		_, err = c.CryptoWallets.AuthenticateStart(ctx, &consumer.CryptoWalletsAuthenticateStartParams{
			CryptoWalletType: "ethereum", CryptoWalletAddress: NewEthereumWallet().Address(), SiweParams: &bad,
		})
		requireAPIError(t, err, 400, "bad_request")
	}
}
