package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestDebugWhoami(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t, WithCredentials("project-test-11111111-2222-4333-8444-555555555555", "secret-test-whoami"))
	who, err := c.Debug.Whoami(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "project-test-11111111-2222-4333-8444-555555555555", who.ProjectID)
	require.Equal(t, ProjectName, who.Name)

	// The B2B client reaches the same service.
	bwho, err := b2bClient(t, srv, validateResponses(t)).Debug.Whoami(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, who.ProjectID, bwho.ProjectID)

	// Wrong credentials fail as every authenticated call does.
	bad, err := consumer.NewClient(srv.ProjectID(), "secret-test-wrong", append(srv.Options(), validateResponses(t))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = bad.Close() })
	_, err = bad.Debug.Whoami(ctx, nil)
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)
}

func TestProjectMetrics(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	b := b2bClient(t, srv, validateResponses(t))
	counts := func() map[consumer.ProjectMetricType]int {
		t.Helper()
		m, err := c.Project.Metrics(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, srv.ProjectID(), m.ProjectID)
		out := map[consumer.ProjectMetricType]int{}
		for _, x := range m.Metrics {
			out[x.MetricType] = x.Count
		}
		return out
	}
	require.Equal(t, map[consumer.ProjectMetricType]int{
		consumer.ProjectMetricTypeUserCount: 0, consumer.ProjectMetricTypeOrganizationCount: 0,
		consumer.ProjectMetricTypeMemberCount: 0, consumer.ProjectMetricTypeM2MClientCount: 0,
	}, counts())

	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)
	_, err = c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("bob@example.com")})
	require.NoError(t, err)
	org := b2bTestOrg(t, b, "Acme", nil)
	b2bTestMember(t, b, org.OrganizationID, "ada@acme.com", nil)
	b2bTestMember(t, b, org.OrganizationID, "bob@acme.com", nil)
	b2bTestMember(t, b, org.OrganizationID, "cy@acme.com", nil)
	mc, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users"}})
	require.NoError(t, err)
	require.Equal(t, map[consumer.ProjectMetricType]int{
		consumer.ProjectMetricTypeUserCount: 2, consumer.ProjectMetricTypeOrganizationCount: 1,
		consumer.ProjectMetricTypeMemberCount: 3, consumer.ProjectMetricTypeM2MClientCount: 1,
	}, counts())

	// Deletes are counted too; the B2B client reads the same counts.
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: u.UserID})
	require.NoError(t, err)
	_, err = b.Organizations.Delete(ctx, &b2b.OrganizationsDeleteParams{OrganizationID: org.OrganizationID})
	require.NoError(t, err)
	_, err = c.M2M.Clients.Delete(ctx, &consumer.M2MClientsDeleteParams{ClientID: mc.M2MClient.ClientID})
	require.NoError(t, err)
	bm, err := b.Project.Metrics(ctx, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []b2b.ProjectMetric{
		{MetricType: b2b.ProjectMetricTypeUserCount, Count: 1}, {MetricType: b2b.ProjectMetricTypeOrganizationCount, Count: 0},
		{MetricType: b2b.ProjectMetricTypeMemberCount, Count: 0}, {MetricType: b2b.ProjectMetricTypeM2MClientCount, Count: 0},
	}, bm.Metrics)
}
