package report

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/db"
	"portal/internal/user"
)

// PipelineStages are the stages of the outgoing workflow where an
// application waits for someone, in the workflow's order.
var PipelineStages = []string{"submitted", "department_review", "office_review", "nominated", "waitlisted", "host_accepted"}

// StageRow is one stage of the pipeline: how many wait there, since when,
// and how long: calendar days in the stage (today's UTC date minus the
// UTC date of arrival), nearest-rank percentiles.
type StageRow struct {
	Stage      string
	Count      int
	Oldest     *time.Time // the longest waiting one's arrival in the stage
	OldestDays int
	MedianDays int
	P90Days    int
	TargetDays int
	Over       int // how many have waited more days than the target
}

// Chase is one application of the chase list: over its stage's target.
type Chase struct {
	ID         int64
	Stage      string
	Since      time.Time
	Days       int
	TargetDays int
}

// Pipeline is the report: a row per waiting stage, and the chase list.
type Pipeline struct {
	Rows  []StageRow
	Chase []Chase // longest over target first, at most chaseLimit
}

const chaseLimit = 50

// The report reads application_stage_days (migration 00087), a histogram
// the triggers on applications keep exact: per stage, specialty and UTC
// day of arrival, how many wait. Days in stage are whole calendar days in
// UTC, today's date minus the date of arrival: a trigger dates a row
// without knowing the portal's zone. So an application that arrived
// yesterday evening has waited a day this morning. The office's view, a
// specialty and a reviewer's scope read a few thousand of its rows; the
// year (of submission) and the partner (of the current choice) are not in
// it, and those narrower views still group the applications they select
// (pipelineDaysScanned).

// dayCount is one bar of a stage's histogram: n applications arrived in
// the stage on the UTC day Day.
type dayCount struct {
	Status string
	Day    string `gorm:"column:since_day"` // a DATE, read as text: see utcDay
	N      int
	days   int // today minus Day
}

// pipelineFilter narrows applications AS a to the filter: submitted in
// the year, its specialty, its current choice's institution, and to the
// specialties a reviewer reviews.
func (s *Service) pipelineFilter(q *gorm.DB, u *user.User, f Filter) *gorm.DB {
	q = bySpecialty(q, u, "a.specialty")
	if f.Year != 0 {
		from, to := s.yearSpan(f.Year)
		q = q.Where("a.submitted_at >= ? AND a.submitted_at < ?", from, to)
	}
	if f.Specialty != "" {
		q = q.Where("a.specialty = ?", f.Specialty)
	}
	if f.InstitutionID != 0 {
		q = q.Where(`EXISTS (SELECT 1 FROM application_choices c JOIN electives e ON e.id = c.elective_id
			WHERE c.application_id = a.id AND c.rank = a.current_choice AND e.institution_id = ?)`, f.InstitutionID)
	}
	return q
}

// pipelineDays reads the histogram of every waiting stage under the filter.
func (s *Service) pipelineDays(ctx context.Context, u *user.User, f Filter) ([]dayCount, error) {
	var rows []dayCount
	if f.Year != 0 || f.InstitutionID != 0 {
		return rows, s.pipelineDaysScanned(ctx, u, f).Scan(&rows).Error
	}
	q := s.read(ctx).Table("application_stage_days AS d").Select("d.status, d.since_day, SUM(d.n) AS n").
		Where("d.status IN ?", PipelineStages)
	if f.Specialty != "" {
		q = q.Where("d.specialty = ?", f.Specialty)
	}
	return rows, bySpecialty(q, u, "d.specialty").Group("d.status, d.since_day").Scan(&rows).Error
}

// pipelineDaysScanned is the same histogram grouped from the applications
// themselves, for the filters the summary does not know. The day is
// computed as the triggers of 00087 compute it.
func (s *Service) pipelineDaysScanned(ctx context.Context, u *user.User, f Filter) *gorm.DB {
	day := "date(a.stage_since)"
	if s.db.Dialect == db.Postgres {
		day = "(a.stage_since AT TIME ZONE 'UTC')::date"
	}
	return s.pipelineFilter(s.read(ctx).Table("applications AS a"), u, f).
		Select("a.status, "+day+" AS since_day, COUNT(*) AS n").
		Where("a.status IN ?", PipelineStages).Group("a.status, " + day)
}

// utcDay reads a DATE as either driver hands it over as text: PostgreSQL's
// as a time formatted by database/sql ("2026-11-21T00:00:00Z"), SQLite's
// as stored ("2026-11-21"). Both begin with the day.
func utcDay(v string) (time.Time, error) {
	if len(v) > len(time.DateOnly) {
		v = v[:len(time.DateOnly)]
	}
	return time.Parse(time.DateOnly, v)
}

// calendarDays is how many UTC days lie between since's date and today's.
func calendarDays(today, since time.Time) int {
	y, m, d := since.UTC().Date()
	n := int(today.Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	return max(n, 0)
}

// percentileOf is Percentile over a histogram sorted by days ascending:
// the smallest days with at least p of the n applications at or below.
func percentileOf(h []dayCount, n int, p float64) int {
	if n == 0 {
		return 0
	}
	rank := max(int(math.Ceil(p*float64(n))), 1)
	seen := 0
	for _, c := range h {
		seen += c.N
		if seen >= rank {
			return c.days
		}
	}
	return h[len(h)-1].days
}

// Pipeline reports each waiting stage: its figures from the histogram,
// the same arithmetic on both dialects; the oldest arrival and the chase
// list each from one query that walks the index on (status, stage_since)
// (or (specialty, status, stage_since)) no further than the histogram
// says it needs to.
func (s *Service) Pipeline(ctx context.Context, u *user.User, f Filter) (*Pipeline, error) {
	if err := s.allowKind(u, KindPipeline); err != nil {
		return nil, err
	}
	y, m, d := s.now().UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	hist, err := s.pipelineDays(ctx, u, f)
	if err != nil {
		return nil, wrap(err, "pipeline")
	}
	byStage := map[string][]dayCount{}
	for _, c := range hist {
		day, err := utcDay(c.Day)
		if err != nil {
			return nil, wrap(err, "pipeline day")
		}
		c.days = calendarDays(today, day)
		byStage[c.Status] = append(byStage[c.Status], c)
	}
	out := &Pipeline{}
	// Per stage, the bounds of the two queries below: the oldest arrival
	// is before the end of the oldest day, and the chase list's
	// applications before the end of the day by which the stage has
	// chaseLimit over target (or all of them).
	var oldestBefore, chaseBefore []time.Time
	for _, st := range PipelineStages {
		row := StageRow{Stage: st, TargetDays: s.targets[st]}
		h := byStage[st]
		sort.Slice(h, func(i, j int) bool { return h[i].days < h[j].days })
		for _, c := range h {
			row.Count += c.N
			if c.days > row.TargetDays {
				row.Over += c.N
			}
		}
		oldest, chase := time.Time{}, time.Time{}
		if row.Count > 0 {
			row.OldestDays = h[len(h)-1].days
			row.MedianDays, row.P90Days = percentileOf(h, row.Count, 0.5), percentileOf(h, row.Count, 0.9)
			oldest = today.AddDate(0, 0, 1-row.OldestDays)
		}
		for i, seen := len(h)-1, 0; i >= 0 && h[i].days > row.TargetDays && seen < chaseLimit; i-- {
			seen += h[i].N
			chase = today.AddDate(0, 0, 1-h[i].days)
		}
		oldestBefore, chaseBefore = append(oldestBefore, oldest), append(chaseBefore, chase)
		out.Rows = append(out.Rows, row)
	}

	var first []struct {
		Status     string
		StageSince time.Time
	}
	if err := s.eachStage(ctx, u, f, oldestBefore, "a.status, a.stage_since", 1).Scan(&first).Error; err != nil {
		return nil, wrap(err, "pipeline oldest")
	}
	for _, r := range first {
		for i := range out.Rows {
			if out.Rows[i].Stage == r.Status {
				since := r.StageSince
				out.Rows[i].Oldest = &since
			}
		}
	}

	var chase []struct {
		ID         int64
		Status     string
		StageSince time.Time
	}
	if err := s.eachStage(ctx, u, f, chaseBefore, "a.id, a.status, a.stage_since", chaseLimit).Scan(&chase).Error; err != nil {
		return nil, wrap(err, "pipeline chase")
	}
	// Longest in stage first, across the stages; equal arrivals by id.
	sort.Slice(chase, func(i, j int) bool {
		if !chase[i].StageSince.Equal(chase[j].StageSince) {
			return chase[i].StageSince.Before(chase[j].StageSince)
		}
		return chase[i].ID < chase[j].ID
	})
	for _, c := range chase[:min(len(chase), chaseLimit)] {
		out.Chase = append(out.Chase, Chase{ID: c.ID, Stage: c.Status, Since: c.StageSince,
			Days: calendarDays(today, c.StageSince), TargetDays: s.targets[c.Status]})
	}
	return out, nil
}

// eachStage is one query, a UNION ALL of one index walk per stage: the
// first limit applications of the stage under the filter that arrived
// before before[i], in order of arrival. A stage whose bound is zero has
// nothing to find and is left out.
func (s *Service) eachStage(ctx context.Context, u *user.User, f Filter, before []time.Time, columns string, limit int) *gorm.DB {
	var parts []string
	var args []any
	for i, st := range PipelineStages {
		if before[i].IsZero() {
			continue
		}
		q := s.pipelineFilter(s.read(ctx).Table("applications AS a"), u, f).Select(columns).
			Where("a.status = ? AND a.stage_since < ?", st, before[i]).Order("a.stage_since, a.id").Limit(limit)
		// SQLite takes no parenthesised SELECT in a UNION; a subquery in
		// FROM carries its own ORDER BY and LIMIT on both dialects.
		parts = append(parts, "SELECT * FROM (?) AS s"+strconv.Itoa(i))
		args = append(args, q)
	}
	if len(parts) == 0 {
		// Nothing waits: a query that finds nothing keeps callers simple.
		return s.read(ctx).Table("applications AS a").Select(columns).Where("1 = 0")
	}
	return s.read(ctx).Raw(strings.Join(parts, " UNION ALL "), args...)
}
