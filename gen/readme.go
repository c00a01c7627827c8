package main

import (
	"bytes"
	"fmt"
	"strings"
)

// The README's table of services sits between these markers; the
// generator rewrites what is between them.
const (
	readmeBegin = "<!-- services:begin (generated from spec/ by make generate; do not edit) -->"
	readmeEnd   = "<!-- services:end -->"
)

// servicesTable renders, per surface, the top-level services of the client
// with their endpoint counts (nested services included) and what they do.
func servicesTable(surfaces []*Surface) string {
	var b strings.Builder
	distinct := 0
	for _, s := range surfaces {
		for _, o := range s.Ops {
			if !o.Shared || s.Package == "consumer" {
				distinct++
			}
		}
	}
	fmt.Fprintf(&b, "%d endpoints in all. Services marked ● are on both clients, from one definition in `spec/shared`.\n", distinct)
	for _, s := range surfaces {
		fmt.Fprintf(&b, "\n**`%s.Client`**: %d endpoints\n\n| Service | Endpoints | What it does |\n|---|---|---|\n", s.Package, len(s.Ops))
		for _, sv := range s.Services {
			n, shared := 0, true
			var walk func(*Service)
			walk = func(x *Service) {
				for _, o := range x.Ops {
					n++
					shared = shared && o.Shared
				}
				for _, c := range x.Children {
					walk(c)
				}
			}
			walk(sv)
			mark := ""
			if shared {
				mark = " ●"
			}
			fmt.Fprintf(&b, "| `%s`%s | %d | %s |\n", sv.Field, mark, n, firstSentence(sv.Description))
		}
	}
	return b.String()
}

// firstSentence is the description up to its first full stop, with a
// capital letter: a service's tag description reads as a predicate.
func firstSentence(desc string) string {
	if i := strings.Index(desc, ". "); i >= 0 {
		desc = desc[:i+1]
	}
	desc = strings.ReplaceAll(desc, "|", `\|`)
	if desc == "" {
		return ""
	}
	return strings.ToUpper(desc[:1]) + desc[1:]
}

// replaceSection puts table between the markers of readme.
func replaceSection(readme []byte, table string) ([]byte, error) {
	i := bytes.Index(readme, []byte(readmeBegin))
	j := bytes.Index(readme, []byte(readmeEnd))
	if i < 0 || j < i {
		return nil, fmt.Errorf("README.md needs the markers %q and %q around the services table", readmeBegin, readmeEnd)
	}
	var out bytes.Buffer
	out.Write(readme[:i+len(readmeBegin)])
	out.WriteString("\n" + table)
	out.Write(readme[j:])
	return out.Bytes(), nil
}
