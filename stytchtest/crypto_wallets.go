package stytchtest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"

	"github.com/gostytch/stytch/consumer"
)

// Crypto wallets: AuthenticateStart finds (or creates) the user of a wallet
// and hands out a challenge; Authenticate checks the wallet's signature of
// it and uses it up. Ethereum signatures are EIP-191 personal_sign over
// secp256k1, 65 bytes in hex (r, s, v), whose recovered key must hash to
// the address; Solana signatures are ed25519 over the message, in base58,
// by the key that is the base58 address. EthereumWallet and SolanaWallet
// sign challenges in tests.
//
// What Stytch's reference confirms: an unknown wallet creates a user unless
// a user or session names whom to attach it to; without siwe_params the
// challenge is the project name and a random string ("Signing in with
// Project: …" in its example); with them, an EIP-4361 message for Ethereum
// wallets. Unconfirmed: the challenge's lifetime, that a failed signature
// leaves the challenge usable, the Solana signature's encoding, and the
// error types other than crypto_wallet_not_found (404, in the catalog).

// walletChallengeLifetime is how long a challenge can be signed.
// Unconfirmed: Stytch documents no figure.
const walletChallengeLifetime = 10 * time.Minute

const (
	walletEthereum = consumer.CryptoWalletType("ethereum")
	walletSolana   = consumer.CryptoWalletType("solana")
)

type walletChallenge struct {
	message string
	siwe    *consumer.SIWEParamsResponse
	expires time.Time
	used    bool
}

var ethereumAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// walletKey names a wallet: Ethereum addresses are compared without case
// (EIP-55 checksums are only case), Solana's exactly.
func walletKey(typ consumer.CryptoWalletType, address string) string {
	if typ == walletEthereum {
		address = strings.ToLower(address)
	}
	return string(typ) + ":" + address
}

func checkWalletAddress(typ consumer.CryptoWalletType, address string) error {
	ok := false
	switch typ {
	case walletEthereum:
		ok = ethereumAddress.MatchString(address)
	case walletSolana:
		b, err := base58Decode(address)
		ok = err == nil && len(b) == ed25519.PublicKeySize
	}
	if !ok {
		return errorf(400, "invalid_crypto_wallet_address", "The crypto_wallet_address is not a valid %s address.", typ)
	}
	return nil
}

// walletOwner returns the user holding the wallet, or nil, and the wallet.
func (e *Emulator) walletOwner(typ consumer.CryptoWalletType, address string) (*consumer.User, *consumer.CryptoWallet) {
	key := walletKey(typ, address)
	var wallet *consumer.CryptoWallet
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		for i := range u.CryptoWallets {
			if walletKey(u.CryptoWallets[i].CryptoWalletType, u.CryptoWallets[i].CryptoWalletAddress) == key {
				wallet = &u.CryptoWallets[i]
				return true
			}
		}
		return false
	})
	return u, wallet
}

func (e consumerAPI) CryptoWalletsAuthenticateStart(_ context.Context, p *consumer.CryptoWalletsAuthenticateStartParams) (*consumer.CryptoWalletsAuthenticateStartResponse, error) {
	if err := checkWalletAddress(p.CryptoWalletType, p.CryptoWalletAddress); err != nil {
		return nil, err
	}
	if p.SiweParams != nil && p.CryptoWalletType != walletEthereum {
		return nil, errorf(400, errorTypeBadRequest, "siwe_params are for Ethereum wallets only.")
	}
	var target *consumer.User
	switch {
	case deref(p.UserID) != "" && (deref(p.SessionToken) != "" || deref(p.SessionJWT) != ""):
		return nil, errorf(400, errorTypeBadRequest, "Pass at most one of user_id, session_token and session_jwt.")
	case deref(p.UserID) != "":
		u, err := e.consumer.userByIDOrExternal(*p.UserID)
		if err != nil {
			return nil, err
		}
		target = u
	case deref(p.SessionToken) != "" || deref(p.SessionJWT) != "":
		us, err := e.findSession(p.SessionToken, p.SessionJWT)
		if err != nil {
			return nil, err
		}
		if target, err = e.consumer.user(us.s.UserID); err != nil {
			return nil, err
		}
	}
	owner, _ := e.walletOwner(p.CryptoWalletType, p.CryptoWalletAddress)
	if target != nil && owner != nil && owner.UserID != target.UserID {
		// Unconfirmed type.
		return nil, errorf(400, "duplicate_crypto_wallet", "The crypto wallet belongs to another user.")
	}
	message, siwe, err := e.walletChallengeMessage(p.CryptoWalletAddress, p.SiweParams)
	if err != nil {
		return nil, err
	}
	created := false
	u := owner
	if u == nil {
		u = target
		if u == nil {
			u, created = e.newUser("", "", false), true
		}
		u.CryptoWallets = append(u.CryptoWallets, consumer.CryptoWallet{
			CryptoWalletID: newID("crypto-wallet"), CryptoWalletAddress: p.CryptoWalletAddress, CryptoWalletType: p.CryptoWalletType,
		})
		if created {
			e.emit("user", "CREATE", u.UserID, u)
		} else {
			e.emit("user", "UPDATE", u.UserID, u)
		}
	}
	// One live challenge per wallet: a new start replaces the last.
	e.extras().challenges[walletKey(p.CryptoWalletType, p.CryptoWalletAddress)] = &walletChallenge{
		message: message, siwe: siwe, expires: e.now().Add(walletChallengeLifetime),
	}
	return &consumer.CryptoWalletsAuthenticateStartResponse{UserID: u.UserID, Challenge: message, UserCreated: created}, nil
}

// walletChallengeMessage writes the message to sign: Stytch's plain
// challenge, or with siwe an EIP-4361 message for address.
func (e *Emulator) walletChallengeMessage(address string, siwe *consumer.SIWEParams) (string, *consumer.SIWEParamsResponse, error) {
	nonce := newNonce()
	if siwe == nil {
		return "Signing in with Project: " + nonce, nil, nil
	}
	statement := deref(siwe.Statement)
	if strings.ContainsAny(statement, "\n\r\t") {
		return "", nil, errorf(400, errorTypeBadRequest, "siwe_params.statement may not contain newlines or tabs.")
	}
	if err := checkSIWEFields(siwe); err != nil {
		return "", nil, err
	}
	chainID := deref(siwe.ChainID)
	if chainID == "" {
		chainID = "1"
	}
	if n, err := strconv.ParseUint(chainID, 10, 64); err != nil || n == 0 {
		return "", nil, errorf(400, errorTypeBadRequest, "siwe_params.chain_id must be a positive decimal EIP-155 chain ID.")
	}
	issued := e.now()
	if siwe.IssuedAt != nil {
		issued = siwe.IssuedAt.UTC()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s wants you to sign in with your Ethereum account:\n%s\n", siwe.Domain, eip55(address))
	if statement != "" {
		fmt.Fprintf(&b, "\n%s\n", statement)
	}
	fmt.Fprintf(&b, "\nURI: %s\nVersion: 1\nChain ID: %s\nNonce: %s\nIssued At: %s", siwe.URI, chainID, nonce, issued.Format(time.RFC3339))
	if siwe.NotBefore != nil {
		fmt.Fprintf(&b, "\nNot Before: %s", siwe.NotBefore.UTC().Format(time.RFC3339))
	}
	if id := deref(siwe.MessageRequestID); id != "" {
		fmt.Fprintf(&b, "\nRequest ID: %s", id)
	}
	if len(siwe.Resources) > 0 {
		b.WriteString("\nResources:")
		for _, r := range siwe.Resources {
			fmt.Fprintf(&b, "\n- %s", r)
		}
	}
	resources := append([]string{}, siwe.Resources...)
	return b.String(), &consumer.SIWEParamsResponse{
		Domain: siwe.Domain, URI: siwe.URI, ChainID: chainID, Resources: resources,
		IssuedAt: &issued, MessageRequestID: deref(siwe.MessageRequestID),
	}, nil
}

// checkSIWEFields refuses what would not make an EIP-4361 message: domain
// and uri are required (Stytch's reference), uri and each resource are
// absolute URIs, and no value holds whitespace that could add a line to
// the message. Unconfirmed: Stytch's error type for these.
func checkSIWEFields(siwe *consumer.SIWEParams) error {
	if siwe.Domain == "" || strings.ContainsFunc(siwe.Domain, unicode.IsSpace) {
		return errorf(400, errorTypeBadRequest, "siwe_params.domain is required: the host (RFC 3986 authority) asking for the signature.")
	}
	uris := append([]string{siwe.URI}, siwe.Resources...)
	for i, s := range uris {
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || strings.ContainsFunc(s, unicode.IsSpace) {
			field := "siwe_params.uri is required and"
			if i > 0 {
				field = "each of siwe_params.resources"
			}
			return errorf(400, errorTypeBadRequest, "%s must be an absolute RFC 3986 URI.", field)
		}
	}
	if strings.ContainsAny(deref(siwe.MessageRequestID), "\n\r") {
		return errorf(400, errorTypeBadRequest, "siwe_params.message_request_id may not contain newlines.")
	}
	return nil
}

func (e consumerAPI) CryptoWalletsAuthenticate(_ context.Context, p *consumer.CryptoWalletsAuthenticateParams) (*consumer.CryptoWalletsAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	if err := checkWalletAddress(p.CryptoWalletType, p.CryptoWalletAddress); err != nil {
		return nil, err
	}
	u, wallet := e.walletOwner(p.CryptoWalletType, p.CryptoWalletAddress)
	if u == nil {
		return nil, errorf(404, "crypto_wallet_not_found", "Crypto wallet could not be found.")
	}
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	ch := e.extras().challenges[walletKey(p.CryptoWalletType, p.CryptoWalletAddress)]
	if ch == nil || ch.used || !e.now().Before(ch.expires) {
		return nil, errorf(401, "unable_to_auth_crypto_wallet", "No live challenge for this wallet: it was already used or has expired; call AuthenticateStart.")
	}
	var ok bool
	var err error
	if p.CryptoWalletType == walletEthereum {
		ok, err = verifyEthereum(p.CryptoWalletAddress, ch.message, p.Signature)
	} else {
		ok, err = verifySolana(p.CryptoWalletAddress, ch.message, p.Signature)
	}
	if err != nil {
		return nil, errorf(400, "invalid_signature", "The signature is malformed: %v", err)
	}
	if !ok {
		return nil, errorf(401, "unable_to_auth_crypto_wallet", "The signature is not the wallet's signature of the challenge.")
	}
	ch.used = true
	wallet.Verified = true
	u.Status = "active"
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeCrypto, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodCryptoWallet,
		CryptoWalletFactor: &consumer.CryptoWalletFactor{
			CryptoWalletID: wallet.CryptoWalletID, CryptoWalletAddress: wallet.CryptoWalletAddress, CryptoWalletType: wallet.CryptoWalletType,
		},
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.CryptoWalletsAuthenticateResponse{
		UserID: u.UserID, SessionToken: token, SessionJWT: jwtStr, User: *u, Session: s, SiweParams: ch.siwe,
	}, nil
}

// ---- Ethereum ----

func keccak256(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// personalSignHash is EIP-191's hash of a personal_sign message.
func personalSignHash(message string) []byte {
	return keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(message))), []byte(message))
}

// ethereumAddressOf is the address of a public key: the last 20 bytes of
// the Keccak-256 of its uncompressed coordinates, EIP-55 checksummed.
func ethereumAddressOf(pub *secp256k1.PublicKey) string {
	return eip55("0x" + hex.EncodeToString(keccak256(pub.SerializeUncompressed()[1:])[12:]))
}

// eip55 writes an address with the EIP-55 mixed-case checksum.
func eip55(address string) string {
	lower := strings.ToLower(strings.TrimPrefix(address, "0x"))
	sum := hex.EncodeToString(keccak256([]byte(lower)))
	out := []byte(lower)
	for i, c := range out {
		if c >= 'a' && c <= 'f' && sum[i] >= '8' {
			out[i] = c - 'a' + 'A'
		}
	}
	return "0x" + string(out)
}

// verifyEthereum reports whether signature (hex r || s || v, v 27/28 or
// 0/1) of message recovers to address; err says it is malformed.
func verifyEthereum(address, message, signature string) (bool, error) {
	sig, err := hex.DecodeString(strings.TrimPrefix(signature, "0x"))
	if err != nil || len(sig) != 65 {
		return false, errors.New("an Ethereum signature is 65 bytes in hex")
	}
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return false, errors.New("the signature's recovery byte v must be 27, 28, 0 or 1")
	}
	compact := append([]byte{27 + v}, sig[:64]...)
	pub, _, err := secpecdsa.RecoverCompact(compact, personalSignHash(message))
	if err != nil {
		return false, nil
	}
	return strings.EqualFold(ethereumAddressOf(pub), address), nil
}

// EthereumWallet is an Ethereum key pair for tests: what a wallet such as
// MetaMask holds, to sign the challenges of CryptoWallets.AuthenticateStart.
type EthereumWallet struct{ key *secp256k1.PrivateKey }

// NewEthereumWallet generates a new random key.
func NewEthereumWallet() *EthereumWallet {
	key, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		panic("stytchtest: generating a secp256k1 key: " + err.Error())
	}
	return &EthereumWallet{key: key}
}

// Address is the wallet's address, 0x and 40 hex digits with the EIP-55
// checksum.
func (w *EthereumWallet) Address() string { return ethereumAddressOf(w.key.PubKey()) }

// Sign signs message as personal_sign (EIP-191) does and returns the
// signature as CryptoWallets.Authenticate takes it: 0x and 130 hex digits,
// r || s || v with v 27 or 28.
func (w *EthereumWallet) Sign(message string) string {
	compact := secpecdsa.SignCompact(w.key, personalSignHash(message), false) // v || r || s
	sig := append(append([]byte{}, compact[1:]...), compact[0])
	return "0x" + hex.EncodeToString(sig)
}

// ---- Solana ----

// verifySolana reports whether signature (base58, 64 bytes) is the ed25519
// signature of message by the key whose base58 form is address.
func verifySolana(address, message, signature string) (bool, error) {
	sig, err := base58Decode(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false, errors.New("a Solana signature is 64 bytes in base58")
	}
	pub, _ := base58Decode(address) // checked by checkWalletAddress
	return ed25519.Verify(pub, []byte(message), sig), nil
}

// SolanaWallet is a Solana key pair for tests: what a wallet such as
// Phantom holds, to sign the challenges of CryptoWallets.AuthenticateStart.
type SolanaWallet struct{ key ed25519.PrivateKey }

// NewSolanaWallet generates a new random key.
func NewSolanaWallet() *SolanaWallet {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("stytchtest: generating an ed25519 key: " + err.Error())
	}
	return &SolanaWallet{key: key}
}

// Address is the wallet's address: its public key in base58.
func (w *SolanaWallet) Address() string { return base58Encode(w.key.Public().(ed25519.PublicKey)) }

// Sign signs message (its UTF-8 bytes), as a wallet's signMessage does, and
// returns the signature in base58, as CryptoWallets.Authenticate takes it.
func (w *SolanaWallet) Sign(message string) string {
	return base58Encode(ed25519.Sign(w.key, []byte(message)))
}

// ---- base58 (Bitcoin's alphabet, which Solana uses) ----

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	radix, mod := big.NewInt(58), new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	if s == "" || len(s) > 128 {
		return nil, errors.New("not base58")
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	for _, c := range []byte(s) {
		i := strings.IndexByte(base58Alphabet, c)
		if i < 0 {
			return nil, errors.New("not base58")
		}
		n.Mul(n, radix).Add(n, big.NewInt(int64(i)))
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

// newNonce is an alphanumeric nonce, as EIP-4361 asks (8 or more).
func newNonce() string {
	b := make([]byte, 17)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(base58Alphabet))))
		b[i] = base58Alphabet[n.Int64()]
	}
	return string(b)
}
