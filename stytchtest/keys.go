package stytchtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/consumer"
)

// jwtLifetime is how long a session JWT is valid: always five minutes.
const jwtLifetime = 5 * time.Minute

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert []byte // self-signed certificate, DER, for x5c
}

// keySet holds the emulator's RS256 keys, newest last. Keys are generated
// on first use, so an emulator that never signs pays nothing.
type keySet struct {
	now  func() time.Time
	mu   sync.Mutex
	keys []*signingKey
}

func newKeySet(now func() time.Time) *keySet { return &keySet{now: now} }

func (k *keySet) current() *signingKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) == 0 {
		k.keys = append(k.keys, k.generate())
	}
	return k.keys[len(k.keys)-1]
}

func (k *keySet) all() []*signingKey {
	k.current()
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*signingKey(nil), k.keys...)
}

// rotate adds a new current key. Stytch keeps serving the previous key for
// a month after a rotation; the emulator keeps the last two.
func (k *keySet) rotate() {
	k.current()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(k.keys, k.generate())
	if len(k.keys) > 2 {
		k.keys = k.keys[len(k.keys)-2:]
	}
}

func (k *keySet) generate() *signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("stytchtest: generating an RSA key: " + err.Error())
	}
	// Stytch's real key IDs have an unconfirmed format; this one is recognisable.
	return &signingKey{kid: "jwk-test-" + newUUID(), priv: priv, cert: selfSign(priv, k.now())}
}

// selfSign makes a self-signed certificate (DER) for priv, valid for 180
// days from now.
func selfSign(priv *rsa.PrivateKey, now time.Time) []byte {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "stytchtest"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(180 * 24 * time.Hour),
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		panic("stytchtest: self-signing a certificate: " + err.Error())
	}
	return cert
}

// jwks returns the public keys as the JWKS endpoints serve them; both
// surfaces share one key set, as Stytch's do.
func (k *keySet) jwks() []consumer.JWK {
	var out []consumer.JWK
	for _, key := range k.all() {
		sum := sha256.Sum256(key.cert)
		out = append(out, consumer.JWK{
			KTY: "RSA", Use: "sig", KeyOps: []string{"verify"}, Alg: "RS256", KID: key.kid,
			X5C:     []string{base64.StdEncoding.EncodeToString(key.cert)},
			X5TS256: base64.RawURLEncoding.EncodeToString(sum[:]),
			N:       base64.RawURLEncoding.EncodeToString(key.priv.N.Bytes()),
			E:       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.priv.E)).Bytes()),
		})
	}
	return out
}

// sign issues an RS256 JWT with the current key.
func (k *keySet) sign(claims jwt.MapClaims) string {
	key := k.current()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = key.kid
	s, err := t.SignedString(key.priv)
	if err != nil {
		panic("stytchtest: signing a JWT: " + err.Error())
	}
	return s
}

var errBadJWT = errors.New("the JWT is malformed or not signed by this project")

// parse verifies a JWT's signature against every key in the set and
// returns its claims. Expiry is not checked here: the API accepts an
// expired JWT as long as its session lives.
func (k *keySet) parse(token string) (jwt.MapClaims, error) {
	keys := k.all()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, key := range keys {
			if key.kid == kid {
				return &key.priv.PublicKey, nil
			}
		}
		return nil, errBadJWT
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, errBadJWT
	}
	return claims, nil
}
