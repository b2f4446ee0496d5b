package report_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// genRound is a generated selection round and what it gave each
// applicant, kept as plain values for the expected figures.
type genRound struct {
	id        int64
	state     string
	published time.Time
	periods   map[int64]bool
	outcomes  []genOutcome
}

type genOutcome struct {
	app     genApp
	outcome string
	rank    int
	period  int64
	score   int
}

// genRotation is a generated incoming rotation request: the department
// and start day of the choice holding its seats.
type genRotation struct {
	dep       int64
	status    string
	starts    time.Time
	submitted bool
	attended  bool // attendance confirmed
	evaluated bool // the evaluation in
}

type genWeek struct {
	dep         int64
	week        time.Time
	seats, take int
	blackout    bool
}

func newUser(t *testing.T, d *db.DB, subject string, roles ...user.Role) *user.User {
	t.Helper()
	u := &user.User{Issuer: "test", Subject: subject, Name: subject, CreatedAt: now, UpdatedAt: now}
	if err := d.Create(u).Error; err != nil {
		t.Fatal(err)
	}
	u.Roles = roles
	return u
}

func exec(t *testing.T, d *db.DB, sql string, args ...any) {
	t.Helper()
	if err := d.Exec(sql, args...).Error; err != nil {
		t.Fatal(sql, err)
	}
}

// generateRounds publishes rounds over g's periods and applications: two
// in Taipei's 2026 (one an hour into it, still 2025 in UTC), one in 2025,
// and one only dry-run, which no report may count.
func generateRounds(t *testing.T, d *db.DB, g *gen, rng *rand.Rand) []genRound {
	t.Helper()
	by := newUser(t, d, "round-office")
	var out []genRound
	for n, r := range []genRound{
		{state: "published", published: time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)},
		{state: "closed", published: time.Date(2026, 6, 1, 3, 0, 0, 0, time.UTC)},
		{state: "published", published: time.Date(2025, 5, 1, 3, 0, 0, 0, time.UTC)},
		{state: "dry_run"},
	} {
		var pub any
		if r.state != "dry_run" {
			pub = r.published
		}
		if err := d.Raw(`INSERT INTO selection_rounds (name, term, deadline, state, seed, created_by, published_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`, fmt.Sprintf("Round %d", n), "2026", now, r.state, by.ID, pub, now, now).Scan(&r.id).Error; err != nil {
			t.Fatal(err)
		}
		var dry int64
		if err := d.Raw(`INSERT INTO selection_dry_runs (round_id, seq, seed, rubric, result, applicants, placed, created_by, created_at)
			VALUES (?, 1, 1, '{}', '{}', 0, 0, ?, ?) RETURNING id`, r.id, by.ID, now).Scan(&dry).Error; err != nil {
			t.Fatal(err)
		}
		r.periods = map[int64]bool{}
		var periods []int64
		for _, i := range rng.Perm(len(g.periods))[:8] {
			r.periods[g.periods[i].id] = true
			periods = append(periods, g.periods[i].id)
			exec(t, d, "INSERT INTO selection_round_periods (round_id, period_id) VALUES (?, ?)", r.id, g.periods[i].id)
		}
		for _, i := range rng.Perm(len(g.apps))[:40] {
			o := genOutcome{app: g.apps[i], score: rng.Intn(10000)}
			switch k := rng.Intn(5); {
			case k < 3:
				o.outcome, o.rank, o.period = "placed", 1+k, periods[rng.Intn(len(periods))]
			case k == 3:
				o.outcome, o.period = "waitlisted", periods[rng.Intn(len(periods))]
			default:
				o.outcome = "unplaced"
			}
			var period any
			if o.period != 0 {
				period = o.period
			}
			exec(t, d, `INSERT INTO selection_outcomes (round_id, application_id, dry_run_id, outcome, rank_given, period_id, score_centi, explanation)
				VALUES (?, ?, ?, ?, ?, ?, ?, '[]')`, r.id, o.app.id, dry, o.outcome, o.rank, period, o.score)
			r.outcomes = append(r.outcomes, o)
		}
		out = append(out, r)
	}
	return out
}

// generateRotations creates two departments with published weeks and
// incoming requests across 2026 and its edges.
func generateRotations(t *testing.T, d *db.DB, rng *rand.Rand) ([]int64, []genRotation, []genWeek) {
	t.Helper()
	ctx := context.Background()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(d, b, func() time.Time { return now })
	var deps []int64
	for n := 0; n < 2; n++ {
		dep, err := cat.CreateDepartment(ctx, catalog.DepartmentInput{Code: fmt.Sprintf("D%d", n), NameEN: fmt.Sprintf("Department %d", n), NameZH: fmt.Sprintf("科 %d", n)})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		deps = append(deps, dep.ID)
	}
	monday := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) // a Monday
	var weeks []genWeek
	for _, dep := range deps {
		for w := 0; w < 60; w++ {
			wk := genWeek{dep: dep, week: monday.AddDate(0, 0, 7*w), seats: rng.Intn(4), blackout: rng.Intn(8) == 0}
			wk.take = rng.Intn(wk.seats + 1)
			weeks = append(weeks, wk)
			exec(t, d, "INSERT INTO rotation_blocks (department_id, week, seats, taken, blackout, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				wk.dep, wk.week, wk.seats, wk.take, wk.blackout, now)
		}
	}
	stages := []string{"draft", "submitted", "department_review", "office_review", "waitlisted", "returned", "accepted", "confirmed", "completed", "rejected", "withdrawn"}
	var reqs []genRotation
	for n := 0; n < 60; n++ {
		u := newUser(t, d, fmt.Sprintf("incoming-%d", n), user.Incoming)
		r := genRotation{status: stages[rng.Intn(len(stages))]}
		r.submitted = r.status != "draft"
		accepted := 0
		if r.status == "accepted" || r.status == "confirmed" || r.status == "completed" {
			accepted = 1 + rng.Intn(2)
		}
		var sub any
		if r.submitted {
			sub = now
		}
		var id int64
		if err := d.Raw(`INSERT INTO rotation_requests (applicant_id, status, accepted_choice, stage_since, submitted_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, r.status, accepted, now, sub, now, now).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		for rank := 1; rank <= 2; rank++ {
			dep, starts := deps[rng.Intn(len(deps))], monday.AddDate(0, 0, 7*rng.Intn(60))
			exec(t, d, "INSERT INTO rotation_choices (request_id, rank, department_id, starts_on, weeks) VALUES (?, ?, ?, ?, 2)", id, rank, dep, starts)
			if rank == max(accepted, 1) {
				r.dep, r.starts = dep, starts
			}
		}
		// The close the department records, some of it or all, on some of
		// the rotations (attendance and evaluation may come in either order).
		if r.status == "confirmed" || r.status == "completed" {
			r.attended, r.evaluated = r.status == "completed" || rng.Intn(2) == 0, r.status == "completed" || rng.Intn(2) == 0
			if r.attended || r.evaluated {
				var att, ev any
				if r.attended {
					att = now
				}
				if r.evaluated {
					ev = now
				}
				exec(t, d, `INSERT INTO rotation_assessments (request_id, attendance_confirmed_at, evaluated_at, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?)`, id, att, ev, now, now)
			}
		}
		reqs = append(reqs, r)
	}
	return deps, reqs, weeks
}

func TestSelectionRoundsAndDepartmentLoadMatchTheRowsTheyCount(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		g := generate(t, d, 17)
		rng := rand.New(rand.NewSource(7))
		rounds := generateRounds(t, d, g, rng)
		deps, reqs, weeks := generateRotations(t, d, rng)
		s, taipei := service(t, d)
		ctx := context.Background()

		t.Run("a round counts placements at each choice, the waitlisted and the unplaced, in Taipei's year", func(t *testing.T) {
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2025}, {Year: 2026, Specialty: "surgery"}, {Year: 2026, InstitutionID: g.insts[2]}} {
				got, err := s.Rounds(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				var want []report.RoundRow
				cuts := map[[2]int64][]int{} // round, period -> placed scores
				nCuts := 0
				for i := len(rounds) - 1; i >= 0; i-- { // latest published first
					r := rounds[i]
					if r.state == "dry_run" || r.published.In(taipei).Year() != f.Year {
						continue
					}
					partner := f.InstitutionID == 0
					for _, p := range g.periods {
						if r.periods[p.id] && p.inst == f.InstitutionID {
							partner = true
						}
						if r.periods[p.id] && (f.InstitutionID == 0 || p.inst == f.InstitutionID) && (f.Specialty == "" || p.specialty == f.Specialty) {
							nCuts++
						}
					}
					if !partner {
						continue
					}
					row := report.RoundRow{ID: r.id}
					for _, o := range r.outcomes {
						if o.outcome == "placed" {
							cuts[[2]int64{r.id, o.period}] = append(cuts[[2]int64{r.id, o.period}], o.score)
						}
						if f.Specialty != "" && o.app.specialty != f.Specialty {
							continue
						}
						row.Applicants++
						switch o.outcome {
						case "placed":
							row.Placed[o.rank-1]++
						case "waitlisted":
							row.Waitlisted++
						default:
							row.Unplaced++
						}
					}
					if row.Applicants > 0 {
						want = append(want, row)
					}
				}
				if f == (report.Filter{Year: 2026}) && (len(want) != 2 || len(cuts) == 0) {
					t.Fatalf("2026 has %d rounds with %d placed periods: the test would prove little", len(want), len(cuts))
				}
				if len(got.Rows) != len(want) {
					t.Fatalf("filter %+v: %d rounds, want %d", f, len(got.Rows), len(want))
				}
				for i, w := range want {
					r := got.Rows[i]
					if r.ID != w.ID || r.Applicants != w.Applicants || r.Placed != w.Placed || r.Waitlisted != w.Waitlisted || r.Unplaced != w.Unplaced {
						t.Errorf("filter %+v: got %+v, want %+v", f, r, w)
					}
				}
				if len(got.Cutoffs) != nCuts {
					t.Errorf("filter %+v: %d cutoff rows, want %d", f, len(got.Cutoffs), nCuts)
				}
				for _, c := range got.Cutoffs {
					scores := cuts[[2]int64{c.RoundID, c.PeriodID}]
					low := 0
					for i, sc := range scores {
						if i == 0 || sc < low {
							low = sc
						}
					}
					if c.Placed != len(scores) || c.HasCutoff != (len(scores) > 0) || c.CutoffCenti != low {
						t.Errorf("round %d period %d: got placed %d cutoff %d (%v), want %d %d", c.RoundID, c.PeriodID, c.Placed, c.CutoffCenti, c.HasCutoff, len(scores), low)
					}
				}
			}
		})

		t.Run("seat fill shows the cutoff of the last published round that took the period in", func(t *testing.T) {
			seen := 0
			for _, year := range []int{2025, 2026, 2027} {
				got, err := s.Seats(ctx, office(), report.Filter{Year: year})
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				for _, row := range got {
					var last *genRound
					for i := range rounds {
						r := &rounds[i]
						if r.state != "dry_run" && r.periods[row.PeriodID] && (last == nil || r.published.After(last.published)) {
							last = r
						}
					}
					name, cut, has := "", 0, false
					if last != nil {
						name = fmt.Sprintf("Round %d", indexOf(rounds, last.id))
						for _, o := range last.outcomes {
							if o.outcome == "placed" && o.period == row.PeriodID && (!has || o.score < cut) {
								cut, has = o.score, true
							}
						}
						seen++
					}
					if row.Round != name || row.HasCutoff != has || row.CutoffCenti != cut {
						t.Errorf("period %d: got round %q cutoff %d (%v), want %q %d (%v)", row.PeriodID, row.Round, row.CutoffCenti, row.HasCutoff, name, cut, has)
					}
				}
			}
			if seen == 0 {
				t.Fatal("no period took part in a round: the test would prove nothing")
			}
		})

		t.Run("department load counts requests, decisions and seat-weeks per department and month", func(t *testing.T) {
			got, err := s.Departments(ctx, office(), report.Filter{Year: 2026})
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			type k struct {
				dep   int64
				month time.Month
			}
			want := map[k]*report.DepartmentRow{}
			at := func(dep int64, d time.Time) *report.DepartmentRow {
				if want[k{dep, d.Month()}] == nil {
					want[k{dep, d.Month()}] = &report.DepartmentRow{DepartmentID: dep}
				}
				return want[k{dep, d.Month()}]
			}
			for _, r := range reqs {
				if !r.submitted || r.starts.Year() != 2026 {
					continue
				}
				w := at(r.dep, r.starts)
				w.Requests++
				if in(r.status, "submitted", "department_review", "office_review", "waitlisted") {
					w.Waiting++
				}
				if in(r.status, "accepted", "confirmed", "completed") {
					w.Accepted++
				}
				if r.status == "confirmed" && !r.starts.After(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)) && !(r.attended && r.evaluated) {
					w.Outstanding++
				}
			}
			for _, wk := range weeks {
				if wk.blackout || wk.week.Year() != 2026 {
					continue
				}
				w := at(wk.dep, wk.week)
				w.Seats += wk.seats
				w.Taken += wk.take
			}
			outstanding := 0
			for _, w := range want {
				outstanding += w.Outstanding
			}
			if outstanding == 0 {
				t.Fatal("no rotation owes its close in 2026: the outstanding column would prove nothing")
			}
			if len(got) != len(want) {
				t.Errorf("%d rows, want %d", len(got), len(want))
			}
			for _, r := range got {
				w := want[k{r.DepartmentID, r.Month.Month()}]
				if w == nil || r.Month.Year() != 2026 || r.Month.Day() != 1 {
					t.Errorf("unexpected row %+v", r)
					continue
				}
				if r.Requests != w.Requests || r.Waiting != w.Waiting || r.Accepted != w.Accepted || r.Outstanding != w.Outstanding || r.Seats != w.Seats || r.Taken != w.Taken {
					t.Errorf("department %d %s: got %+v, want %+v", r.DepartmentID, r.Month.Month(), r, *w)
				}
			}
		})

		t.Run("reviewers and coordinators read only their scope's parts", func(t *testing.T) {
			rev := newUser(t, d, "scoped-reviewer", user.Reviewer)
			exec(t, d, "INSERT INTO reviewer_scopes (user_id, specialty, granted_at) VALUES (?, 'surgery', ?)", rev.ID, now)
			co := newUser(t, d, "scoped-coordinator", user.Coordinator)
			exec(t, d, "INSERT INTO rotation_coordinators (user_id, department_id, granted_at) VALUES (?, ?, ?)", co.ID, deps[0], now)
			student := newUser(t, d, "nosy-student", user.Student)

			pipe, err := s.Pipeline(ctx, rev, report.Filter{})
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			all, err := s.Pipeline(ctx, office(), report.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			surgery, err := s.Pipeline(ctx, office(), report.Filter{Specialty: "surgery"})
			if err != nil {
				t.Fatal(err)
			}
			mine, everyone := 0, 0
			for i := range pipe.Rows {
				if pipe.Rows[i].Count != surgery.Rows[i].Count {
					t.Errorf("reviewer's %s: %d, want their specialty's %d", pipe.Rows[i].Stage, pipe.Rows[i].Count, surgery.Rows[i].Count)
				}
				mine += pipe.Rows[i].Count
				everyone += all.Rows[i].Count
			}
			if mine == 0 || mine == everyone {
				t.Fatalf("the reviewer's pipeline counts %d of %d: the test would prove nothing", mine, everyone)
			}
			for _, c := range pipe.Chase {
				for _, a := range g.apps {
					if a.id == c.ID && a.specialty != "surgery" {
						t.Errorf("the reviewer's chase list names application %d of %s", a.id, a.specialty)
					}
				}
			}
			seats, err := s.Seats(ctx, rev, report.Filter{Year: 2026})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range seats {
				for _, p := range g.periods {
					if p.id == r.PeriodID && p.specialty != "surgery" {
						t.Errorf("the reviewer sees seat fill of %s period %d", p.specialty, p.id)
					}
				}
			}
			load, err := s.Departments(ctx, co, report.Filter{Year: 2026})
			if err != nil {
				t.Fatal(err)
			}
			if len(load) == 0 {
				t.Fatal("the coordinator sees no load of their own department")
			}
			for _, r := range load {
				if r.DepartmentID != deps[0] {
					t.Errorf("the coordinator sees department %d", r.DepartmentID)
				}
			}
			refused := []struct {
				who  *user.User
				what string
				call func(*user.User) error
			}{
				{rev, "department load", func(u *user.User) error { _, err := s.Departments(ctx, u, report.Filter{}); return err }},
				{rev, "rounds", func(u *user.User) error { _, err := s.Rounds(ctx, u, report.Filter{}); return err }},
				{rev, "agreements", func(u *user.User) error { _, err := s.Agreements(ctx, u, report.Filter{}); return err }},
				{co, "pipeline", func(u *user.User) error { _, err := s.Pipeline(ctx, u, report.Filter{}); return err }},
				{co, "seat fill", func(u *user.User) error { _, err := s.Seats(ctx, u, report.Filter{}); return err }},
				{student, "pipeline", func(u *user.User) error { _, err := s.Pipeline(ctx, u, report.Filter{}); return err }},
				{student, "department load", func(u *user.User) error { _, err := s.Departments(ctx, u, report.Filter{}); return err }},
			}
			for _, r := range refused {
				if err := r.call(r.who); apperr.CodeOf(err) != apperr.Forbidden {
					t.Errorf("%s read %s: %v", r.who.Subject, r.what, err)
				}
			}
		})
	})
}

func indexOf(rounds []genRound, id int64) int {
	for i, r := range rounds {
		if r.id == id {
			return i
		}
	}
	return -1
}
