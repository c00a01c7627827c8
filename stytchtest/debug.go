package stytchtest

import (
	"context"

	"github.com/gostytch/stytch/consumer"
)

// ProjectName is the name Debug.Whoami reports for the emulator's project.
const ProjectName = "Stytch emulator"

// DebugWhoami reports the project the request's credentials belong to. The
// credentials were checked before the handler runs, so a wrong secret gets
// the 401 unauthorized_credentials every authenticated call gets. Stytch's
// response has only the project's ID and name (spec/shared/debug.yaml); it
// names no kind of credential, so the emulator reports none.
func (e consumerAPI) DebugWhoami(context.Context, *consumer.DebugWhoamiParams) (*consumer.DebugWhoamiResponse, error) {
	return &consumer.DebugWhoamiResponse{ProjectID: e.projectID, Name: ProjectName}, nil
}
