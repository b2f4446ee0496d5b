package rotation

import (
	"context"

	"portal/internal/user"
)

// Waiting lists the requests that wait for coordinator or office u to
// move, oldest in their stage first: the home page's "waiting for you".
func (s *Service) Waiting(ctx context.Context, u *user.User) ([]Summary, error) {
	all, err := s.Queue(ctx, u, QueueFilter{})
	if err != nil || u == nil {
		return nil, err
	}
	party := Coordinator
	if u.Has(PartyRoles[Office]...) {
		party = Office
	}
	var out []Summary
	for _, r := range all {
		if Turn(r.Status) == party {
			out = append(out, r)
		}
	}
	return out, nil
}
