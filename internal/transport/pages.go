package transport

import (
	"fmt"

	"github.com/gostytch/stytch"
)

// maxEmptyPages is how many pages in a row may hold nothing but a next
// cursor before an iterator gives up. Stytch ends a search with an empty
// cursor; one empty page before the end is plausible, a run of them is a
// server that would keep an iterator busy forever.
const maxEmptyPages = 3

// Pages guards a cursor iterator (the generated SearchAll methods) against
// a server that never ends the sequence: a cursor seen before would repeat
// pages forever, and empty pages with fresh cursors would never end.
type Pages struct {
	seen  map[string]struct{}
	empty int
}

// Seen records a cursor the iteration has already used, such as the one the
// caller started from.
func (p *Pages) Seen(cursor string) {
	if cursor == "" {
		return
	}
	if p.seen == nil {
		p.seen = map[string]struct{}{}
	}
	p.seen[cursor] = struct{}{}
}

// Next records the next cursor of a page that held items results, or
// reports why the iteration must stop.
func (p *Pages) Next(operation, cursor string, items int) error {
	if _, dup := p.seen[cursor]; dup {
		return fmt.Errorf("stytch: %s: the API returned a cursor it had already returned: %w", operation, stytch.ErrPaginationStuck)
	}
	p.Seen(cursor)
	if items > 0 {
		p.empty = 0
		return nil
	}
	if p.empty++; p.empty >= maxEmptyPages {
		return fmt.Errorf("stytch: %s: the API returned %d empty pages in a row, each with a next cursor: %w", operation, p.empty, stytch.ErrPaginationStuck)
	}
	return nil
}
