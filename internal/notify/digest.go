package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/i18n"
)

// DigestSource tells the daily digest what waits in reviewers' queues. The
// application workflows implement it; until they exist the portal wires
// NoDigest, and no digest is sent because nothing waits.
type DigestSource interface {
	// Waiting returns, for every person with something waiting in a queue
	// they review, what waits there now.
	Waiting(ctx context.Context, now time.Time) ([]Waiting, error)
}

// Waiting is what waits for one reviewer.
type Waiting struct {
	UserID int64
	Queues []Queue
}

// Queue is one queue of a reviewer's digest.
type Queue struct {
	Label string `json:"label"` // message key, e.g. notify.queue.department_review
	Count int    `json:"count"`
	Link  string `json:"link"` // path of the queue on the portal
	// Oldest is how many days the application waiting longest has
	// waited; 0 says nothing.
	Oldest int `json:"oldest,omitempty"`
}

// NoDigest is the DigestSource of a portal without applications: nothing
// ever waits.
type NoDigest struct{}

// Waiting returns nothing.
func (NoDigest) Waiting(context.Context, time.Time) ([]Waiting, error) { return nil, nil }

// RunDigest enqueues the digest of day now (the portal's day) for every
// reviewer with something waiting, and returns how many it enqueued. The
// dedup key digest:<user>:<date> makes it safe to run on every replica
// and more than once a day: each reviewer gets at most one digest a day.
func (s *Service) RunDigest(ctx context.Context, now time.Time) (int, error) {
	if s.o.Digest == nil {
		return 0, nil
	}
	waiting, err := s.o.Digest.Waiting(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("digest source: %w", err)
	}
	day := s.o.Zone.Date(now)
	n := 0
	for _, w := range waiting {
		total, queues := 0, []Queue{}
		for _, q := range w.Queues {
			if q.Count > 0 {
				if !strings.HasPrefix(q.Link, "/") || strings.HasPrefix(q.Link, "//") {
					q.Link = "" // only paths on the portal
				}
				total += q.Count
				queues = append(queues, q)
			}
		}
		if total == 0 {
			continue
		}
		e := Event{
			Kind: ReviewerDigest, RecipientUserID: w.UserID, Link: "/",
			Data:     map[string]any{"total": total, "queues": queues, "day": day},
			DedupKey: fmt.Sprintf("digest:%d:%s", w.UserID, day),
		}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return enqueue(tx, e, now) })
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// digestLines reads the queues back from a digest's data.
func (s *Service) digestLines(lang i18n.Lang, data map[string]any) []digestLine {
	raw, _ := json.Marshal(data["queues"])
	var qs []Queue
	_ = json.Unmarshal(raw, &qs)
	out := make([]digestLine, 0, len(qs))
	for _, q := range qs {
		l := digestLine{Label: s.bundle.T(lang, q.Label), Count: q.Count, Oldest: q.Oldest}
		if q.Link != "" {
			l.URL = s.o.BaseURL + q.Link
		}
		out = append(out, l)
	}
	return out
}
