package stytchtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestFraudFingerprintLookup(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	lookup := func(id string) *consumer.FraudFingerprintLookupResponse {
		t.Helper()
		r, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: id})
		require.NoError(t, err)
		return r
	}

	// By default: found, ALLOW, fingerprints derived from the ID, the same
	// at every lookup.
	first := lookup("telemetry-1")
	require.Equal(t, consumer.VerdictActionAllow, first.Verdict.Action)
	require.Empty(t, first.Verdict.Reasons)
	require.NotEmpty(t, first.Fingerprints.VisitorID)
	require.Equal(t, first.Fingerprints, lookup("telemetry-1").Fingerprints)
	require.NotEqual(t, first.Fingerprints, lookup("telemetry-2").Fingerprints)

	// External metadata is echoed.
	withMeta, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "telemetry-1",
		ExternalMetadata: &consumer.Metadata{ExternalID: stytch.Ptr("user-1"), UserAction: stytch.Ptr("login")}})
	require.NoError(t, err)
	require.Equal(t, "user-1", *withMeta.ExternalMetadata.ExternalID)

	// Hooks set the verdict and the fingerprints.
	srv.SetFingerprintVerdict("telemetry-bot", consumer.VerdictActionBlock, "HEADLESS_BROWSER_AUTOMATION")
	bot := lookup("telemetry-bot")
	require.Equal(t, consumer.VerdictActionBlock, bot.Verdict.Action)
	require.Equal(t, []string{"HEADLESS_BROWSER_AUTOMATION"}, bot.Verdict.Reasons)
	device := consumer.Fingerprints{VisitorID: "visitor-ada", BrowserID: "browser-ada", VisitorFingerprint: "vfp-ada",
		BrowserFingerprint: "bfp-shared", HardwareFingerprint: "hfp-shared", NetworkFingerprint: "nfp-shared"}
	srv.SetFingerprints("telemetry-ada", device)
	require.Equal(t, device, lookup("telemetry-ada").Fingerprints)

	// An unknown or expired ID is a 404, through the B2B client too.
	srv.SetTelemetryIDNotFound("telemetry-expired")
	_, err = c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "telemetry-expired"})
	requireAPIError(t, err, 404, "telemetry_id_not_found")
	b := b2bClient(t, srv, validateResponses(t))
	_, err = b.Fraud.Fingerprint.Lookup(ctx, &b2b.FraudFingerprintLookupParams{TelemetryID: "telemetry-expired"})
	requireAPIError(t, err, 404, "telemetry_id_not_found")
}

func TestFraudRules(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	device := consumer.Fingerprints{VisitorID: "visitor-ada", BrowserID: "browser-ada", VisitorFingerprint: "vfp-ada",
		BrowserFingerprint: "bfp-shared", HardwareFingerprint: "hfp-shared", NetworkFingerprint: "nfp-shared"}
	srv.SetFingerprints("telemetry-ada", device)
	verdict := func() consumer.Verdict {
		t.Helper()
		r, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "telemetry-ada"})
		require.NoError(t, err)
		return r.Verdict
	}

	set, err := c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionChallenge, NetworkFingerprint: stytch.Ptr("nfp-shared"), Description: stytch.Ptr("shared VPN")})
	require.NoError(t, err)
	require.Equal(t, "nfp-shared", set.NetworkFingerprint)
	require.Nil(t, set.ExpiresAt)
	v := verdict()
	require.Equal(t, consumer.VerdictActionChallenge, v.Action)
	require.Equal(t, []string{"RULE_MATCH"}, v.Reasons)
	require.Equal(t, consumer.RuleTypeNetworkFingerprint, *v.RuleMatchType)
	require.Equal(t, "nfp-shared", v.RuleMatchIdentifier)

	// A rule on a more specific identifier takes precedence.
	_, err = c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionAllow, VisitorID: stytch.Ptr("visitor-ada"), ExpiresInMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	v = verdict()
	require.Equal(t, consumer.VerdictActionAllow, v.Action)
	require.Equal(t, consumer.RuleTypeVisitorID, *v.RuleMatchType)

	list, err := c.Fraud.Rules.List(ctx, &consumer.FraudRulesListParams{Limit: stytch.Ptr(1)})
	require.NoError(t, err)
	require.Len(t, list.Rules, 1)
	require.Equal(t, consumer.RuleTypeNetworkFingerprint, list.Rules[0].RuleType)
	require.Equal(t, "shared VPN", list.Rules[0].Description)
	require.NotEmpty(t, list.NextCursor)
	list2, err := c.Fraud.Rules.List(ctx, &consumer.FraudRulesListParams{Cursor: &list.NextCursor})
	require.NoError(t, err)
	require.Len(t, list2.Rules, 1)
	require.Equal(t, consumer.RuleTypeVisitorID, list2.Rules[0].RuleType)
	require.NotNil(t, list2.Rules[0].ExpiresAt)
	require.Empty(t, list2.NextCursor)

	// Exactly one identifier; no ALLOW for a country.
	_, err = c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionBlock})
	requireAPIError(t, err, 400, errorTypeBadRequest)
	_, err = c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionBlock, VisitorID: stytch.Ptr("a"), BrowserID: stytch.Ptr("b")})
	requireAPIError(t, err, 400, errorTypeBadRequest)
	_, err = c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionAllow, CountryCode: stytch.Ptr("US")})
	requireAPIError(t, err, 400, errorTypeBadRequest)

	// NONE clears a rule; clearing both leaves the default verdict.
	for _, p := range []*consumer.FraudRulesSetParams{
		{Action: consumer.RuleActionNone, VisitorID: stytch.Ptr("visitor-ada")},
		{Action: consumer.RuleActionNone, NetworkFingerprint: stytch.Ptr("nfp-shared")},
	} {
		_, err = c.Fraud.Rules.Set(ctx, p)
		require.NoError(t, err)
	}
	v = verdict()
	require.Equal(t, consumer.VerdictActionAllow, v.Action)
	require.Empty(t, v.Reasons)
	require.Nil(t, v.RuleMatchType)
	empty, err := c.Fraud.Rules.List(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, empty.Rules)
}

func TestFraudRuleExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	_, err := c.Fraud.Rules.Set(ctx, &consumer.FraudRulesSetParams{Action: consumer.RuleActionBlock, VisitorID: stytch.Ptr("visitor-x"), ExpiresInMinutes: stytch.Ptr(5)})
	require.NoError(t, err)
	srv.SetFingerprints("t", consumer.Fingerprints{VisitorID: "visitor-x"})
	r, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "t"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionBlock, r.Verdict.Action)
	clock.Add(6 * time.Minute)
	r, err = c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "t"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionAllow, r.Verdict.Action, "an expired rule no longer applies")
}

func TestFraudVerdictReasons(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	srv.SetFingerprintVerdict("telemetry-vm", consumer.VerdictActionChallenge, "VIRTUAL_MACHINE")

	all, err := c.Fraud.VerdictReasons.List(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, all.VerdictReasonActions)
	only, err := c.Fraud.VerdictReasons.List(ctx, &consumer.FraudVerdictReasonsListParams{OverridesOnly: stytch.Ptr(true)})
	require.NoError(t, err)
	require.Empty(t, only.VerdictReasonActions)

	o, err := c.Fraud.VerdictReasons.Override(ctx, &consumer.FraudVerdictReasonsOverrideParams{VerdictReason: "VIRTUAL_MACHINE",
		OverrideAction: consumer.RuleActionAllow, OverrideDescription: stytch.Ptr("our CI runs in VMs")})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionChallenge, o.VerdictReasonAction.DefaultAction)
	require.Equal(t, consumer.VerdictActionAllow, *o.VerdictReasonAction.OverrideAction)
	only, err = c.Fraud.VerdictReasons.List(ctx, &consumer.FraudVerdictReasonsListParams{OverridesOnly: stytch.Ptr(true)})
	require.NoError(t, err)
	require.Len(t, only.VerdictReasonActions, 1)

	r, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "telemetry-vm"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionAllow, r.Verdict.Action)
	require.Equal(t, []consumer.VerdictReasonOverride{{VerdictReason: "VIRTUAL_MACHINE", OverrideAction: consumer.VerdictActionAllow}}, r.Verdict.VerdictReasonOverrides)

	_, err = c.Fraud.VerdictReasons.Override(ctx, &consumer.FraudVerdictReasonsOverrideParams{VerdictReason: "RULE_MATCH", OverrideAction: consumer.RuleActionAllow})
	requireAPIError(t, err, 400, errorTypeBadRequest)

	// NONE removes the override.
	_, err = c.Fraud.VerdictReasons.Override(ctx, &consumer.FraudVerdictReasonsOverrideParams{VerdictReason: "VIRTUAL_MACHINE", OverrideAction: consumer.RuleActionNone})
	require.NoError(t, err)
	r, err = c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "telemetry-vm"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionChallenge, r.Verdict.Action)
}

func TestFraudEmailRisk(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	risk := func(email string) *consumer.FraudEmailRiskResponse {
		t.Helper()
		r, err := c.Fraud.Email.Risk(ctx, &consumer.FraudEmailRiskParams{EmailAddress: email})
		require.NoError(t, err)
		return r
	}
	ok := risk("Ada.Lovelace+news@example.com")
	require.Equal(t, consumer.VerdictActionAllow, ok.Action)
	require.Equal(t, 0, ok.RiskScore)
	require.True(t, ok.AddressInformation.HasValidSyntax)
	require.Equal(t, "adalovelace@example.com", ok.AddressInformation.NormalizedEmail)
	require.Equal(t, 2, ok.AddressInformation.TumblingCharacterCount)
	require.True(t, ok.DomainInformation.HasMxOrARecord)

	require.True(t, risk("support@example.com").AddressInformation.IsSuspectedRoleAddress)
	disposable := risk("x@mailinator.com")
	require.True(t, disposable.DomainInformation.IsDisposableDomain)
	require.Equal(t, consumer.VerdictActionChallenge, disposable.Action)
	bad := risk("not an email")
	require.False(t, bad.AddressInformation.HasValidSyntax)
	require.Equal(t, consumer.VerdictActionBlock, bad.Action)

	srv.SetEmailRisk("fraudster@example.com", consumer.VerdictActionBlock, 95)
	set := risk("Fraudster@example.com")
	require.Equal(t, consumer.VerdictActionBlock, set.Action)
	require.Equal(t, 95, set.RiskScore)
}

func TestFraudHooksOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	post := func(path string, body any, auth bool) int {
		t.Helper()
		b, _ := json.Marshal(body)
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(b))
		require.NoError(t, err)
		if auth {
			req.SetBasicAuth(srv.ProjectID(), srv.Secret())
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 401, post("/__emulator/fraud/fingerprint", map[string]any{"telemetry_id": "t1", "action": "BLOCK"}, false))
	require.Equal(t, 200, post("/__emulator/fraud/fingerprint", map[string]any{"telemetry_id": "t1", "action": "BLOCK", "reasons": []string{"BOT_IMPERSONATION"},
		"fingerprints": map[string]string{"visitor_id": "visitor-bot"}}, true))
	r, err := c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "t1"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionBlock, r.Verdict.Action)
	require.Equal(t, "visitor-bot", r.Fingerprints.VisitorID)

	require.Equal(t, 200, post("/__emulator/fraud/fingerprint", map[string]any{"telemetry_id": "t2", "not_found": true}, true))
	_, err = c.Fraud.Fingerprint.Lookup(ctx, &consumer.FraudFingerprintLookupParams{TelemetryID: "t2"})
	requireAPIError(t, err, 404, "telemetry_id_not_found")

	require.Equal(t, 200, post("/__emulator/fraud/email_risk", map[string]any{"email_address": "x@example.com", "action": "CHALLENGE", "risk_score": 60}, true))
	er, err := c.Fraud.Email.Risk(ctx, &consumer.FraudEmailRiskParams{EmailAddress: "x@example.com"})
	require.NoError(t, err)
	require.Equal(t, consumer.VerdictActionChallenge, er.Action)
	require.Equal(t, 60, er.RiskScore)
}
