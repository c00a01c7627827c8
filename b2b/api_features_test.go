package b2b

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	h := *header.Load()
	require.Equal(t, "member.jwt.value", h.Get("X-Stytch-Member-SessionJWT"))
	require.Empty(t, h.Get("X-Stytch-Member-Session"))

	_, err = c.Organizations.Delete(ctx, params)
	require.NoError(t, err)
	h = *header.Load()
	require.Empty(t, h.Get("X-Stytch-Member-SessionJWT"), "an option leaked into a later call")

	before := calls.Load()
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSession(""))
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe), "got %v", err)
	require.Equal(t, "Organizations.Delete", pe.Operation)
	require.Equal(t, "WithMemberSession", pe.Param)
	require.Equal(t, before, calls.Load(), "a request was sent")

	// Both member-session options at once cannot be meant.
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSession("t"), stytch.WithMemberSessionJWT("j"))
	require.True(t, errors.As(err, &pe), "got %v", err)
	require.Equal(t, "WithMemberSessionJWT", pe.Param)
	require.Equal(t, before, calls.Load(), "a request was sent")

	// The error names the option, never a canonicalized header.
	_, err = c.Organizations.Delete(ctx, params, stytch.WithMemberSessionJWT(""))
	require.True(t, errors.As(err, &pe), "got %v", err)
	require.Equal(t, "WithMemberSessionJWT", pe.Param)
	require.NotContains(t, err.Error(), "Sessionjwt")
	require.Equal(t, before, calls.Load(), "a request was sent")
}
