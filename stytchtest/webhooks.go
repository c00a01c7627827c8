package stytchtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gostytch/stytch/webhooks"
)

// SendWebhooks makes the emulator deliver a webhook, signed with secret as
// Svix signs Stytch's ("whsec_" and base64; the svix-id, svix-timestamp
// and svix-signature headers), to url for each change it makes, so that a
// webhook handler can be tested end to end. It sends, with source DIRECT:
// user create, update and delete (Users.Create, Update, Delete, and the
// users that magic-link and OTP login-or-create make), and organization
// and member create, update and delete (Organizations.Create, Update,
// Delete; Organizations.Members.Create, Update, Delete).
//
// Delivery is asynchronous, in the order of the changes, one request at a
// time per URL, so that a handler may call the emulator back; WaitWebhooks
// waits for what has been sent so far. A delivery that fails is recorded
// (WebhookDeliveries) and not retried. The svix-timestamp is read from the
// emulator's clock (WithClock): a test that moves the clock gives its
// verifier the same one. Call it again to add another URL; an invalid
// secret or URL panics. Programs in other languages use POST
// /__emulator/webhooks (see serveWebhookHook).
func (e *Emulator) SendWebhooks(url, secret string) {
	if err := e.addWebhook(url, secret); err != nil {
		panic("stytchtest: SendWebhooks: " + err.Error())
	}
}

func (e *Emulator) addWebhook(endpoint, secret string) error {
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook URL %q is not an absolute http or https URL", endpoint)
	}
	if _, err := webhooks.Sign(secret, "msg", time.Time{}, nil); err != nil {
		return err
	}
	h := &e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.endpoints = append(h.endpoints, &hookEndpoint{url: endpoint, secret: secret})
	return nil
}

// webhookHooks mirror SendWebhooks, WaitWebhooks and WebhookDeliveries:
//
//	POST /__emulator/webhooks {"url": "...", "secret": "whsec_..."} -> {}
//	GET  /__emulator/webhooks                                      -> {"deliveries": [...]}
//
// GET waits for the webhooks of the changes made so far, as WaitWebhooks
// does, and lists every delivery, oldest first, as {"url", "event_type",
// "event_id", "message_id", "status_code", "error"}.
func (e *Emulator) webhookHooks() []testHook {
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/webhooks", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				URL    string `json:"url"`
				Secret string `json:"secret"`
			}
			if err := decode(&in); err != nil {
				return nil, fmt.Errorf("the body must be {\"url\": ..., \"secret\": ...}: %w", err)
			}
			// The error names the URL, never the secret.
			return struct{}{}, e.addWebhook(in.URL, in.Secret)
		}},
		{method: http.MethodGet, path: "/__emulator/webhooks", serve: func(*http.Request, func(any) error) (any, error) {
			e.WaitWebhooks()
			type delivery struct {
				URL        string             `json:"url"`
				EventType  webhooks.EventType `json:"event_type"`
				EventID    string             `json:"event_id"`
				MessageID  string             `json:"message_id"`
				StatusCode int                `json:"status_code"`
				Error      string             `json:"error,omitempty"`
			}
			out := []delivery{}
			for _, d := range e.WebhookDeliveries() {
				v := delivery{URL: d.URL, EventType: d.EventType, EventID: d.EventID, MessageID: d.MessageID, StatusCode: d.StatusCode}
				if d.Err != nil {
					v.Error = d.Err.Error()
				}
				out = append(out, v)
			}
			return map[string]any{"deliveries": out}, nil
		}},
	}
}

// WebhookDelivery is one webhook the emulator sent.
type WebhookDelivery struct {
	URL       string
	EventType webhooks.EventType
	EventID   string
	// MessageID is the svix-id header, the same on every attempt.
	MessageID string
	// StatusCode is the endpoint's answer; 0 when none arrived (Err says
	// why).
	StatusCode int
	Err        error
}

// WaitWebhooks waits until every webhook of the changes made so far has
// been delivered or has failed.
func (e *Emulator) WaitWebhooks() {
	h := &e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.pending > 0 {
		h.idle().Wait()
	}
}

// WebhookDeliveries returns the webhooks sent so far, oldest first.
func (e *Emulator) WebhookDeliveries() []WebhookDelivery {
	h := &e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]WebhookDelivery(nil), h.log...)
}

// webhookHub is an emulator's webhook endpoints and what it has sent; the
// zero value is ready. Its lock is its own: emit runs under e.mu.
type webhookHub struct {
	mu        sync.Mutex
	cond      *sync.Cond
	endpoints []*hookEndpoint
	pending   int
	log       []WebhookDelivery
}

type hookEndpoint struct {
	url, secret string
	queue       []hookMessage
	running     bool
}

type hookMessage struct {
	eventType webhooks.EventType
	eventID   string
	msgID     string
	body      []byte
}

func (h *webhookHub) idle() *sync.Cond {
	if h.cond == nil {
		h.cond = sync.NewCond(&h.mu)
	}
	return h.cond
}

// emit records a change for the registered webhook endpoints: objectType is
// the event's object_type ("user", "organization", "member"), action
// "CREATE", "UPDATE" or "DELETE", id the object's ID, and object the object
// after the change (nil for a delete), encoded at once, so that later
// changes do not show. The handlers call it with e.mu held; plain strings
// keep their files free of this one's imports.
func (e *Emulator) emit(objType, action, id string, object any) {
	objectType, act := webhooks.ObjectType(objType), webhooks.Action(action)
	h := &e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.endpoints) == 0 {
		return
	}
	vertical := "B2B"
	if objectType == webhooks.ObjectUser {
		vertical = "CONSUMER"
	}
	ev := map[string]any{
		"project_id": e.projectID, "event_id": "webhook-event-test-" + newUUID(), "action": act,
		"object_type": objectType, "source": webhooks.SourceDirect, "id": id,
		"timestamp": e.now().Format(time.RFC3339Nano), "vertical": vertical,
	}
	if object != nil {
		ev[string(objectType)] = object
	}
	body, err := json.Marshal(ev)
	if err != nil {
		panic("stytchtest: a webhook event does not encode: " + err.Error())
	}
	parsed := webhooks.Event{Source: webhooks.SourceDirect, ObjectType: objectType, Action: act}
	msg := hookMessage{eventType: parsed.Type(), eventID: ev["event_id"].(string), body: body}
	for _, ep := range h.endpoints {
		m := msg
		m.msgID = "msg_" + newUUID()
		ep.queue = append(ep.queue, m)
		h.pending++
		if !ep.running {
			ep.running = true
			go e.deliver(ep)
		}
	}
}

// deliver sends ep's queue in order, and ends when it is empty.
func (e *Emulator) deliver(ep *hookEndpoint) {
	h := &e.hooks
	for {
		h.mu.Lock()
		if len(ep.queue) == 0 {
			ep.running = false
			h.mu.Unlock()
			return
		}
		m := ep.queue[0]
		ep.queue = ep.queue[1:]
		h.mu.Unlock()

		d := WebhookDelivery{URL: ep.url, EventType: m.eventType, EventID: m.eventID, MessageID: m.msgID}
		d.StatusCode, d.Err = e.post(ep, m)

		h.mu.Lock()
		h.log = append(h.log, d)
		h.pending--
		if h.pending == 0 {
			h.idle().Broadcast()
		}
		h.mu.Unlock()
	}
}

func (e *Emulator) post(ep *hookEndpoint, m hookMessage) (int, error) {
	now := e.now()
	sig, err := webhooks.Sign(ep.secret, m.msgID, now, m.body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, ep.url, bytes.NewReader(m.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooks.HeaderSvixID, m.msgID)
	req.Header.Set(webhooks.HeaderSvixTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhooks.HeaderSvixSignature, sig)
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
