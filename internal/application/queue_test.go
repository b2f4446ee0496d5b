package application_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

// queueAt makes an application at stage of a new applicant for the first
// of periods, entering its stage at the given time (the clock is set there
// for every step and left there).
func (w *world) queueAt(stage application.Stage, at time.Time, periods ...*catalog.Period) *application.Application {
	w.t.Helper()
	w.clock.Set(at)
	u := w.applicant()
	if len(periods) == 0 {
		periods = []*catalog.Period{w.p1, w.p2}
	}
	return w.along(w.draft(u, periods...), u, stage)
}

func (w *world) queue(u *user.User, f application.QueueFilter) *application.QueuePage {
	w.t.Helper()
	p, err := w.s.Queue(w.ctx, u, f)
	w.must(err, "queue")
	return p
}

func queueIDs(p *application.QueuePage) []int64 {
	var out []int64
	for _, r := range p.Rows {
		out = append(out, r.ID)
	}
	return out
}

func stageCount(p *application.QueuePage, st application.Stage) int {
	for _, c := range p.Counts {
		if c.Stage == st {
			return c.N
		}
	}
	return -1
}

// A department reviewer sees the specialties granted to them and nothing
// else, one without a scope sees nothing, the office and admins see every
// application out of draft; students are refused.
func TestQueueScope(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ward := w.queueAt(application.Submitted, start)
		wardLater := w.queueAt(application.OfficeReview, start.Add(time.Hour))
		lab := w.queueAt(application.Submitted, start.Add(2*time.Hour), w.p3)
		w.queueAt(application.Draft, start.Add(3*time.Hour))
		unscoped := w.person("new reviewer", user.Reviewer)

		for _, c := range []struct {
			name string
			u    *user.User
			want []int64
		}{
			{"reviewer of internal medicine", w.reviewer, []int64{ward.ID, wardLater.ID}},
			{"reviewer of surgery", w.outsider, []int64{lab.ID}},
			{"reviewer without scope", unscoped, nil},
			{"office", w.office, []int64{ward.ID, wardLater.ID, lab.ID}},
			{"admin", w.admin, []int64{ward.ID, wardLater.ID, lab.ID}},
		} {
			w.run(c.name, func(t *testing.T) {
				p := w.queue(c.u, application.QueueFilter{})
				if got := queueIDs(p); !slices.Equal(got, c.want) {
					t.Fatalf("queue %v, want %v", got, c.want)
				}
				total := 0
				for _, n := range p.Counts {
					total += n.N
				}
				if total != len(c.want) {
					t.Errorf("counts %v add up to %d, want %d", p.Counts, total, len(c.want))
				}
			})
		}
		for _, u := range []*user.User{w.student, w.nobody, nil} {
			_, err := w.s.Queue(w.ctx, u, application.QueueFilter{})
			wantCode(t, err, apperr.Forbidden, "")
		}
	})
}

// Filters narrow the rows; the counts per stage follow every filter but
// the stage; rows carry what the page shows.
func TestQueueFiltersAndCounts(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		other, err := w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Lille University Hospital",
			NameLocal: "CHU de Lille", Country: "FR", City: "Lille", Kind: "hospital"})
		w.must(err, "second partner")
		w.partner = other
		lille := w.elective("Paediatrics in Lille", "internal_medicine", nil)
		lp := w.period(lille.ID, 150, 177, 5)

		old := w.queueAt(application.Submitted, start)
		mid := w.queueAt(application.Submitted, start.AddDate(0, 0, 5))
		inLille := w.queueAt(application.OfficeReview, start.AddDate(0, 0, 6), lp)
		surgery := w.queueAt(application.Submitted, start.AddDate(0, 0, 7), w.p3)
		done := w.queueAt(application.Rejected, start.AddDate(0, 0, 8))
		w.clock.Set(start.AddDate(0, 0, 10))

		p := w.queue(w.office, application.QueueFilter{})
		if got, want := queueIDs(p), []int64{old.ID, mid.ID, inLille.ID, surgery.ID}; !slices.Equal(got, want) {
			t.Fatalf("open stages, oldest first: %v, want %v", got, want)
		}
		if stageCount(p, application.Submitted) != 3 || stageCount(p, application.OfficeReview) != 1 || stageCount(p, application.Rejected) != -1 {
			t.Errorf("counts %v", p.Counts)
		}
		r := p.Rows[0]
		if r.Stage != application.Submitted || r.Turn != application.Reviewer || r.DaysInStage != 10 || r.Version != old.Version ||
			r.InstitutionNameEN != "Kumamoto University" || r.InstitutionNameLocal != "熊本大学" || r.ElectiveTitleEN != "Hepatology clinical elective" ||
			r.ApplicantName == "" || !r.StartsOn.Equal(catalog.Day(start.AddDate(0, 0, 60))) || r.CurrentChoice != 1 {
			t.Errorf("first row %+v", r)
		}

		for _, c := range []struct {
			name   string
			f      application.QueueFilter
			want   []int64
			counts map[application.Stage]int
		}{
			{"stage", application.QueueFilter{Stages: []application.Stage{application.Submitted}}, []int64{old.ID, mid.ID, surgery.ID},
				map[application.Stage]int{application.Submitted: 3, application.OfficeReview: 1}},
			{"closed stage", application.QueueFilter{Stages: []application.Stage{application.Rejected}}, []int64{done.ID},
				map[application.Stage]int{application.Rejected: 1, application.Submitted: 3}},
			{"partner", application.QueueFilter{PartnerID: other.ID}, []int64{inLille.ID},
				map[application.Stage]int{application.Submitted: 0, application.OfficeReview: 1}},
			{"period", application.QueueFilter{PeriodID: w.p3.ID}, []int64{surgery.ID},
				map[application.Stage]int{application.Submitted: 1}},
			{"month", application.QueueFilter{Month: start.AddDate(0, 0, 160).Format("2006-01")}, []int64{inLille.ID}, nil},
			{"specialty", application.QueueFilter{Specialty: "surgery"}, []int64{surgery.ID},
				map[application.Stage]int{application.Submitted: 1, application.OfficeReview: 0}},
			{"waiting", application.QueueFilter{WaitingDays: 5}, []int64{old.ID, mid.ID},
				map[application.Stage]int{application.Submitted: 2, application.OfficeReview: 0}},
			{"newest first", application.QueueFilter{Sort: application.NewestFirst}, []int64{surgery.ID, inLille.ID, mid.ID, old.ID}, nil},
		} {
			w.run(c.name, func(t *testing.T) {
				p := w.queue(w.office, c.f)
				if got := queueIDs(p); !slices.Equal(got, c.want) {
					t.Errorf("rows %v, want %v", got, c.want)
				}
				for st, n := range c.counts {
					if got := stageCount(p, st); got != n {
						t.Errorf("count of %s %d, want %d (%v)", st, got, n, p.Counts)
					}
				}
			})
		}

		w.run("bad input", func(t *testing.T) {
			for field, f := range map[string]application.QueueFilter{
				"stage":     {Stages: []application.Stage{application.Draft}},
				"specialty": {Specialty: "astrology"},
				"month":     {Month: "2027-13"},
				"waiting":   {WaitingDays: -1},
				"sort":      {Sort: "random"},
				"after":     {After: "bm90IGEgY3Vyc29y"},
			} {
				_, err := w.s.Queue(w.ctx, w.office, f)
				if apperr.CodeOf(err) != apperr.Invalid || apperr.FieldsOf(err)[field].Key == "" {
					t.Errorf("%s: error %v, fields %v", field, err, apperr.FieldsOf(err))
				}
			}
		})

		w.run("one statement", func(t *testing.T) {
			before := d.Queries()
			w.queue(w.office, application.QueueFilter{PartnerID: other.ID, WaitingDays: 1})
			if n := d.Queries() - before; n != 1 {
				t.Errorf("a queue page ran %d statements, want 1", n)
			}
		})
	})
}

// Counts are exact without a counted filter, however large the stage;
// under a filter the counters do not keep (the waiting time here) they
// stop at the cap and say so.
func TestQueueCountsStopAtTheCap(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.Submitted, start)
		// Copies of one submitted application, written directly: the cap
		// is about counting, not about the workflow.
		err := d.Exec(`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
			SELECT applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at
			FROM applications, (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
			  UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) AS t1,
			  (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
			  UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) AS t2,
			  (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
			  UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) AS t3
			WHERE applications.id = ?`, a.ID).Error
		w.must(err, "copies")
		w.clock.Set(start.AddDate(0, 0, 2))
		p := w.queue(w.office, application.QueueFilter{})
		for _, c := range p.Counts {
			if c.Stage == application.Submitted && (c.N != 1001 || c.More) {
				t.Errorf("1001 submitted counted as %+v without a filter; want exactly", c)
			}
		}
		if len(p.Rows) != application.QueuePageSize || p.Next == "" {
			t.Errorf("%d rows, next %q", len(p.Rows), p.Next)
		}
		p = w.queue(w.office, application.QueueFilter{WaitingDays: 1})
		for _, c := range p.Counts {
			if c.Stage == application.Submitted && (c.N != application.QueueCountCap || !c.More) {
				t.Errorf("1001 submitted counted as %+v waiting a day; want the cap", c)
			}
		}
		if len(p.Rows) != application.QueuePageSize || p.Next == "" {
			t.Errorf("waiting a day: %d rows, next %q", len(p.Rows), p.Next)
		}
	})
}

// wantStageCounts checks that application_stage_counts holds, for every
// (specialty, status), what counting the applications gives, and that the
// office's queue shows those counts for every stage it counts.
func (w *world) wantStageCounts(t *testing.T, when string) {
	t.Helper()
	type key struct{ specialty, status string }
	read := func(q string) map[key]int64 {
		t.Helper()
		var rows []struct {
			Specialty, Status string
			N                 int64
		}
		if err := w.d.Raw(q).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out := map[key]int64{}
		for _, r := range rows {
			if r.N != 0 {
				out[key{r.Specialty, r.Status}] = r.N
			}
		}
		return out
	}
	counters := read("SELECT specialty, status, n FROM application_stage_counts")
	actual := read("SELECT specialty, status, COUNT(*) AS n FROM applications GROUP BY specialty, status")
	if !maps.Equal(counters, actual) {
		t.Errorf("%s: counters %v, applications %v", when, counters, actual)
	}
	byStage := map[application.Stage]int{}
	for k, n := range actual {
		byStage[application.Stage(k.status)] += int(n)
	}
	p := w.queue(w.office, application.QueueFilter{Stages: application.QueueStages, Limit: 1})
	for _, c := range p.Counts {
		if c.N != byStage[c.Stage] || c.More {
			t.Errorf("%s: the queue counts %d at %s, want %d", when, c.N, c.Stage, byStage[c.Stage])
		}
	}
}

// The counters behind the queue's counts stay exact through every write:
// drafts, every transition of the workflow, a draft's change of specialty,
// rows inserted, moved and deleted by hand, many at a time.
func TestStageCountsFollowEveryWrite(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.wantStageCounts(t, "empty")
		for _, tr := range application.Transitions {
			if tr.Action == application.Resubmit {
				tr.Action = application.Submit // Submit's own method
			}
			if tr.By == application.Host {
				continue // the office's own moves, made through a dossier link (internal/host)
			}
			if tr.By == application.System && tr.Action == application.Nominate {
				continue // the office's nomination, made by a published round (internal/selection/auto.go)
			}
			applicant := w.applicant()
			a := w.at(applicant, tr.From)
			var u *user.User
			switch tr.By {
			case application.Applicant:
				u = applicant
			case application.Reviewer:
				u = w.reviewer
			case application.Office:
				u = w.office
			}
			got, err := w.do(tr.Action, u, a)
			w.must(err, fmt.Sprintf("%s from %s", tr.Action, tr.From))
			if got.Status != tr.To {
				t.Fatalf("%s from %s reached %s, want %s", tr.Action, tr.From, got.Status, tr.To)
			}
			w.wantStageCounts(t, fmt.Sprintf("after %s from %s", tr.Action, tr.From))
		}

		u := w.applicant()
		a := w.draft(u, w.p1)
		_, err := w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Statement: "Surgery after all.",
			Choices: []application.ChoiceInput{{ElectiveID: w.lab.ID, PeriodID: w.p3.ID}}})
		w.must(err, "change the first choice")
		if w.reload(a).Specialty != "surgery" {
			t.Fatal("the draft kept its specialty")
		}
		w.wantStageCounts(t, "after a change of specialty")

		copies := `INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
			SELECT applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at FROM applications`
		w.must(d.Exec(copies).Error, "copies")
		w.wantStageCounts(t, "after copying every row in one statement")
		w.must(d.Exec(`UPDATE applications SET status = CASE status WHEN 'submitted' THEN 'rejected' ELSE 'submitted' END,
			specialty = CASE WHEN id % 2 = 0 THEN 'surgery' ELSE specialty END
			WHERE id NOT IN (SELECT application_id FROM application_choices)`).Error, "move the copies")
		w.wantStageCounts(t, "after moving the copies in one statement")
		w.must(d.Exec(`UPDATE applications SET updated_at = updated_at, version = version`).Error, "touch every row")
		w.wantStageCounts(t, "after an update that moves nothing")
		w.must(d.Exec(`DELETE FROM applications WHERE id NOT IN (SELECT application_id FROM application_choices)`).Error, "delete the copies")
		w.wantStageCounts(t, "after deleting the copies")
	})
}

// A reviewer who is also a student never sees their own application in
// their queue, nor counts it, whether the counts come from the counters or
// are counted.
func TestQueueLeavesOutTheReadersOwn(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		both := w.person("reviewing student", user.Reviewer, user.Student)
		w.grant(both, "internal_medicine")
		w.wallet(both)
		mine := w.along(w.draft(both, w.p1), both, application.Submitted)
		theirs := w.queueAt(application.Submitted, start.Add(time.Hour))
		w.clock.Set(start.AddDate(0, 0, 3))
		for name, f := range map[string]application.QueueFilter{"counters": {}, "counted": {WaitingDays: 1}} {
			w.run(name, func(t *testing.T) {
				p := w.queue(both, f)
				if got := queueIDs(p); !slices.Equal(got, []int64{theirs.ID}) {
					t.Errorf("queue %v, want only %d (not the reader's own %d)", got, theirs.ID, mine.ID)
				}
				if n := stageCount(p, application.Submitted); n != 1 {
					t.Errorf("%d submitted counted, want 1: %v", n, p.Counts)
				}
			})
		}
		if n := stageCount(w.queue(w.reviewer, application.QueueFilter{}), application.Submitted); n != 2 {
			t.Errorf("another reviewer counts %d submitted, want 2", n)
		}
	})
}

// Many transactions moving applications of one specialty back and forth
// between two stages at once, in both directions, take turns on the two
// counters instead of deadlocking, and leave them exact.
func TestStageCountsUnderConcurrentMoves(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	const n, rounds = 50, 4
	apps, owners := make([]*application.Application, n), make([]*user.User, n)
	for i := range apps {
		owners[i] = w.applicant()
		st := application.Submitted
		if i%2 == 1 {
			st = application.Returned
		}
		apps[i] = w.at(owners[i], st)
	}
	errs := together(n, func(i int) error {
		a := apps[i]
		for range rounds * 2 {
			act, u := application.Return, w.reviewer
			if a.Status == application.Returned {
				act, u = application.Submit, owners[i]
			}
			var err error
			if a, err = w.do(act, u, a); err != nil {
				return err
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("application %d: %v", apps[i].ID, err)
		}
	}
	w.wantStageCounts(t, "after the concurrent moves")
	p := w.queue(w.office, application.QueueFilter{})
	if stageCount(p, application.Submitted) != n/2 || stageCount(p, application.Returned) != n/2 {
		t.Errorf("counts %v, want %d submitted and %d returned", p.Counts, n/2, n/2)
	}
}

// Keyset pagination walks every row once: a row of a page already read
// that leaves the filtered stage does not shift the next page (as OFFSET
// would, skipping a row), and a row not yet read that moves on is read
// once, at its new place.
func TestQueueKeysetWalksEveryRowOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		var all []*application.Application
		for i := range 7 {
			// Sub-second times: the cursor must find its row exactly.
			all = append(all, w.queueAt(application.Submitted, start.Add(time.Duration(i)*time.Hour+123456789*time.Nanosecond)))
		}
		w.clock.Set(start.AddDate(0, 0, 1))

		w.run("a read row leaves the stage", func(t *testing.T) {
			f := application.QueueFilter{Stages: []application.Stage{application.Submitted}, Limit: 2}
			seen := map[int64]int{}
			p := w.queue(w.reviewer, f)
			for pages := 0; ; pages++ {
				for _, id := range queueIDs(p) {
					seen[id]++
				}
				if pages == 0 {
					moved, err := w.s.StartReview(w.ctx, w.reviewer, p.Rows[0].ID, application.ReviewInput{Version: p.Rows[0].Version})
					w.must(err, "start review")
					all[0] = moved
				}
				if p.Next == "" {
					break
				}
				f.After = p.Next
				p = w.queue(w.reviewer, f)
			}
			for _, a := range all {
				if seen[a.ID] != 1 {
					t.Errorf("application %d read %d times: %v", a.ID, seen[a.ID], seen)
				}
			}
		})

		w.run("an unread row moves on", func(t *testing.T) {
			f := application.QueueFilter{Limit: 3} // the open stages
			seen := map[int64]int{}
			p := w.queue(w.reviewer, f)
			for pages := 0; ; pages++ {
				for _, id := range queueIDs(p) {
					seen[id]++
				}
				if pages == 0 {
					last := all[len(all)-1]
					_, err := w.s.StartReview(w.ctx, w.reviewer, last.ID, application.ReviewInput{Version: last.Version})
					w.must(err, "start review")
				}
				if p.Next == "" {
					break
				}
				f.After = p.Next
				p = w.queue(w.reviewer, f)
			}
			for _, a := range all {
				if seen[a.ID] != 1 {
					t.Errorf("application %d read %d times: %v", a.ID, seen[a.ID], seen)
				}
			}
		})

		w.run("newest first", func(t *testing.T) {
			f := application.QueueFilter{Sort: application.NewestFirst, Limit: 2}
			var got []int64
			for {
				p := w.queue(w.office, f)
				got = append(got, queueIDs(p)...)
				if p.Next == "" {
					break
				}
				f.After = p.Next
			}
			want := []int64{all[6].ID, all[0].ID, all[5].ID, all[4].ID, all[3].ID, all[2].ID, all[1].ID} // two moved at the same time
			if !slices.Equal(got, want) {
				t.Errorf("newest first read %v, want %v", got, want)
			}
		})

		w.run("a cursor of another order", func(t *testing.T) {
			p := w.queue(w.office, application.QueueFilter{Limit: 2})
			_, err := w.s.Queue(w.ctx, w.office, application.QueueFilter{Limit: 2, After: p.Next, Sort: application.NewestFirst})
			wantField(t, err, "after", "review.err.cursor")
		})
	})
}

// BenchmarkQueue reads the first page of the office's default queue, and
// of a department reviewer's, on PostgreSQL holding PORTAL_QUEUE_BENCH_N
// applications (100,000 by default) spread over every stage and the
// demo catalog's electives.
func BenchmarkQueue(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("PORTAL_QUEUE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	d := testutil.OpenDB(b, testutil.Postgres)
	bundle, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := catalog.NewService(d, bundle, time.Now).SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (issuer, subject, name, created_at, updated_at)
		 SELECT 'bench', 's' || g, 'Student ' || g, now(), now() FROM generate_series(1, 20000) AS g`,
		`CREATE TEMP TABLE picks AS SELECT row_number() OVER (ORDER BY p.id) AS k, e.id AS elective_id, p.id AS period_id, e.specialty
		 FROM electives AS e JOIN periods AS p ON p.elective_id = e.id WHERE e.direction = 'outgoing'`,
		`INSERT INTO applications (applicant_id, direction, status, version, specialty, current_choice, stage_since, created_at, updated_at)
		 SELECT (SELECT min(id) FROM users WHERE issuer = 'bench') + (g % 20000), 'outgoing',
		   (ARRAY['draft','submitted','department_review','office_review','nominated','waitlisted','host_accepted','host_rejected',
		          'confirmed','completed','completed','completed','returned','declined','expired','rejected','rejected','withdrawn','withdrawn'])[1 + (g::bigint * 7919) % 19],
		   1, pk.specialty, 1, now() - (g % 300000) * interval '1 minute', now(), now()
		 FROM generate_series(1, ` + strconv.Itoa(n) + `) AS g JOIN picks AS pk ON pk.k = 1 + (g * 31) % (SELECT count(*) FROM picks)`,
		`INSERT INTO application_choices (application_id, rank, elective_id, period_id)
		 SELECT a.id, 1, pk.elective_id, pk.period_id FROM applications AS a JOIN picks AS pk ON pk.k = 1 + (a.id * 31) % (SELECT count(*) FROM picks)`,
		`VACUUM ANALYZE`,
	} {
		if err := d.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
	}
	s := application.NewService(d, application.Options{})
	office := &user.User{ID: -1, Roles: []user.Role{user.Office}}
	var rid int64
	d.Raw("SELECT min(id) FROM users WHERE issuer = 'bench'").Scan(&rid)
	var sp string
	d.Raw("SELECT specialty FROM picks WHERE k = 1").Scan(&sp)
	if err := d.Exec("INSERT INTO reviewer_scopes (user_id, specialty, granted_at) VALUES (?, ?, now())", rid, sp).Error; err != nil {
		b.Fatal(err)
	}
	reviewer := &user.User{ID: rid, Roles: []user.Role{user.Reviewer}}
	for _, c := range []struct {
		name string
		u    *user.User
		f    application.QueueFilter
	}{
		{"office", office, application.QueueFilter{}},
		{"office-newest", office, application.QueueFilter{Sort: application.NewestFirst}},
		{"office-waiting", office, application.QueueFilter{WaitingDays: 30, Stages: []application.Stage{application.Submitted}}},
		{"office-partner", office, application.QueueFilter{PartnerID: 8}},
		{"reviewer", reviewer, application.QueueFilter{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Queue(ctx, c.u, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
