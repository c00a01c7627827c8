package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// Action is what happened to the object: ActionCreate, ActionUpdate or
// ActionDelete.
type Action string

// The actions Stytch reports.
const (
	ActionCreate Action = "CREATE"
	ActionUpdate Action = "UPDATE"
	ActionDelete Action = "DELETE"
)

// Source is where the change came from.
type Source string

// The sources Stytch reports.
const (
	// SourceDirect is a call to the API, or a frontend SDK.
	SourceDirect Source = "DIRECT"
	// SourceDashboard is the Stytch dashboard.
	SourceDashboard Source = "DASHBOARD"
	// SourceSCIM is an organization's identity provider, through SCIM.
	SourceSCIM Source = "SCIM"
)

// ObjectType is the kind of object an event is about.
type ObjectType string

// The object types Stytch sends events for. The connection types'
// spellings follow Stytch's list of payload objects ("SAML Connection",
// …); unconfirmed against a live event.
const (
	ObjectUser           ObjectType = "user"
	ObjectOrganization   ObjectType = "organization"
	ObjectMember         ObjectType = "member"
	ObjectSAMLConnection ObjectType = "saml_connection"
	ObjectOIDCConnection ObjectType = "oidc_connection"
	ObjectSCIMConnection ObjectType = "scim_connection"
)

// EventType identifies an event as source.object_type.action, in lower
// case, as the Stytch dashboard names the events an endpoint subscribes to.
type EventType string

// The event types: consumer users, then B2B organizations, members (SCIM
// provisioning too) and SSO and SCIM connections.
const (
	DirectUserCreate    EventType = "direct.user.create"
	DirectUserUpdate    EventType = "direct.user.update"
	DirectUserDelete    EventType = "direct.user.delete"
	DashboardUserCreate EventType = "dashboard.user.create"
	DashboardUserUpdate EventType = "dashboard.user.update"
	DashboardUserDelete EventType = "dashboard.user.delete"

	DirectOrganizationCreate    EventType = "direct.organization.create"
	DirectOrganizationUpdate    EventType = "direct.organization.update"
	DirectOrganizationDelete    EventType = "direct.organization.delete"
	DashboardOrganizationCreate EventType = "dashboard.organization.create"
	DashboardOrganizationUpdate EventType = "dashboard.organization.update"
	DashboardOrganizationDelete EventType = "dashboard.organization.delete"

	DirectMemberCreate    EventType = "direct.member.create"
	DirectMemberUpdate    EventType = "direct.member.update"
	DirectMemberDelete    EventType = "direct.member.delete"
	DashboardMemberCreate EventType = "dashboard.member.create"
	DashboardMemberUpdate EventType = "dashboard.member.update"
	DashboardMemberDelete EventType = "dashboard.member.delete"
	SCIMMemberCreate      EventType = "scim.member.create"
	SCIMMemberUpdate      EventType = "scim.member.update"
	SCIMMemberDelete      EventType = "scim.member.delete"

	DirectSAMLConnectionCreate    EventType = "direct.saml_connection.create"
	DirectSAMLConnectionUpdate    EventType = "direct.saml_connection.update"
	DirectSAMLConnectionDelete    EventType = "direct.saml_connection.delete"
	DashboardSAMLConnectionCreate EventType = "dashboard.saml_connection.create"
	DashboardSAMLConnectionUpdate EventType = "dashboard.saml_connection.update"
	DashboardSAMLConnectionDelete EventType = "dashboard.saml_connection.delete"
	DirectOIDCConnectionCreate    EventType = "direct.oidc_connection.create"
	DirectOIDCConnectionUpdate    EventType = "direct.oidc_connection.update"
	DirectOIDCConnectionDelete    EventType = "direct.oidc_connection.delete"
	DashboardOIDCConnectionCreate EventType = "dashboard.oidc_connection.create"
	DashboardOIDCConnectionUpdate EventType = "dashboard.oidc_connection.update"
	DashboardOIDCConnectionDelete EventType = "dashboard.oidc_connection.delete"
	DirectSCIMConnectionCreate    EventType = "direct.scim_connection.create"
	DirectSCIMConnectionUpdate    EventType = "direct.scim_connection.update"
	DirectSCIMConnectionDelete    EventType = "direct.scim_connection.delete"
	DashboardSCIMConnectionCreate EventType = "dashboard.scim_connection.create"
	DashboardSCIMConnectionUpdate EventType = "dashboard.scim_connection.update"
	DashboardSCIMConnectionDelete EventType = "dashboard.scim_connection.delete"
)

// Event is a Stytch webhook event.
type Event struct {
	// ProjectID is the project the event is for.
	ProjectID string `json:"project_id"`
	// EventID is unique to the event, and the same on every delivery of it:
	// the key to process an event once.
	EventID string `json:"event_id"`
	// Action is what happened: CREATE, UPDATE or DELETE.
	Action Action `json:"action"`
	// ObjectType is the kind of object it happened to.
	ObjectType ObjectType `json:"object_type"`
	// Source is where the change came from: DIRECT, DASHBOARD or SCIM.
	Source Source `json:"source"`
	// ID is the ID of the object.
	ID string `json:"id"`
	// Timestamp is when Stytch sent the event. Events may arrive out of
	// order; compare timestamps before applying an older one.
	Timestamp time.Time `json:"timestamp"`
	// Vertical is "CONSUMER" or "B2B", when Stytch says.
	Vertical string `json:"vertical,omitempty"`

	// Object is the object as it is after the change, as JSON, on CREATE
	// and UPDATE events (it is the event's field named by ObjectType); nil
	// on DELETE events.
	Object json.RawMessage `json:"-"`

	// The object, decoded, when its type is one the SDK has; at most one is
	// set, the one ObjectType names.
	User           *consumer.User      `json:"-"`
	Organization   *b2b.Organization   `json:"-"`
	Member         *b2b.Member         `json:"-"`
	SAMLConnection *b2b.SAMLConnection `json:"-"`
	OIDCConnection *b2b.OIDCConnection `json:"-"`
	SCIMConnection *b2b.SCIMConnection `json:"-"`
}

// Type is the event's type, source.object_type.action in lower case.
func (e *Event) Type() EventType {
	return EventType(strings.ToLower(string(e.Source)) + "." + string(e.ObjectType) + "." + strings.ToLower(string(e.Action)))
}

// ErrDecode says a verified body is not a Stytch event the SDK can read.
var ErrDecode = errors.New("webhooks: the body is not a Stytch event")

// Parse decodes a webhook body into an Event. Verify the body first.
func Parse(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	if e.ObjectType == "" || e.Action == "" {
		return nil, fmt.Errorf("%w: no object_type or action", ErrDecode)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	raw, ok := fields[string(e.ObjectType)]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return &e, nil
	}
	e.Object = raw
	var err error
	switch e.ObjectType {
	case ObjectUser:
		e.User, err = decode[consumer.User](raw)
	case ObjectOrganization:
		e.Organization, err = decode[b2b.Organization](raw)
	case ObjectMember:
		e.Member, err = decode[b2b.Member](raw)
	case ObjectSAMLConnection:
		e.SAMLConnection, err = decode[b2b.SAMLConnection](raw)
	case ObjectOIDCConnection:
		e.OIDCConnection, err = decode[b2b.OIDCConnection](raw)
	case ObjectSCIMConnection:
		e.SCIMConnection, err = decode[b2b.SCIMConnection](raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: its %s: %v", ErrDecode, e.ObjectType, err)
	}
	return &e, nil
}

func decode[T any](raw json.RawMessage) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Handler returns an http.Handler for a webhook endpoint: it reads the raw
// body (up to WithMaxBodyBytes, else 413), verifies it with v (else 401:
// a bad signature, or a timestamp outside the tolerance), decodes it (else
// 400) and calls handle with the event. handle's error answers 500, which
// makes Svix deliver the event again later; nil answers 204. Only POST is
// accepted (else 405).
//
// Svix may deliver an event more than once: make handle idempotent, keyed
// on Event.EventID.
func Handler(v *Verifier, handle func(context.Context, *Event) error) http.Handler {
	if v == nil || handle == nil {
		panic("webhooks: Handler needs a Verifier and a func")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			fail(w, http.StatusMethodNotAllowed, "method_not_allowed")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, v.maxBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(w, http.StatusRequestEntityTooLarge, "body_too_large")
				return
			}
			fail(w, http.StatusBadRequest, "unreadable_body")
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			fail(w, http.StatusUnauthorized, "invalid_signature")
			return
		}
		e, err := Parse(body)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_event")
			return
		}
		if err := handle(r.Context(), e); err != nil {
			fail(w, http.StatusInternalServerError, "handler_failed")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func fail(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":"`+code+`"}`+"\n")
}
