package stytchtest

import (
	"context"

	"github.com/gostytch/stytch/consumer"
)

// ProjectMetrics counts the emulator's objects. The emulator is one
// project serving both surfaces, so it reports every count the spec
// names: consumer users, B2B organizations and members, and the M2M
// clients both share. Whether Stytch leaves out the counts of the other
// surface's objects (a consumer project's organizations) is unconfirmed.
func (e consumerAPI) ProjectMetrics(context.Context, *consumer.ProjectMetricsParams) (*consumer.ProjectMetricsResponse, error) {
	return &consumer.ProjectMetricsResponse{ProjectID: e.projectID, Metrics: []consumer.ProjectMetric{
		{MetricType: consumer.ProjectMetricTypeUserCount, Count: len(e.consumer.users)},
		{MetricType: consumer.ProjectMetricTypeOrganizationCount, Count: len(e.b2b.orgs)},
		{MetricType: consumer.ProjectMetricTypeMemberCount, Count: len(e.b2b.members)},
		{MetricType: consumer.ProjectMetricTypeM2MClientCount, Count: len(e.m2m.clients)},
	}}, nil
}
