package jwtauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to Verify. It must never panic, every
// error must be a *VerifyError that does not quote the input, and anything
// accepted must carry claims that passed the checks.
func FuzzVerify(f *testing.F) {
	keys := testKeys(f)
	valid := sign(f, keys[0], sessionClaims(epoch))
	parts := strings.Split(valid, ".")
	enc := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{
		valid,
		parts[0] + "." + parts[1] + ".",
		parts[0] + "." + enc([]byte(`{"exp":"x"}`)) + "." + parts[2],
		enc([]byte(`{"alg":"none","kid":"jwk-test-a"}`)) + "." + parts[1] + ".",
		enc([]byte(`{"alg":"RS256","kid":{}}`)) + "." + parts[1] + "." + parts[2],
		enc([]byte(`{"alg":"RS256","kid":"jwk-test-a"}`)) + "." + enc([]byte(`{"aud":7}`)) + "." + parts[2],
		"", ".", "..", "...", "a.b.c", "eyJ.eyJ.", strings.Repeat("A", 100),
	} {
		f.Add(s)
	}
	clock := newClock()
	v, err := NewVerifier(newStaticKeys(keys[0]), VerifierOptions{ProjectID: testProject, Now: clock.Now, MaxTokenSize: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token, KindSession, WithMaxTokenAge(time.Hour))
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if c != nil {
				t.Fatal("claims with an error")
			}
			if len(token) >= 24 && strings.Contains(err.Error(), token) {
				t.Fatal("the error quotes the token")
			}
			return
		}
		if c == nil || c.Issuer != "stytch.com/"+testProject || !contains(c.Audience, testProject) || c.KeyID != keys[0].kid {
			t.Fatalf("accepted a token with claims %+v", c)
		}
	})
}

// FuzzEachMember holds the payload walker to encoding/json: for any input,
// it accepts exactly the JSON objects, and finds the same members with the
// same raw values (last one wins for a repeated key, as in a map).
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a" : "x\"}" , "b":[1,{"c":"]"}],"d":null,"e":true,"f":-1.5e3}`,
		`{"a\u0062":1,"a\\":2}`, `{"a":1,"a":2}`, `[1]`, `"s"`, `{"a":}`, `{"a":1,}`, "{\"a\":\t1\n}", `{"a":{"b":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := map[string]json.RawMessage{}
		wantErr := json.Unmarshal(b, &want)
		got := map[string]json.RawMessage{}
		err := eachMember(b, func(key []byte, escaped bool, value []byte) error {
			name := string(key)
			if escaped {
				if err := json.Unmarshal([]byte(`"`+string(key)+`"`), &name); err != nil {
					t.Fatalf("escaped key %q does not decode: %v", key, err)
				}
			}
			got[name] = value
			return nil
		})
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("eachMember error %v, encoding/json error %v, for %q", err, wantErr, b)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("members %v, want %v", got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("member %q = %q, want %q", k, got[k], v)
			}
		}
	})
}

// FuzzSessionClaim holds the session claim's walker to encoding/json: on
// any JSON object whose member names are spelt exactly (encoding/json also
// matches other cases), both fail or both read the same claim.
func FuzzSessionClaim(f *testing.F) {
	for _, s := range []string{
		`{"id":"s","started_at":"2025-06-01T11:00:00Z","last_accessed_at":"2025-06-01T12:00:00.5+02:00","expires_at":"2025-06-01T13:00:00Z",
		 "attributes":{"ip_address":"203.0.113.7","user_agent":"Mozilla/5.0 \"x\""},"authentication_factors":[{"type":"otp"}],"roles":["a","b\u00e9"]}`,
		`{"id":5}`, `{"roles":"x"}`, `{"roles":[1]}`, `{"attributes":[]}`, `{"attributes":{"ip_address":null}}`, `{"started_at":"yesterday"}`,
		`{"\u0069d":"escaped key"}`, `{"roles":["a"],"roles":["b","c"]}`, `{"attributes":{"ip_address":"a"},"attributes":{"user_agent":"b"}}`, `[]`, `"s"`,
	} {
		f.Add([]byte(s))
	}
	type plain SessionClaim // without the decode method's influence
	f.Fuzz(func(t *testing.T, b []byte) {
		var probe map[string]json.RawMessage
		if json.Unmarshal(b, &probe) != nil {
			return // decode only ever sees a JSON object (or is told it is not one)
		}
		if !exactNames(b, "id", "started_at", "last_accessed_at", "expires_at", "attributes", "authentication_factors", "roles", "ip_address", "user_agent") {
			return
		}
		var want plain
		wantErr := json.Unmarshal(b, &want)
		var got SessionClaim
		err := got.decode(b)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("walker error %v, encoding/json error %v, for %s", err, wantErr, b)
		}
		if err != nil {
			return
		}
		if string(want.AuthenticationFactors) == "null" {
			want.AuthenticationFactors = nil
		}
		if len(want.Roles) == 0 && len(got.Roles) == 0 {
			want.Roles, got.Roles = nil, nil
		}
		if fmt.Sprint(SessionClaim(want)) != fmt.Sprint(got) {
			t.Fatalf("walker read %+v, encoding/json %+v, for %s", got, want, b)
		}
	})
}

// exactNames reports whether no string in the JSON b (a member name, say,
// repeated or escaped) matches one of names only when case is ignored.
func exactNames(b []byte, names ...string) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		if s, ok := tok.(string); ok {
			for _, n := range names {
				if s != n && strings.EqualFold(s, n) {
					return false
				}
			}
		}
	}
}
