package report

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

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
// falls in the filter's year and has come. The students back are counted
// by the per-period counters (period_application_counts), so that the
// work follows the year's periods rather than its placements; the
// reports are counted, and the recognised placements read (for the
// credits, which the office types as text, and the days to recognition),
// from the periods that ended then (periods.ends_on is indexed), their
// choices and applications.
func (s *Service) Completion(ctx context.Context, u *user.User, f Filter) ([]CompletionRow, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	from, to := dateSpan(s.Year(f))
	if today := s.zone.Day(s.now()).AddDate(0, 0, 1); today.Before(to) {
		to = today // the last day has come: it is today or before
	}
	scope := func() *gorm.DB {
		q := s.read(ctx).Table("periods AS p").
			Joins("JOIN application_choices AS c ON c.period_id = p.id").
			Joins("JOIN applications AS a ON a.id = c.application_id AND a.current_choice = c.rank").
			Joins("JOIN electives AS e ON e.id = c.elective_id").
			// The dates and statuses are written into the statement, not
			// bound: see mobilityIn (funding.go).
			Where("p.ends_on >= " + dateLiteral(from) + " AND p.ends_on < " + dateLiteral(to) + " AND a.direction = 'outgoing' AND a.status IN " + mobilityIn)
		if f.InstitutionID != 0 {
			q = q.Where("e.institution_id = ?", f.InstitutionID)
		}
		if f.Specialty != "" {
			q = q.Where("e.specialty = ?", f.Specialty)
		}
		return q
	}
	// The students back, per host, from the per-period counters (kept by
	// triggers): a year may hold hundreds of thousands of placements.
	var out []CompletionRow
	q := s.read(ctx).Table("period_application_counts AS k").
		Joins("JOIN periods AS p ON p.id = k.period_id").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("k.status IN " + mobilityIn + " AND e.direction = 'outgoing' AND p.ends_on >= " + dateLiteral(from) + " AND p.ends_on < " + dateLiteral(to))
	if f.InstitutionID != 0 {
		q = q.Where("e.institution_id = ?", f.InstitutionID)
	}
	if f.Specialty != "" {
		q = q.Where("e.specialty = ?", f.Specialty)
	}
	err := q.Select(`i.id AS institution_id, i.name_en AS institution_en, i.name_local AS institution_local, SUM(k.current_n) AS returned`).
		Group("i.id, i.name_en, i.name_local").Having("SUM(k.current_n) > 0").Scan(&out).Error
	if err != nil {
		return nil, wrap(err, "completion")
	}
	at := map[int64]int{}
	for i, c := range out {
		at[c.InstitutionID] = i
	}
	// The reports and recognitions are few next to the placements: the
	// joins start from them.
	var reports []struct {
		InstitutionID int64
		N             int
	}
	err = scope().Joins("JOIN student_reports AS r ON r.application_id = a.id AND r.submitted_at IS NOT NULL").
		Select("e.institution_id, COUNT(*) AS n").Group("e.institution_id").Scan(&reports).Error
	if err != nil {
		return nil, wrap(err, "completion reports")
	}
	for _, r := range reports {
		if i, ok := at[r.InstitutionID]; ok {
			out[i].Reports = r.N
		}
	}
	var recognised []struct {
		InstitutionID int64
		EndsOn        time.Time
		Credits       string
		RecognisedOn  time.Time
	}
	err = scope().Joins("JOIN recognitions AS g ON g.application_id = a.id").
		Select("e.institution_id, p.ends_on, g.credits, g.recognised_on").Scan(&recognised).Error
	if err != nil {
		return nil, wrap(err, "completion recognitions")
	}
	days := map[int64][]int{}
	for _, r := range recognised {
		i, ok := at[r.InstitutionID]
		if !ok {
			continue // recognised between the two reads: counted next time
		}
		c := &out[i]
		c.Recognised++
		if n, ok := Credits(r.Credits); ok {
			c.Credits += n
		}
		// Recognised on the day of return, or earlier from a transcript
		// sent ahead, is zero days.
		days[r.InstitutionID] = append(days[r.InstitutionID], Days(day(r.RecognisedOn), day(r.EndsOn)))
	}
	for i := range out {
		d := sortedInts(days[out[i].InstitutionID])
		out[i].MedianDays, out[i].P90Days = Percentile(d, 0.5), Percentile(d, 0.9)
	}
	// Sorted here, not by the database, whose collation differs between
	// the dialects.
	sort.Slice(out, func(i, j int) bool {
		if out[i].InstitutionEN != out[j].InstitutionEN {
			return out[i].InstitutionEN < out[j].InstitutionEN
		}
		return out[i].InstitutionID < out[j].InstitutionID
	})
	return out, nil
}
