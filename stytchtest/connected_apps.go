package stytchtest

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"

	"github.com/gostytch/stytch/consumer"
)

// Connected Apps: the OAuth clients for which the project is the identity
// provider. Both surfaces share them (spec/shared/connected_apps.yaml), so
// their handlers are consumerAPI's, as M2M's are. The authorization flow
// and the grants it records are in idp_authorize.go.

// connectedAppTokenMinutes is an app's access_token_expiry_minutes unless
// it sets its own: an hour (Stytch's reference).
const connectedAppTokenMinutes = 60

type connectedApp struct {
	a consumer.ConnectedApp
	clientSecrets
	seq int // creation order, which search pages follow
}

// public reports a client that cannot keep a secret: it has none, and
// proves itself with PKCE instead.
func (a *connectedApp) public() bool {
	t := a.a.ClientType
	return t == consumer.ConnectedAppClientTypeFirstPartyPublic || t == consumer.ConnectedAppClientTypeThirdPartyPublic
}

func (a *connectedApp) firstParty() bool {
	t := a.a.ClientType
	return t == consumer.ConnectedAppClientTypeFirstParty || t == consumer.ConnectedAppClientTypeFirstPartyPublic
}

// connectedAppsState holds the Connected Apps and what the authorization
// flow has granted them (idp_authorize.go).
type connectedAppsState struct {
	apps    map[string]*connectedApp // client ID -> app
	seq     int
	grants  map[grantKey]*grant
	codes   map[string]*authCode     // authorization code -> what it grants
	refresh map[string]*refreshToken // refresh token -> what it grants
	// unlinked are the jtis of access tokens whose authorization named no
	// session: Sessions.ExchangeAccessToken refuses them.
	unlinked map[string]bool
}

// connectedApps returns e's, made on first use; e.mu is held.
func (e *Emulator) connectedApps() *connectedAppsState {
	if e.apps == nil {
		e.apps = &connectedAppsState{
			apps: map[string]*connectedApp{}, grants: map[grantKey]*grant{},
			codes: map[string]*authCode{}, refresh: map[string]*refreshToken{}, unlinked: map[string]bool{},
		}
	}
	return e.apps
}

// app finds a Connected App by client ID. The error type is unconfirmed:
// Stytch's reference names none for an unknown client.
func (s *connectedAppsState) app(id string) (*connectedApp, error) {
	a, ok := s.apps[id]
	if !ok {
		return nil, errorf(404, "connected_app_not_found", "Connected App could not be found.")
	}
	return a, nil
}

// connectedAppSettings are the settings Create and Update both take.
type connectedAppSettings struct {
	name, description, logoURL, audience, accessTemplate, idTemplate *string
	redirectURLs, logoutURLs                                         []string
	fullAccess, bypassConsent                                        *bool
	expiryMinutes                                                    *int
}

// apply checks s and sets it on a; fields s leaves nil keep their values.
// The error types are unconfirmed: Stytch's reference says what is valid,
// not how it refuses the rest.
func (s connectedAppSettings) apply(a *connectedApp) error {
	for _, list := range [][]string{s.redirectURLs, s.logoutURLs} {
		for _, u := range list {
			if pu, err := url.Parse(u); err != nil || pu.Scheme == "" || pu.Fragment != "" {
				return errorf(400, "invalid_redirect_url", "%q is not an absolute URL without a fragment.", u)
			}
		}
	}
	for _, t := range []*string{s.accessTemplate, s.idTemplate} {
		if deref(t) == "" {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(*t), &obj); err != nil {
			return errorf(400, "invalid_template_content", "A claims template must be a JSON object.")
		}
	}
	if m := s.expiryMinutes; m != nil && (*m < 1 || *m > 24*60) {
		// Unconfirmed bounds: Stytch documents only the default.
		return errorf(400, "invalid_access_token_expiry_minutes", "access_token_expiry_minutes must be from 1 to 1440.")
	}
	if !a.firstParty() && (deref(s.fullAccess) || deref(s.bypassConsent)) {
		return errorf(400, "invalid_client_type", "full_access_allowed and bypass_consent_for_offline_access are for first-party apps only.")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.a.ClientName, s.name)
	set(&a.a.ClientDescription, s.description)
	set(&a.a.LogoURL, s.logoURL)
	set(&a.a.AccessTokenCustomAudience, s.audience)
	set(&a.a.AccessTokenTemplateContent, s.accessTemplate)
	set(&a.a.IDTokenTemplateContent, s.idTemplate)
	if s.redirectURLs != nil {
		a.a.RedirectURLs = append([]string{}, s.redirectURLs...)
	}
	if s.logoutURLs != nil {
		a.a.PostLogoutRedirectURLs = append([]string{}, s.logoutURLs...)
	}
	if s.fullAccess != nil {
		a.a.FullAccessAllowed = *s.fullAccess
	}
	if s.bypassConsent != nil {
		a.a.BypassConsentForOfflineAccess = *s.bypassConsent
	}
	if s.expiryMinutes != nil {
		a.a.AccessTokenExpiryMinutes = *s.expiryMinutes
	}
	return nil
}

// withSecret is a view of an app with a secret the API shows once: T is
// ConnectedAppWithClientSecret or ConnectedAppWithNextClientSecret, whose
// other fields are the app's.
func withSecret[T any](a consumer.ConnectedApp, set func(*T)) T {
	var out T
	raw, _ := json.Marshal(a)
	_ = json.Unmarshal(raw, &out)
	set(&out)
	return out
}

// ConnectedAppClientsCreate registers an app. A confidential one gets a
// client secret, shown only in this response.
func (e consumerAPI) ConnectedAppClientsCreate(_ context.Context, p *consumer.ConnectedAppClientsCreateParams) (*consumer.ConnectedAppClientsCreateResponse, error) {
	st := e.connectedApps()
	a := &connectedApp{a: consumer.ConnectedApp{
		ClientID: newID("connected-app"), ClientType: p.ClientType, Status: "active", CreationMethod: "api",
		RedirectURLs: []string{}, PostLogoutRedirectURLs: []string{}, AccessTokenExpiryMinutes: connectedAppTokenMinutes,
	}}
	err := connectedAppSettings{
		name: p.ClientName, description: p.ClientDescription, logoURL: p.LogoURL, audience: p.AccessTokenCustomAudience,
		accessTemplate: p.AccessTokenTemplateContent, idTemplate: p.IDTokenTemplateContent,
		redirectURLs: p.RedirectURLs, logoutURLs: p.PostLogoutRedirectURLs,
		fullAccess: p.FullAccessAllowed, bypassConsent: p.BypassConsentForOfflineAccess, expiryMinutes: p.AccessTokenExpiryMinutes,
	}.apply(a)
	if err != nil {
		return nil, err
	}
	if !a.public() {
		a.secret = newSessionToken()
		a.a.ClientSecretLastFour = lastFour(a.secret)
	}
	st.seq++
	a.seq = st.seq
	st.apps[a.a.ClientID] = a
	// The spec answers 200 here, where M2M's create answers 201; which
	// Stytch does is unconfirmed.
	out := withSecret(a.a, func(v *consumer.ConnectedAppWithClientSecret) { v.ClientSecret = a.secret })
	return &consumer.ConnectedAppClientsCreateResponse{ConnectedApp: out}, nil
}

func (e consumerAPI) ConnectedAppClientsGet(_ context.Context, p *consumer.ConnectedAppClientsGetParams) (*consumer.ConnectedAppClientsGetResponse, error) {
	a, err := e.connectedApps().app(p.ClientID)
	if err != nil {
		return nil, err
	}
	return &consumer.ConnectedAppClientsGetResponse{ConnectedApp: a.a}, nil
}

// ConnectedAppClientsUpdate changes an app's settings; the client type
// cannot change.
func (e consumerAPI) ConnectedAppClientsUpdate(_ context.Context, p *consumer.ConnectedAppClientsUpdateParams) (*consumer.ConnectedAppClientsUpdateResponse, error) {
	a, err := e.connectedApps().app(p.ClientID)
	if err != nil {
		return nil, err
	}
	next := *a // applied only when every setting is valid
	err = connectedAppSettings{
		name: p.ClientName, description: p.ClientDescription, logoURL: p.LogoURL, audience: p.AccessTokenCustomAudience,
		accessTemplate: p.AccessTokenTemplateContent, idTemplate: p.IDTokenTemplateContent,
		redirectURLs: p.RedirectURLs, logoutURLs: p.PostLogoutRedirectURLs,
		fullAccess: p.FullAccessAllowed, bypassConsent: p.BypassConsentForOfflineAccess, expiryMinutes: p.AccessTokenExpiryMinutes,
	}.apply(&next)
	if err != nil {
		return nil, err
	}
	*a = next
	return &consumer.ConnectedAppClientsUpdateResponse{ConnectedApp: a.a}, nil
}

// ConnectedAppClientsDelete deletes an app, and with it every grant users
// and members gave it and every token issued to it.
func (e consumerAPI) ConnectedAppClientsDelete(_ context.Context, p *consumer.ConnectedAppClientsDeleteParams) (*consumer.ConnectedAppClientsDeleteResponse, error) {
	st := e.connectedApps()
	if _, err := st.app(p.ClientID); err != nil {
		return nil, err
	}
	for k := range st.grants {
		if k.clientID == p.ClientID {
			e.revokeGrant(k)
		}
	}
	delete(st.apps, p.ClientID)
	return &consumer.ConnectedAppClientsDeleteResponse{ClientID: p.ClientID}, nil
}

// ConnectedAppClientsSearch pages through the apps oldest first.
func (e consumerAPI) ConnectedAppClientsSearch(_ context.Context, p *consumer.ConnectedAppClientsSearchParams) (*consumer.ConnectedAppClientsSearchResponse, error) {
	all := make([]*connectedApp, 0, len(e.connectedApps().apps))
	for _, a := range e.connectedApps().apps {
		all = append(all, a)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	page, next, err := paginate(len(all), p.Cursor, p.Limit)
	if err != nil {
		return nil, err
	}
	results := make([]consumer.ConnectedApp, 0, page[1]-page[0])
	for _, a := range all[page[0]:page[1]] {
		results = append(results, a.a)
	}
	return &consumer.ConnectedAppClientsSearchResponse{ConnectedApps: results, ResultsMetadata: consumer.ResultsMetadata{Total: len(all), NextCursor: next}}, nil
}

// confidential returns the app whose secret a rotation call changes: a
// public app has none (unconfirmed error type).
func (s *connectedAppsState) confidential(id string) (*connectedApp, error) {
	a, err := s.app(id)
	if err != nil {
		return nil, err
	}
	if a.public() {
		return nil, errorf(400, "invalid_client_type", "A public Connected App has no client secret to rotate.")
	}
	return a, nil
}

// rotating returns the app whose rotation the request completes or
// cancels (inRotation).
func (s *connectedAppsState) rotating(id string) (*connectedApp, error) {
	a, err := s.confidential(id)
	if err != nil {
		return nil, err
	}
	return a, a.inRotation("connected_app", "Connected App")
}

// ConnectedAppClientsSecretsRotateStart gives a confidential app a next
// secret, valid with the current one until the rotation ends.
func (e consumerAPI) ConnectedAppClientsSecretsRotateStart(_ context.Context, p *consumer.ConnectedAppClientsSecretsRotateStartParams) (*consumer.ConnectedAppClientsSecretsRotateStartResponse, error) {
	a, err := e.connectedApps().confidential(p.ClientID)
	if err != nil {
		return nil, err
	}
	next := a.startRotation()
	a.a.NextClientSecretLastFour = lastFour(next)
	out := withSecret(a.a, func(v *consumer.ConnectedAppWithNextClientSecret) { v.NextClientSecret = next })
	return &consumer.ConnectedAppClientsSecretsRotateStartResponse{ConnectedApp: out}, nil
}

// ConnectedAppClientsSecretsRotate completes a rotation: the next secret
// becomes the secret and the old one stops working.
func (e consumerAPI) ConnectedAppClientsSecretsRotate(_ context.Context, p *consumer.ConnectedAppClientsSecretsRotateParams) (*consumer.ConnectedAppClientsSecretsRotateResponse, error) {
	a, err := e.connectedApps().rotating(p.ClientID)
	if err != nil {
		return nil, err
	}
	a.completeRotation()
	a.a.ClientSecretLastFour, a.a.NextClientSecretLastFour = a.a.NextClientSecretLastFour, ""
	return &consumer.ConnectedAppClientsSecretsRotateResponse{ConnectedApp: a.a}, nil
}

// ConnectedAppClientsSecretsRotateCancel discards the next secret.
func (e consumerAPI) ConnectedAppClientsSecretsRotateCancel(_ context.Context, p *consumer.ConnectedAppClientsSecretsRotateCancelParams) (*consumer.ConnectedAppClientsSecretsRotateCancelResponse, error) {
	a, err := e.connectedApps().rotating(p.ClientID)
	if err != nil {
		return nil, err
	}
	a.cancelRotation()
	a.a.NextClientSecretLastFour = ""
	return &consumer.ConnectedAppClientsSecretsRotateCancelResponse{ConnectedApp: a.a}, nil
}
