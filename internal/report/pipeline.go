package report

import (
	"context"
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
// and how long (whole days in the stage, nearest-rank percentiles).
type StageRow struct {
	Stage      string
	Count      int
	Oldest     *time.Time // the longest waiting one's arrival in the stage
	OldestDays int
	MedianDays int
	P90Days    int
	TargetDays int
	Over       int // how many have waited longer than the target
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

// pipelineScope narrows applications to the filter: submitted in the
// year, its specialty, its current choice's institution, and to the
// specialties a reviewer reviews.
func (s *Service) pipelineScope(q *gorm.DB, u *user.User, f Filter) *gorm.DB {
	q = bySpecialty(q.Where("a.status IN ?", PipelineStages), u, "a.specialty")
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

// Pipeline reports each waiting stage. On PostgreSQL the percentiles are
// one aggregate (percentile_disc); SQLite, the small embedded default,
// has none, so its days are read and ranked here.
func (s *Service) Pipeline(ctx context.Context, u *user.User, f Filter) (*Pipeline, error) {
	if err := s.allowKind(u, KindPipeline); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out := &Pipeline{}
	byStage := map[string]*StageRow{}
	for _, st := range PipelineStages {
		out.Rows = append(out.Rows, StageRow{Stage: st, TargetDays: s.targets[st]})
	}
	for i := range out.Rows {
		byStage[out.Rows[i].Stage] = &out.Rows[i]
	}
	// over is "waited longer than the stage's target": arrived before now
	// minus the target (plus a day: Days counts whole days).
	var over []string
	var overArgs []any
	for _, st := range PipelineStages {
		over = append(over, "(a.status = ? AND a.stage_since <= ?)")
		overArgs = append(overArgs, st, now.Add(-time.Duration(s.targets[st]+1)*24*time.Hour))
	}
	overSQL := strings.Join(over, " OR ")
	if s.db.Dialect == db.Postgres {
		var rows []struct {
			Status      string
			N           int
			Oldest      time.Time
			Median, P90 time.Time
			Over        int
		}
		q := s.pipelineScope(s.read(ctx).Table("applications AS a"), u, f).
			Select(`a.status, COUNT(*) AS n, MIN(a.stage_since) AS oldest,
				percentile_disc(0.5) WITHIN GROUP (ORDER BY a.stage_since DESC) AS median,
				percentile_disc(0.9) WITHIN GROUP (ORDER BY a.stage_since DESC) AS p90,
				SUM(CASE WHEN `+overSQL+` THEN 1 ELSE 0 END) AS over`, overArgs...).
			Group("a.status")
		if err := q.Scan(&rows).Error; err != nil {
			return nil, wrap(err, "pipeline")
		}
		for _, r := range rows {
			row := byStage[r.Status]
			oldest := r.Oldest
			row.Count, row.Oldest, row.OldestDays = r.N, &oldest, Days(now, r.Oldest)
			row.MedianDays, row.P90Days, row.Over = Days(now, r.Median), Days(now, r.P90), r.Over
		}
	} else {
		var rows []struct {
			Status     string
			StageSince time.Time
		}
		if err := s.pipelineScope(s.read(ctx).Table("applications AS a"), u, f).Select("a.status, a.stage_since").Scan(&rows).Error; err != nil {
			return nil, wrap(err, "pipeline")
		}
		days := map[string][]int{}
		for _, r := range rows {
			row := byStage[r.Status]
			d := Days(now, r.StageSince)
			days[r.Status] = append(days[r.Status], d)
			row.Count++
			if row.Oldest == nil || r.StageSince.Before(*row.Oldest) {
				since := r.StageSince
				row.Oldest, row.OldestDays = &since, d
			}
			if d > row.TargetDays {
				row.Over++
			}
		}
		for st, v := range days {
			v = sortedInts(v)
			byStage[st].MedianDays, byStage[st].P90Days = Percentile(v, 0.5), Percentile(v, 0.9)
		}
	}
	// The chase list: the longest over their target, by the index on
	// (status, stage_since).
	var chase []struct {
		ID         int64
		Status     string
		StageSince time.Time
	}
	if err := s.pipelineScope(s.read(ctx).Table("applications AS a"), u, f).Where(overSQL, overArgs...).
		Select("a.id, a.status, a.stage_since").Order("a.stage_since, a.id").Limit(chaseLimit).Scan(&chase).Error; err != nil {
		return nil, wrap(err, "pipeline chase")
	}
	for _, c := range chase {
		out.Chase = append(out.Chase, Chase{ID: c.ID, Stage: c.Status, Since: c.StageSince, Days: Days(now, c.StageSince), TargetDays: s.targets[c.Status]})
	}
	return out, nil
}
