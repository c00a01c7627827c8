package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gostytch/stytch"
)

// benchResponse is a realistic magic-link authenticate response: a user
// and a session with its factor, about 3 KB.
var benchResponse = func() []byte {
	var r map[string]any
	if err := json.Unmarshal([]byte(authenticateResponse), &r); err != nil {
		panic(err)
	}
	u := r["user"].(map[string]any)
	u["trusted_metadata"] = map[string]any{"plan": "enterprise", "seats": 250, "region": "eu-west-1", "features": []string{"sso", "scim", "audit-log", "custom-roles"}}
	u["untrusted_metadata"] = map[string]any{"theme": "dark", "locale": "en-GB", "onboarding": map[string]any{"step": 4, "completed": false}}
	u["phone_numbers"] = []map[string]any{{"phone_id": "phone-number-test-2b0c7a6e-1f4d-4a8e-9c1b-6d2e3f4a5b6c", "phone_number": "+12025550123", "verified": true}}
	s := r["session"].(map[string]any)
	s["custom_claims"] = map[string]any{"org": "acme", "tier": "gold", "permissions": []string{"read:users", "write:users", "read:billing"}}
	u["emails"] = append(u["emails"].([]any), map[string]any{"email_id": "email-test-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "email": "ada.lovelace@analytical-engines.example", "verified": false})
	r["session_jwt"] = strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0In0", 34)
	b, _ := json.Marshal(r)
	return b
}()

func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchResponse)
	}))
	b.Cleanup(srv.Close)
	return srv
}

var benchParams = &MagicLinksAuthenticateParams{Token: "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=", SessionDurationMinutes: stytch.Ptr(60)}

// nethttpCall is the floor: the same request and decoding, by hand.
func nethttpCall(ctx context.Context, hc *http.Client, url string) (*MagicLinksAuthenticateResponse, error) {
	body, err := json.Marshal(benchParams)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/magic_links/authenticate", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(testProject, testSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out MagicLinksAuthenticateResponse
	return &out, json.Unmarshal(raw, &out)
}

func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	b.Logf("response: %d bytes", len(benchResponse))
	b.Run("sdk", func(b *testing.B) {
		srv := benchServer(b)
		c, err := NewClient(testProject, testSecret, stytch.WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.MagicLinks.Authenticate(ctx, benchParams); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nethttp", func(b *testing.B) {
		srv := benchServer(b)
		hc := &http.Client{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := nethttpCall(ctx, hc, srv.URL); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCallParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		srv := benchServer(b)
		c, err := NewClient(testProject, testSecret, stytch.WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.MagicLinks.Authenticate(ctx, benchParams); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("nethttp", func(b *testing.B) {
		srv := benchServer(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := nethttpCall(ctx, http.DefaultClient, srv.URL); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
