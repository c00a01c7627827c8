package stytchtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator is a virtual passkey authenticator: what a browser and a
// platform authenticator do together for navigator.credentials.create()
// and navigator.credentials.get(), with no browser and no user. It answers
// the options JSON that WebAuthn.RegisterStart and
// WebAuthn.AuthenticateStart return with the credential JSON to pass as
// public_key_credential to WebAuthn.Register and WebAuthn.Authenticate:
//
//	passkey := stytchtest.NewAuthenticator("https://example.com")
//	start, _ := client.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: id, Domain: "example.com"})
//	credential, _ := passkey.Create(start.PublicKeyCredentialCreationOptions)
//	_, _ = client.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: id, PublicKeyCredential: credential})
//
// Its credentials are ES256 (P-256) keys with "none" attestation, each
// discoverable (a passkey), with a signature counter that advances on every
// Get. It works with any relying party, not only the emulator: the options
// may be Stytch's (values in base64 or base64url) or the W3C JSON form,
// wrapped in {"publicKey": ...} or not. Like a browser, it refuses a
// relying party ID that is not its origin's host or a parent domain of it.
// It is safe for concurrent use.
type Authenticator struct {
	origin string

	mu    sync.Mutex
	creds []*virtualCredential // oldest first
}

type virtualCredential struct {
	id, userHandle []byte
	rpID           string
	key            *ecdsa.PrivateKey
	signCount      uint32
}

// ErrNoCredential is returned by Authenticator.Get when the authenticator
// holds no credential for the relying party that the options allow, as a
// browser's NotAllowedError.
var ErrNoCredential = errors.New("stytchtest: the authenticator holds no credential that the options allow")

// NewAuthenticator returns an authenticator, holding no credentials, for
// pages served from origin, such as "https://example.com" or
// "http://localhost:3000": the origin it reports in its client data.
func NewAuthenticator(origin string) *Authenticator {
	return &Authenticator{origin: origin}
}

// Origin is the origin the authenticator was made for.
func (a *Authenticator) Origin() string { return a.origin }

// The authenticator data flags of WebAuthn §6.1.
const (
	flagUserPresent  = 0x01
	flagUserVerified = 0x04
	flagAttested     = 0x40
)

// coseAlgES256 is ECDSA with SHA-256 on P-256 in the COSE registry.
const coseAlgES256 = -7

type credentialDescriptorJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type creationOptionsJSON struct {
	RP struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Challenge        string `json:"challenge"`
	PubKeyCredParams []struct {
		Type string `json:"type"`
		Alg  int    `json:"alg"`
	} `json:"pubKeyCredParams"`
	ExcludeCredentials     []credentialDescriptorJSON `json:"excludeCredentials"`
	AuthenticatorSelection struct {
		AuthenticatorAttachment string `json:"authenticatorAttachment"`
		UserVerification        string `json:"userVerification"`
	} `json:"authenticatorSelection"`
}

type requestOptionsJSON struct {
	Challenge        string                     `json:"challenge"`
	RPID             string                     `json:"rpId"`
	AllowCredentials []credentialDescriptorJSON `json:"allowCredentials"`
	UserVerification string                     `json:"userVerification"`
}

// Create makes a new credential for the creation options (the
// PublicKeyCredentialCreationOptions, as JSON) and returns the
// PublicKeyCredential JSON that navigator.credentials.create() would give,
// with base64url values.
func (a *Authenticator) Create(creationOptions string) (string, error) {
	var opts creationOptionsJSON
	if err := unmarshalOptions(creationOptions, &opts); err != nil {
		return "", err
	}
	challenge, err := a.checkCeremony(opts.RP.ID, opts.Challenge)
	if err != nil {
		return "", err
	}
	userHandle, err := decodeBase64Any(opts.User.ID)
	if err != nil || len(userHandle) == 0 || len(userHandle) > 64 {
		return "", errors.New("stytchtest: the creation options' user.id is not 1 to 64 bytes of base64")
	}
	if !offersES256(opts) {
		return "", errors.New("stytchtest: the creation options do not offer ES256 (-7) among pubKeyCredParams")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	c := &virtualCredential{id: make([]byte, 32), userHandle: userHandle, rpID: opts.RP.ID, key: key}
	_, _ = rand.Read(c.id)
	publicKey, err := coseES256Key(&key.PublicKey)
	if err != nil {
		return "", err
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ex := range opts.ExcludeCredentials {
		if a.held(ex.ID, opts.RP.ID) != nil {
			// The browser's InvalidStateError: this authenticator is already registered.
			return "", errors.New("stytchtest: the authenticator holds a credential that excludeCredentials lists")
		}
	}
	// authData: rpIdHash, flags, signCount, then the attested credential
	// data: an all-zero AAGUID, the credential ID's length and the ID, and
	// the COSE public key.
	authData := a.authData(c, opts.AuthenticatorSelection.UserVerification, flagAttested)
	authData = append(authData, make([]byte, 16)...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(c.id)))
	authData = append(authData, c.id...)
	authData = append(authData, publicKey...)
	attestation, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return "", err
	}
	clientData, err := a.clientData("webauthn.create", challenge)
	if err != nil {
		return "", err
	}
	attachment := opts.AuthenticatorSelection.AuthenticatorAttachment
	transports := []string{"internal", "hybrid"}
	if attachment != "cross-platform" {
		attachment = "platform"
	} else {
		transports = []string{"usb"}
	}
	a.creds = append(a.creds, c)
	return credentialJSON(c, attachment, map[string]any{
		"clientDataJSON":    b64url(clientData),
		"attestationObject": b64url(attestation),
		"transports":        transports,
	})
}

// Get signs the request options (the PublicKeyCredentialRequestOptions, as
// JSON) with a credential for their relying party and returns the
// PublicKeyCredential JSON that navigator.credentials.get() would give, with
// base64url values and the credential's user handle. Given allowCredentials
// it uses the first of them it holds; without (a passkey sign-in) the
// newest credential it holds for the relying party. It returns
// ErrNoCredential when it holds none of them.
func (a *Authenticator) Get(requestOptions string) (string, error) {
	var opts requestOptionsJSON
	if err := unmarshalOptions(requestOptions, &opts); err != nil {
		return "", err
	}
	rpID := opts.RPID
	if rpID == "" {
		// WebAuthn §5.1.4.1: the RP ID defaults to the origin's effective domain.
		u, err := url.Parse(a.origin)
		if err != nil {
			return "", fmt.Errorf("stytchtest: the authenticator's origin %q is not a URL", a.origin)
		}
		rpID = u.Hostname()
	}
	challenge, err := a.checkCeremony(rpID, opts.Challenge)
	if err != nil {
		return "", err
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	var c *virtualCredential
	for _, allowed := range opts.AllowCredentials {
		if c = a.held(allowed.ID, rpID); c != nil {
			break
		}
	}
	if len(opts.AllowCredentials) == 0 {
		for _, held := range a.creds {
			if held.rpID == rpID {
				c = held
			}
		}
	}
	if c == nil {
		return "", ErrNoCredential
	}
	c.signCount++
	authData := a.authData(c, opts.UserVerification, 0)
	clientData, err := a.clientData("webauthn.get", challenge)
	if err != nil {
		return "", err
	}
	// WebAuthn §6.3.3: the signature covers authData and the hash of the client data.
	clientHash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte(nil), authData...), clientHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return "", err
	}
	return credentialJSON(c, "platform", map[string]any{
		"clientDataJSON":    b64url(clientData),
		"authenticatorData": b64url(authData),
		"signature":         b64url(sig),
		"userHandle":        b64url(c.userHandle),
	})
}

// checkCeremony does what the browser checks before calling the
// authenticator: the RP ID must be the origin's host or a parent domain of
// it, on a secure origin; it returns the decoded challenge.
func (a *Authenticator) checkCeremony(rpID, challenge string) ([]byte, error) {
	if !originMatchesDomain(a.origin, rpID) {
		return nil, fmt.Errorf("stytchtest: the relying party ID %q is not valid for the origin %q", rpID, a.origin)
	}
	raw, err := decodeBase64Any(challenge)
	if err != nil || len(raw) == 0 {
		return nil, errors.New("stytchtest: the options' challenge is missing or not base64")
	}
	return raw, nil
}

// originMatchesDomain reports whether a page at origin may use the relying
// party ID domain (WebAuthn §5.1.3 and §5.1.4.1): https, or http on
// localhost, and a host equal to domain or below it.
func originMatchesDomain(origin, domain string) bool {
	u, err := url.Parse(origin)
	if err != nil || domain == "" || u.Path != "" && u.Path != "/" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	domain = strings.ToLower(domain)
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (host == "localhost" || strings.HasSuffix(host, ".localhost")):
	default:
		return false
	}
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// held returns the credential whose ID is id (in either base64) for rpID,
// or nil; a.mu is held.
func (a *Authenticator) held(id, rpID string) *virtualCredential {
	raw, err := decodeBase64Any(id)
	if err != nil {
		return nil
	}
	for _, c := range a.creds {
		if c.rpID == rpID && string(c.id) == string(raw) {
			return c
		}
	}
	return nil
}

// authData starts the authenticator data of WebAuthn §6.1 for c. The user
// is verified unless the relying party discourages it.
func (a *Authenticator) authData(c *virtualCredential, userVerification string, flags byte) []byte {
	rpIDHash := sha256.Sum256([]byte(c.rpID))
	flags |= flagUserPresent
	if userVerification != "discouraged" {
		flags |= flagUserVerified
	}
	out := append(rpIDHash[:], flags)
	return binary.BigEndian.AppendUint32(out, c.signCount)
}

// clientData is the CollectedClientData of WebAuthn §5.8.1, as the browser
// serializes it.
func (a *Authenticator) clientData(typ string, challenge []byte) ([]byte, error) {
	return json.Marshal(map[string]any{"type": typ, "challenge": b64url(challenge), "origin": a.origin, "crossOrigin": false})
}

func credentialJSON(c *virtualCredential, attachment string, response map[string]any) (string, error) {
	out, err := json.Marshal(map[string]any{
		"id": b64url(c.id), "rawId": b64url(c.id), "type": "public-key",
		"authenticatorAttachment": attachment, "response": response, "clientExtensionResults": map[string]any{},
	})
	return string(out), err
}

// coseES256Key encodes a P-256 public key as a COSE_Key (RFC 9053 §7.1.1).
func coseES256Key(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	return webauthncbor.Marshal(map[int]any{1: 2, 3: coseAlgES256, -1: 1, -2: raw[1:33], -3: raw[33:]})
}

func offersES256(opts creationOptionsJSON) bool {
	if len(opts.PubKeyCredParams) == 0 {
		return true // WebAuthn §5.4: an empty list means ES256 and RS256
	}
	for _, p := range opts.PubKeyCredParams {
		if p.Type == "public-key" && p.Alg == coseAlgES256 {
			return true
		}
	}
	return false
}

// unmarshalOptions decodes options JSON, unwrapping {"publicKey": ...}.
func unmarshalOptions(s string, v any) error {
	var wrapped struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(s), &wrapped); err != nil {
		return fmt.Errorf("stytchtest: the options are not a JSON object: %w", err)
	}
	raw := []byte(s)
	if len(wrapped.PublicKey) > 0 {
		raw = wrapped.PublicKey
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("stytchtest: the options are malformed: %w", err)
	}
	return nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decodeBase64Any decodes standard or URL-safe base64, padded or not: Stytch
// sends either, as use_base64_url_encoding asks.
func decodeBase64Any(s string) ([]byte, error) {
	s = strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	return base64.RawURLEncoding.DecodeString(s)
}
