package report

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"portal/internal/user"
)

// CompletionRow is one host's placements that ended in the year: how many
// students are back, how many filed their report, how many placements
// the office recognised at home, the credits recognised, and the days
// from the last day of the placement to its recognition.
type CompletionRow struct {
	InstitutionID                   int64
	InstitutionEN, InstitutionLocal string
	Returned                        int // placements whose last day has come
	Reports                         int // of them, with the student's report submitted
	Recognised                      int
	Credits                         float64 // the recognitions' credits that read as a number
	MedianDays, P90Days             int     // return to recognition, nearest rank
}

// Credits reads a recognition's credits as typed by the office ("4",
// "4.5", "4,5", "6 ECTS"): the leading number, or 0 and false when there
// is none ("pass").
func Credits(v string) (float64, bool) {
	v = strings.TrimSpace(strings.ReplaceAll(v, ",", "."))
	end := 0
	for end < len(v) && (v[end] == '.' || (v[end] >= '0' && v[end] <= '9')) {
		end++
	}
	n, err := strconv.ParseFloat(v[:end], 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Completion reports, per host, the outgoing placements whose last day
// falls in the filter's year and has come: one query reads them with
// their report and recognition (a year's placements are thousands at
// most), and the credits, which the office types as text, are summed here.
func (s *Service) Completion(ctx context.Context, u *user.User, f Filter) ([]CompletionRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	today := s.zone.Day(s.now())
	q := s.read(ctx).Table("applications AS a").
		Joins("JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN periods AS p ON p.id = c.period_id").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN student_reports AS r ON r.application_id = a.id").
		Joins("LEFT JOIN recognitions AS g ON g.application_id = a.id").
		Where("a.direction = ? AND a.status IN ? AND p.ends_on >= ? AND p.ends_on < ? AND p.ends_on <= ?", "outgoing", mobilityStatuses, from, to, today)
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	var rows []struct {
		InstitutionID                   int64
		InstitutionEN, InstitutionLocal string
		EndsOn                          time.Time
		Report                          bool
		Credits                         *string
		RecognisedOn                    *time.Time
	}
	err := q.Select(`i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local, p.ends_on,
		r.submitted_at IS NOT NULL AS report, g.credits, g.recognised_on`).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "completion")
	}
	by := map[int64]*CompletionRow{}
	days := map[int64][]int{}
	for _, r := range rows {
		c := by[r.InstitutionID]
		if c == nil {
			c = &CompletionRow{InstitutionID: r.InstitutionID, InstitutionEN: r.InstitutionEN, InstitutionLocal: r.InstitutionLocal}
			by[r.InstitutionID] = c
		}
		c.Returned++
		if r.Report {
			c.Reports++
		}
		if r.RecognisedOn == nil {
			continue
		}
		c.Recognised++
		if r.Credits != nil {
			if n, ok := Credits(*r.Credits); ok {
				c.Credits += n
			}
		}
		// Recognised on the day of return, or earlier from a transcript
		// sent ahead, is zero days.
		days[r.InstitutionID] = append(days[r.InstitutionID], Days(day(*r.RecognisedOn), day(r.EndsOn)))
	}
	out := make([]CompletionRow, 0, len(by))
	for id, c := range by {
		d := sortedInts(days[id])
		c.MedianDays, c.P90Days = Percentile(d, 0.5), Percentile(d, 0.9)
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].InstitutionEN != out[j].InstitutionEN {
			return out[i].InstitutionEN < out[j].InstitutionEN
		}
		return out[i].InstitutionID < out[j].InstitutionID
	})
	return out, nil
}
