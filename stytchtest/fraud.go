package stytchtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/gostytch/stytch/consumer"
)

// Fraud and risk (Device Fingerprinting and email risk). Stytch serves these
// on its telemetry base URL; Server.Options points WithFraudBaseURL at the
// emulator, which serves them beside the rest of the API.
//
// The emulator has no fingerprinting script, so lookups are deterministic:
// every telemetry ID is found, with fingerprints derived from the ID and
// the verdict ALLOW, unless a test hook says otherwise
// (SetFingerprintVerdict, SetFingerprints, SetTelemetryIDNotFound; for
// other languages, serveFraudHook). Rules
// (Fraud.Rules.Set) and verdict reason overrides then apply as Stytch
// applies them.

type fingerprintRecord struct {
	fingerprints *consumer.Fingerprints // nil: derived from the telemetry ID
	action       consumer.VerdictAction // empty: ALLOW
	reasons      []string
	notFound     bool
}

type fraudRule struct {
	rule  consumer.Rule
	value string
}

type fraudState struct {
	telemetry map[string]*fingerprintRecord
	rules     map[string]*fraudRule // rule type + "\x00" + identifier -> rule
	overrides map[string]*consumer.VerdictReasonAction
	email     map[string]consumer.FraudEmailRiskResponse // lower-cased address -> set answer
}

func newFraudState() *fraudState {
	return &fraudState{telemetry: map[string]*fingerprintRecord{}, rules: map[string]*fraudRule{},
		overrides: map[string]*consumer.VerdictReasonAction{}, email: map[string]consumer.FraudEmailRiskResponse{}}
}

func (s *fraudState) record(telemetryID string) *fingerprintRecord {
	r, ok := s.telemetry[telemetryID]
	if !ok {
		r = &fingerprintRecord{}
		s.telemetry[telemetryID] = r
	}
	return r
}

// SetFingerprintVerdict makes Fraud.Fingerprint.Lookup of telemetryID answer
// with action and reasons (warning flags such as VIRTUAL_MACHINE), before
// any rule or verdict reason override applies. Without it a lookup answers
// ALLOW with no reasons.
func (e *Emulator) SetFingerprintVerdict(telemetryID string, action consumer.VerdictAction, reasons ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.fraud.record(telemetryID)
	r.action, r.reasons, r.notFound = action, append([]string{}, reasons...), false
}

// SetFingerprints makes Fraud.Fingerprint.Lookup of telemetryID answer with
// fp, so that tests can give two telemetry IDs the same device, or match a
// rule on a fingerprint. Without it the fingerprints are derived from the
// telemetry ID.
func (e *Emulator) SetFingerprints(telemetryID string, fp consumer.Fingerprints) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.fraud.record(telemetryID)
	r.fingerprints, r.notFound = &fp, false
}

// SetTelemetryIDNotFound makes Fraud.Fingerprint.Lookup of telemetryID
// answer 404 telemetry_id_not_found, as Stytch answers an expired or
// unknown ID.
func (e *Emulator) SetTelemetryIDNotFound(telemetryID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fraud.record(telemetryID).notFound = true
}

// SetEmailRisk makes Fraud.Email.Risk of email answer with action and
// riskScore; the address and domain information are still derived from
// the address.
func (e *Emulator) SetEmailRisk(email string, action consumer.VerdictAction, riskScore int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fraud.email[strings.ToLower(email)] = consumer.FraudEmailRiskResponse{Action: action, RiskScore: riskScore}
}

// derivedFingerprints are the fingerprints of a telemetry ID no hook set:
// stable hashes of the ID, one per kind. The prefixes are the emulator's
// own; Stytch's formats are unconfirmed.
func derivedFingerprints(telemetryID string) consumer.Fingerprints {
	h := func(kind string) string {
		sum := sha256.Sum256([]byte(kind + "\x00" + telemetryID))
		return hex.EncodeToString(sum[:16])
	}
	return consumer.Fingerprints{
		VisitorID: "visitor-" + h("visitor_id"), BrowserID: "browser-" + h("browser_id"),
		VisitorFingerprint: "vfp_" + h("visitor"), BrowserFingerprint: "bfp_" + h("browser"),
		HardwareFingerprint: "hfp_" + h("hardware"), NetworkFingerprint: "nfp_" + h("network"),
	}
}

func (e consumerAPI) FraudFingerprintLookup(ctx context.Context, p *consumer.FraudFingerprintLookupParams) (*consumer.FraudFingerprintLookupResponse, error) {
	r := e.fraud.telemetry[p.TelemetryID]
	if r == nil {
		r = &fingerprintRecord{}
	}
	if r.notFound || p.TelemetryID == "" {
		return nil, errorf(404, "telemetry_id_not_found", "The telemetry ID could not be found.")
	}
	fp := derivedFingerprints(p.TelemetryID)
	if r.fingerprints != nil {
		fp = *r.fingerprints
	}
	action := r.action
	if action == "" {
		action = consumer.VerdictActionAllow
	}
	v := consumer.Verdict{Action: action, Reasons: append([]string{}, r.reasons...), DetectedDeviceType: "UNKNOWN",
		IsAuthenticDevice: true, VerdictReasonOverrides: []consumer.VerdictReasonOverride{}}
	e.applyOverrides(&v)
	if rule := e.matchRule(fp); rule != nil {
		// A rule forces the action (the spec's RuleType: the first matching
		// identifier, in precedence order, wins).
		v.Action = consumer.VerdictAction(rule.rule.Action)
		v.Reasons = append(v.Reasons, "RULE_MATCH")
		t := rule.rule.RuleType
		v.RuleMatchType, v.RuleMatchIdentifier = &t, rule.value
	}
	now := e.now()
	expires := now.Add(time.Hour) // unconfirmed: how long Stytch keeps a fingerprint
	meta := consumer.Metadata{}
	if p.ExternalMetadata != nil {
		meta = *p.ExternalMetadata
	}
	return &consumer.FraudFingerprintLookupResponse{TelemetryID: p.TelemetryID, Fingerprints: fp, Verdict: v,
		ExternalMetadata: meta, CreatedAt: &now, ExpiresAt: &expires, RawSignals: map[string]any{}}, nil
}

// severity orders verdict actions: with several reasons, the action is the
// most severe of theirs.
var severity = map[consumer.VerdictAction]int{consumer.VerdictActionAllow: 0, consumer.VerdictActionChallenge: 1, consumer.VerdictActionBlock: 2}

// applyOverrides replaces the action of every overridden reason of v with
// its override and makes v's action the most severe of its reasons'
// actions; a reason without an override keeps the action the verdict had.
func (e consumerAPI) applyOverrides(v *consumer.Verdict) {
	overridden := false
	action := consumer.VerdictActionAllow
	for _, reason := range v.Reasons {
		a := v.Action
		if o := e.fraud.overrides[reason]; o != nil && o.OverrideAction != nil {
			a = *o.OverrideAction
			overridden = true
			v.VerdictReasonOverrides = append(v.VerdictReasonOverrides, consumer.VerdictReasonOverride{VerdictReason: reason, OverrideAction: a})
		}
		if severity[a] > severity[action] {
			action = a
		}
	}
	if overridden {
		v.Action = action
	}
}

// ruleOrder is the precedence of rule types the spec's RuleType gives.
var ruleOrder = []consumer.RuleType{
	consumer.RuleTypeVisitorID, consumer.RuleTypeBrowserID, consumer.RuleTypeVisitorFingerprint,
	consumer.RuleTypeBrowserFingerprint, consumer.RuleTypeHardwareFingerprint, consumer.RuleTypeNetworkFingerprint,
	consumer.RuleTypeCidrBlock, consumer.RuleTypeAsn, consumer.RuleTypeCountryCode,
}

// matchRule returns the live rule, of highest precedence, that matches fp.
// CIDR block, ASN and country rules never match: the emulator's lookups
// have no network properties.
func (e consumerAPI) matchRule(fp consumer.Fingerprints) *fraudRule {
	ids := map[consumer.RuleType]string{
		consumer.RuleTypeVisitorID: fp.VisitorID, consumer.RuleTypeBrowserID: fp.BrowserID,
		consumer.RuleTypeVisitorFingerprint: fp.VisitorFingerprint, consumer.RuleTypeBrowserFingerprint: fp.BrowserFingerprint,
		consumer.RuleTypeHardwareFingerprint: fp.HardwareFingerprint, consumer.RuleTypeNetworkFingerprint: fp.NetworkFingerprint,
	}
	now := e.now()
	for _, t := range ruleOrder {
		id, ok := ids[t]
		if !ok || id == "" {
			continue
		}
		if r := e.fraud.rules[string(t)+"\x00"+id]; r != nil && (r.rule.ExpiresAt == nil || now.Before(*r.rule.ExpiresAt)) {
			return r
		}
	}
	return nil
}

func (e consumerAPI) FraudRulesSet(ctx context.Context, p *consumer.FraudRulesSetParams) (*consumer.FraudRulesSetResponse, error) {
	type ident struct {
		t consumer.RuleType
		v *string
	}
	var given []ident
	for _, id := range []ident{
		{consumer.RuleTypeVisitorID, p.VisitorID}, {consumer.RuleTypeBrowserID, p.BrowserID},
		{consumer.RuleTypeVisitorFingerprint, p.VisitorFingerprint}, {consumer.RuleTypeBrowserFingerprint, p.BrowserFingerprint},
		{consumer.RuleTypeHardwareFingerprint, p.HardwareFingerprint}, {consumer.RuleTypeNetworkFingerprint, p.NetworkFingerprint},
		{consumer.RuleTypeCidrBlock, p.CidrBlock}, {consumer.RuleTypeCountryCode, p.CountryCode}, {consumer.RuleTypeAsn, p.Asn},
	} {
		if id.v != nil && *id.v != "" {
			given = append(given, id)
		}
	}
	// Error types unconfirmed: Stytch's reference says only that exactly one
	// identifier is allowed and that countries take no ALLOW rule.
	if len(given) != 1 {
		return nil, errorf(400, errorTypeBadRequest, "Exactly one identifier must be given for a rule; got %d.", len(given))
	}
	t, value := given[0].t, *given[0].v
	if t == consumer.RuleTypeCountryCode && p.Action == consumer.RuleActionAllow {
		return nil, errorf(400, errorTypeBadRequest, "ALLOW rules are not permitted for country codes.")
	}
	key := string(t) + "\x00" + value
	resp := &consumer.FraudRulesSetResponse{Action: p.Action}
	setIdentifier(t, value, &resp.VisitorID, &resp.BrowserID, &resp.VisitorFingerprint, &resp.BrowserFingerprint,
		&resp.HardwareFingerprint, &resp.NetworkFingerprint, &resp.CidrBlock, &resp.CountryCode, &resp.Asn)
	if p.Action == consumer.RuleActionNone {
		delete(e.fraud.rules, key)
		return resp, nil
	}
	now := e.now()
	r := e.fraud.rules[key]
	if r == nil {
		r = &fraudRule{value: value, rule: consumer.Rule{RuleType: t, CreatedAt: &now}}
		setIdentifier(t, value, &r.rule.VisitorID, &r.rule.BrowserID, &r.rule.VisitorFingerprint, &r.rule.BrowserFingerprint,
			&r.rule.HardwareFingerprint, &r.rule.NetworkFingerprint, &r.rule.CidrBlock, &r.rule.CountryCode, &r.rule.Asn)
		e.fraud.rules[key] = r
	} else {
		r.rule.LastUpdatedAt = &now
	}
	r.rule.Action = p.Action
	r.rule.Description = deref(p.Description)
	r.rule.ExpiresAt = nil
	if m := deref(p.ExpiresInMinutes); m > 0 {
		exp := now.Add(time.Duration(m) * time.Minute)
		r.rule.ExpiresAt = &exp
	}
	resp.ExpiresAt = r.rule.ExpiresAt
	return resp, nil
}

// setIdentifier stores value in the field of dst for rule type t; dst are
// the fields in the order of ruleOrder's first six, then CIDR block,
// country code and ASN.
func setIdentifier(t consumer.RuleType, value string, dst ...*string) {
	order := []consumer.RuleType{
		consumer.RuleTypeVisitorID, consumer.RuleTypeBrowserID, consumer.RuleTypeVisitorFingerprint,
		consumer.RuleTypeBrowserFingerprint, consumer.RuleTypeHardwareFingerprint, consumer.RuleTypeNetworkFingerprint,
		consumer.RuleTypeCidrBlock, consumer.RuleTypeCountryCode, consumer.RuleTypeAsn,
	}
	for i, o := range order {
		if o == t {
			*dst[i] = value
		}
	}
}

func (e consumerAPI) FraudRulesList(ctx context.Context, p *consumer.FraudRulesListParams) (*consumer.FraudRulesListResponse, error) {
	now := e.now()
	var live []*fraudRule
	for _, r := range e.fraud.rules {
		if r.rule.ExpiresAt == nil || now.Before(*r.rule.ExpiresAt) {
			live = append(live, r)
		}
	}
	sort.Slice(live, func(i, j int) bool {
		a, b := live[i].rule, live[j].rule
		if !a.CreatedAt.Equal(*b.CreatedAt) {
			return a.CreatedAt.Before(*b.CreatedAt)
		}
		return string(a.RuleType)+live[i].value < string(b.RuleType)+live[j].value
	})
	limit := 10 // the spec: 10 by default, at most 100
	if l := deref(p.Limit); l > 0 {
		limit = min(l, 100)
	}
	page, next, err := paginate(len(live), p.Cursor, &limit)
	if err != nil {
		return nil, err
	}
	rules := make([]consumer.Rule, 0, page[1]-page[0])
	for _, r := range live[page[0]:page[1]] {
		rules = append(rules, r.rule)
	}
	return &consumer.FraudRulesListResponse{NextCursor: next, Rules: rules}, nil
}

// verdictReasons are the verdict reasons the emulator knows and their
// default actions: a subset of Stytch's warning flags (unconfirmed: the
// full list and every default).
var verdictReasons = []struct {
	reason string
	action consumer.VerdictAction
}{
	{"AUTHENTIC_DEVICE", consumer.VerdictActionAllow},
	{"BOT_IMPERSONATION", consumer.VerdictActionBlock},
	{"HEADLESS_BROWSER_AUTOMATION", consumer.VerdictActionBlock},
	{"KNOWN_DEVICE", consumer.VerdictActionAllow},
	{"SMART_RATE_LIMIT_BANNED", consumer.VerdictActionBlock},
	{"SMART_RATE_LIMIT_WARNING", consumer.VerdictActionChallenge},
	{"VIRTUAL_MACHINE", consumer.VerdictActionChallenge},
}

func (e consumerAPI) verdictReasonAction(reason string, def consumer.VerdictAction) consumer.VerdictReasonAction {
	if o := e.fraud.overrides[reason]; o != nil {
		return *o
	}
	return consumer.VerdictReasonAction{VerdictReason: reason, DefaultAction: def}
}

func (e consumerAPI) FraudVerdictReasonsList(ctx context.Context, p *consumer.FraudVerdictReasonsListParams) (*consumer.FraudVerdictReasonsListResponse, error) {
	out := []consumer.VerdictReasonAction{}
	for _, r := range verdictReasons {
		a := e.verdictReasonAction(r.reason, r.action)
		if deref(p.OverridesOnly) && a.OverrideAction == nil {
			continue
		}
		out = append(out, a)
	}
	return &consumer.FraudVerdictReasonsListResponse{VerdictReasonActions: out}, nil
}

func (e consumerAPI) FraudVerdictReasonsOverride(ctx context.Context, p *consumer.FraudVerdictReasonsOverrideParams) (*consumer.FraudVerdictReasonsOverrideResponse, error) {
	if p.VerdictReason == "RULE_MATCH" {
		return nil, errorf(400, errorTypeBadRequest, "The RULE_MATCH verdict reason cannot be overridden.")
	}
	def, known := consumer.VerdictAction(""), false
	for _, r := range verdictReasons {
		if r.reason == p.VerdictReason {
			def, known = r.action, true
		}
	}
	if !known {
		// Unconfirmed error type.
		return nil, errorf(400, errorTypeBadRequest, "The emulator does not know the verdict reason %q.", p.VerdictReason)
	}
	if p.OverrideAction == consumer.RuleActionNone {
		// As Rules.Set: NONE clears the override (unconfirmed for overrides).
		delete(e.fraud.overrides, p.VerdictReason)
		return &consumer.FraudVerdictReasonsOverrideResponse{VerdictReasonAction: e.verdictReasonAction(p.VerdictReason, def)}, nil
	}
	now := e.now()
	action := consumer.VerdictAction(p.OverrideAction)
	a := &consumer.VerdictReasonAction{VerdictReason: p.VerdictReason, DefaultAction: def, OverrideAction: &action,
		OverrideCreatedAt: &now, OverrideDescription: deref(p.OverrideDescription)}
	e.fraud.overrides[p.VerdictReason] = a
	return &consumer.FraudVerdictReasonsOverrideResponse{VerdictReasonAction: *a}, nil
}

// roleAddresses and disposableDomains are the emulator's small, fixed lists
// for email risk (Stytch's are its own).
var (
	roleAddresses     = map[string]bool{"admin": true, "billing": true, "contact": true, "help": true, "info": true, "noreply": true, "sales": true, "support": true}
	disposableDomains = map[string]bool{"mailinator.com": true, "guerrillamail.com": true, "10minutemail.com": true, "trashmail.com": true, "yopmail.com": true}
)

// FraudEmailRisk assesses an address from its text alone, deterministically:
// a malformed address is BLOCK (risk 100), a disposable domain CHALLENGE
// (risk 70), anything else ALLOW (risk 0), unless SetEmailRisk set the
// answer. Domains under the reserved .invalid and .test have no mail
// records; every other domain has. The scores are the emulator's own.
func (e consumerAPI) FraudEmailRisk(ctx context.Context, p *consumer.FraudEmailRiskParams) (*consumer.FraudEmailRiskResponse, error) {
	addr := strings.ToLower(strings.TrimSpace(p.EmailAddress))
	local, domain, _ := strings.Cut(addr, "@")
	parsed, err := mail.ParseAddress(addr)
	valid := err == nil && parsed.Address == addr && local != "" && strings.Contains(domain, ".")
	base, _, _ := strings.Cut(local, "+")
	resp := &consumer.FraudEmailRiskResponse{
		AddressInformation: consumer.AddressInformation{
			HasValidSyntax: valid, IsSuspectedRoleAddress: roleAddresses[base],
			NormalizedEmail:        strings.ReplaceAll(base, ".", "") + "@" + domain,
			TumblingCharacterCount: strings.Count(local, ".") + strings.Count(local, "+"),
		},
		DomainInformation: consumer.DomainInformation{
			HasMxOrARecord:     valid && !strings.HasSuffix(domain, ".invalid") && !strings.HasSuffix(domain, ".test"),
			IsDisposableDomain: disposableDomains[domain],
		},
		Action: consumer.VerdictActionAllow,
	}
	switch {
	case !valid:
		resp.Action, resp.RiskScore = consumer.VerdictActionBlock, 100
	case resp.DomainInformation.IsDisposableDomain:
		resp.Action, resp.RiskScore = consumer.VerdictActionChallenge, 70
	}
	if set, ok := e.fraud.email[addr]; ok {
		resp.Action, resp.RiskScore = set.Action, set.RiskScore
	}
	return resp, nil
}

// fraudHooks mirror the fraud test hooks; every field but the telemetry ID
// or address is optional, and each given one calls its hook:
//
//	POST /__emulator/fraud/fingerprint {"telemetry_id", "action", "reasons", "fingerprints", "not_found"} -> {}
//	POST /__emulator/fraud/email_risk  {"email_address", "action", "risk_score"}                         -> {}
func (e *Emulator) fraudHooks() []testHook {
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/fraud/fingerprint", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				TelemetryID  string                 `json:"telemetry_id"`
				Action       consumer.VerdictAction `json:"action"`
				Reasons      []string               `json:"reasons"`
				Fingerprints *consumer.Fingerprints `json:"fingerprints"`
				NotFound     bool                   `json:"not_found"`
			}
			if err := decode(&in); err != nil {
				return nil, err
			}
			if in.Action != "" || in.Reasons != nil {
				e.SetFingerprintVerdict(in.TelemetryID, in.Action, in.Reasons...)
			}
			if in.Fingerprints != nil {
				e.SetFingerprints(in.TelemetryID, *in.Fingerprints)
			}
			if in.NotFound {
				e.SetTelemetryIDNotFound(in.TelemetryID)
			}
			return struct{}{}, nil
		}},
		{method: http.MethodPost, path: "/__emulator/fraud/email_risk", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				EmailAddress string                 `json:"email_address"`
				Action       consumer.VerdictAction `json:"action"`
				RiskScore    int                    `json:"risk_score"`
			}
			if err := decode(&in); err != nil {
				return nil, err
			}
			e.SetEmailRisk(in.EmailAddress, in.Action, in.RiskScore)
			return struct{}{}, nil
		}},
	}
}
