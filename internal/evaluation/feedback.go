package evaluation

import (
	"context"
	"strings"
)

// Feedback is what the next students see on an elective's page: averages
// of the submitted reports and the words of those who agreed to be
// quoted, never who wrote them.
type Feedback struct {
	Responses int
	Averages  map[string]float64 // per rating in Ratings, of those who answered it
	Recommend int                // how many would recommend it
	Quotes    []Quote
}

// Quote is one consenting student's practical information, unsigned.
type Quote struct {
	Body, Costs, Housing, Visa, Tips string
}

// FeedbackOf is elective id's feedback, nil below MinResponses submitted
// reports: fewer could name their author by elimination.
func (s *Service) FeedbackOf(ctx context.Context, electiveID int64) (*Feedback, error) {
	var rs []Report
	err := s.db.WithContext(ctx).Where("elective_id = ? AND submitted_at IS NOT NULL", electiveID).
		Order("application_id").Find(&rs).Error
	if err != nil {
		return nil, wrap(err, "read feedback")
	}
	if len(rs) < MinResponses {
		return nil, nil
	}
	fb := &Feedback{Responses: len(rs), Averages: map[string]float64{}}
	for _, name := range Ratings {
		sum, n := 0, 0
		for i := range rs {
			if v := rs[i].Rating(name); v != nil {
				sum, n = sum+*v, n+1
			}
		}
		if n > 0 {
			fb.Averages[name] = float64(sum) / float64(n)
		}
	}
	for _, r := range rs {
		if r.Recommend != nil && *r.Recommend {
			fb.Recommend++
		}
		q := Quote{Body: strings.TrimSpace(r.Body), Costs: strings.TrimSpace(r.Costs), Housing: strings.TrimSpace(r.Housing),
			Visa: strings.TrimSpace(r.Visa), Tips: strings.TrimSpace(r.Tips)}
		if r.ConsentQuote && q != (Quote{}) {
			fb.Quotes = append(fb.Quotes, q)
		}
	}
	return fb, nil
}
