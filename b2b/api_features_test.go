package b2b

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gostytch/stytch"
)

// The member-session options become the headers Stytch reads for RBAC, per
// call; an empty token is an error before any I/O, never a silent drop.
func TestMemberSessionOptions(t *testing.T) {
	var calls atomic.Int32
	var header atomic.Pointer[http.Header]
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		h := r.Header.Clone()
		header.Store(&h)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"request_id":"r","status_code":200}`))
	})
	ctx := context.Background()
	params := &OrganizationsDeleteParams{OrganizationID: "organization-test-1"}

	_, err := c.Organizations.Delete(ctx, params, stytch.WithMemberSessionJWT("member.jwt.value"))
	if err != nil {
		t.Fatal(err)
	}
	h := *header.Load()
	if got := h.Get("X-Stytch-Member-SessionJWT"); got != "member.jwt.value" {
		t.Fatalf("got %q, want %q", got, "member.jwt.value")
	}
	if got := h.Get("X-Stytch-Member-Session"); got != "" {
		t.Fatalf("X-Stytch-Member-Session = %q, want none", got)
	}

	_, err = c.Organizations.Delete(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	h = *header.Load()
	if got := h.Get("X-Stytch-Member-SessionJWT"); got != "" {
		t.Fatalf("an option leaked into a later call: X-Stytch-Member-SessionJWT = %q, want none", got)
	}

	before := calls.Load()
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSession(""))
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Operation != "Organizations.Delete" {
		t.Fatalf("pe.Operation = %q, want %q", pe.Operation, "Organizations.Delete")
	}
	if pe.Param != "WithMemberSession" {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, "WithMemberSession")
	}
	if got := calls.Load(); got != before {
		t.Fatalf("a request was sent: calls.Load() = %v, want %v", got, before)
	}

	// Both member-session options at once cannot be meant.
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSession("t"), stytch.WithMemberSessionJWT("j"))
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Param != "WithMemberSessionJWT" {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, "WithMemberSessionJWT")
	}
	if got := calls.Load(); got != before {
		t.Fatalf("a request was sent: calls.Load() = %v, want %v", got, before)
	}

	// The error names the option, never a canonicalized header.
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSessionJWT(""))
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Param != "WithMemberSessionJWT" {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, "WithMemberSessionJWT")
	}
	if strings.Contains(err.Error(), "Sessionjwt") {
		t.Fatalf("err.Error() = %q, want it not to contain %q", err.Error(), "Sessionjwt")
	}
	if got := calls.Load(); got != before {
		t.Fatalf("a request was sent: calls.Load() = %v, want %v", got, before)
	}
}
