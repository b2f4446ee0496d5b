package report

import (
	"context"
	"sort"
	"time"

	"portal/internal/user"
)

// OutcomeRow is one host's answers to the year's nominations. A
// nomination is a choice the office sent (nominated_at set) in the year.
type OutcomeRow struct {
	InstitutionID                   int64
	InstitutionEN, InstitutionLocal string
	Nominations                     int
	Pending                         int // sent, not answered, still waiting
	Accepted, Waitlisted, Rejected  int // the host's answer
	Cancelled                       int // withdrawn or closed before the host answered
	MedianDays                      int // days from nomination to the host's answer
	Answered                        int // how many answers the median is over
}

// Outcomes reports the nominations sent in the filter's year per host.
// Nominations are few (thousands a year), so their rows are read and
// counted here: one query on the choices' nomination day.
func (s *Service) Outcomes(ctx context.Context, u *user.User, f Filter) ([]OutcomeRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	from, to := s.yearSpan(s.Year(f))
	q := s.read(ctx).Table("application_choices AS c").
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("c.nominated_at >= ? AND c.nominated_at < ?", from, to)
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	var rows []struct {
		InstitutionID                   int64
		InstitutionEN, InstitutionLocal string
		HostDecision                    string
		NominatedAt                     time.Time
		DecidedAt                       *time.Time
		Status                          string
		Current                         bool
	}
	err := q.Select(`i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local,
		c.host_decision, c.nominated_at, c.decided_at, a.status, c.rank = a.current_choice AS current`).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "nomination outcomes")
	}
	by := map[int64]*OutcomeRow{}
	days := map[int64][]int{}
	for _, r := range rows {
		o := by[r.InstitutionID]
		if o == nil {
			o = &OutcomeRow{InstitutionID: r.InstitutionID, InstitutionEN: r.InstitutionEN, InstitutionLocal: r.InstitutionLocal}
			by[r.InstitutionID] = o
		}
		o.Nominations++
		switch r.HostDecision {
		case "accepted":
			o.Accepted++
		case "waitlisted":
			o.Waitlisted++
		case "rejected":
			o.Rejected++
		default:
			if r.Current && r.Status == "nominated" {
				o.Pending++
			} else {
				o.Cancelled++
			}
		}
		if r.HostDecision != "" && r.DecidedAt != nil {
			days[r.InstitutionID] = append(days[r.InstitutionID], Days(*r.DecidedAt, r.NominatedAt))
		}
	}
	out := make([]OutcomeRow, 0, len(by))
	for id, o := range by {
		d := sortedInts(days[id])
		o.MedianDays, o.Answered = Percentile(d, 0.5), len(d)
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].InstitutionEN != out[j].InstitutionEN {
			return out[i].InstitutionEN < out[j].InstitutionEN
		}
		return out[i].InstitutionID < out[j].InstitutionID
	})
	return out, nil
}
