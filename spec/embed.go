// Package spec embeds the OpenAPI spec, so that programs such as the
// stytchtest emulator can load it without a path on disk. The YAML files
// beside this one are the source of truth; see internal/specload.
package spec

import "embed"

// FS holds every surface's YAML files and shared/.
//
//go:embed consumer/*.yaml b2b/*.yaml shared/*.yaml
var FS embed.FS
