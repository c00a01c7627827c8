// Package webhooks verifies and decodes the webhooks Stytch sends when
// users, organizations, members and SSO or SCIM connections change.
//
// Stytch delivers webhooks through Svix, which signs them as the Standard
// Webhooks specification says: an HMAC-SHA256, keyed with the endpoint's
// secret ("whsec_" and base64), over "<id>.<timestamp>.<body>", sent in the
// svix-id, svix-timestamp and svix-signature headers (the specification's
// webhook-id, webhook-timestamp and webhook-signature are accepted too).
//
//	v, err := webhooks.NewVerifier(os.Getenv("STYTCH_WEBHOOK_SECRET"))
//	if err != nil { ... }
//	mux.Handle("POST /webhooks/stytch", webhooks.Handler(v, func(ctx context.Context, e *webhooks.Event) error {
//		if e.Type() == webhooks.DirectUserCreate { ... e.User ... }
//		return nil
//	}))
//
// Verification needs the raw body, as received: a body decoded and encoded
// again no longer verifies.
//
// The package needs nothing beyond the standard library and the SDK's own
// types: verification is a few lines of crypto/hmac, where Svix's Go
// package would bring its whole API client into the binary. It is apart
// from stytchhttp because it serves any transport (a queue consumer, a
// serverless function) and the emulator signs with it.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers Svix signs webhooks with, and the Standard Webhooks
// specification's names for the same.
const (
	HeaderSvixID           = "Svix-Id"
	HeaderSvixTimestamp    = "Svix-Timestamp"
	HeaderSvixSignature    = "Svix-Signature"
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// DefaultTolerance is how far a webhook's timestamp may be from the
// verifier's clock, either way, as Svix's own libraries allow.
const DefaultTolerance = 5 * time.Minute

// Why a webhook failed verification; the error returned matches one with
// errors.Is.
var (
	ErrMissingHeaders = errors.New("webhooks: the id, timestamp or signature header is missing")
	ErrInvalidHeaders = errors.New("webhooks: the timestamp or id header is malformed")
	ErrSignature      = errors.New("webhooks: no signature matches the body")
	ErrTooOld         = errors.New("webhooks: timestamp too old")
	ErrTooNew         = errors.New("webhooks: timestamp in the future")
	ErrBodyTooLarge   = errors.New("webhooks: body too large")
	ErrInvalidSecret  = errors.New(`webhooks: a secret must be "whsec_" and base64`)
)

// Verifier checks webhooks against one or more endpoint secrets. It is
// safe for concurrent use.
type Verifier struct {
	keys      [][]byte
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithSecrets adds secrets a webhook may be signed with, for the time an
// endpoint's secret is being rotated: a webhook signed with any of them
// verifies.
func WithSecrets(secrets ...string) Option {
	return func(v *Verifier) {
		for _, s := range secrets {
			k, err := decodeSecret(s)
			if err != nil {
				v.keys = append(v.keys, nil) // refused by NewVerifier
				continue
			}
			v.keys = append(v.keys, k)
		}
	}
}

// WithTolerance sets how far a webhook's timestamp may be from now, either
// way (default 5 minutes). It bounds how long a captured webhook can be
// replayed; it must be positive.
func WithTolerance(d time.Duration) Option { return func(v *Verifier) { v.tolerance = d } }

// WithClock makes the verifier read the time from now, for tests.
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithMaxBodyBytes bounds the body Handler reads (default 1 MiB; Stytch's
// events are a few KiB). A longer body is refused with 413.
func WithMaxBodyBytes(n int64) Option { return func(v *Verifier) { v.maxBody = n } }

// NewVerifier returns a verifier of webhooks signed with secret, as the
// Stytch dashboard shows it ("whsec_…"). The prefix is optional.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	k, err := decodeSecret(secret)
	if err != nil {
		return nil, err
	}
	v := &Verifier{keys: [][]byte{k}, tolerance: DefaultTolerance, now: time.Now, maxBody: 1 << 20}
	for _, o := range opts {
		o(v)
	}
	for _, k := range v.keys {
		if k == nil {
			return nil, ErrInvalidSecret
		}
	}
	if v.tolerance <= 0 || v.maxBody <= 0 || v.now == nil {
		return nil, errors.New("webhooks: the tolerance and the body bound must be positive, and the clock not nil")
	}
	return v, nil
}

func decodeSecret(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if err != nil || len(k) == 0 {
		return nil, ErrInvalidSecret
	}
	return k, nil
}

// Verify checks a webhook with secret and the default tolerance: its
// headers (header holds the svix-* or webhook-* ones) and its raw body.
// Use a Verifier to keep the decoded secret, rotate secrets or change the
// tolerance.
func Verify(secret string, header http.Header, body []byte) error {
	v, err := NewVerifier(secret)
	if err != nil {
		return err
	}
	return v.Verify(header, body)
}

// Verify checks a webhook's headers and raw body: a signature must match
// the body under one of the verifier's secrets (compared in constant time),
// and the timestamp must be within the tolerance.
func (v *Verifier) Verify(header http.Header, body []byte) error {
	id, ts, sigs := header.Get(HeaderSvixID), header.Get(HeaderSvixTimestamp), header.Get(HeaderSvixSignature)
	if id == "" && ts == "" && sigs == "" {
		id, ts, sigs = header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp), header.Get(HeaderWebhookSignature)
	}
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strings.Contains(id, ".") {
		return ErrInvalidHeaders
	}
	now := v.now().Unix()
	tol := int64(v.tolerance / time.Second)
	// Signed first, so that a stale forgery and a stale genuine webhook
	// cannot be told apart by the error.
	if !v.signed(id, ts, body, sigs) {
		return ErrSignature
	}
	switch {
	case sec < now-tol:
		return ErrTooOld
	case sec > now+tol:
		return ErrTooNew
	}
	return nil
}

// signed reports whether one of the space-separated "v1,<base64>"
// signatures is the HMAC of id.ts.body under one of the keys.
func (v *Verifier) signed(id, ts string, body []byte, sigs string) bool {
	var want [sha256.Size]byte
	for _, key := range v.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		expected := mac.Sum(want[:0])
		for _, s := range strings.Fields(sigs) {
			version, sig, ok := strings.Cut(s, ",")
			if !ok || version != "v1" {
				continue // another scheme (v1a is asymmetric) or junk
			}
			if len(sig) != base64.StdEncoding.EncodedLen(sha256.Size) {
				continue
			}
			var got [sha256.Size + 1]byte // DecodedLen of 44 characters is 33
			n, err := base64.StdEncoding.Decode(got[:], []byte(sig))
			if err != nil || n != sha256.Size {
				continue
			}
			if hmac.Equal(got[:n], expected) {
				return true
			}
		}
	}
	return false
}

// Sign returns the svix-signature value for a webhook: "v1," and the
// base64 HMAC-SHA256 of id.timestamp.body under secret. The emulator
// signs with it; tests of a webhook handler can too.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
