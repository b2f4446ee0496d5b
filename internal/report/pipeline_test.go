package report_test

import (
	"context"
	"maps"
	"math/rand"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
)

type dayKey struct{ status, specialty, day string }

// wantStageDays checks that application_stage_days holds, for every stage
// of the pipeline, specialty and UTC day of arrival, how many applications
// the rows themselves give, counted here in Go; and that no row of 0 is
// left behind. It returns how many rows that is.
func wantStageDays(t *testing.T, d *db.DB, when string) int {
	t.Helper()
	var apps []struct {
		Status, Specialty string
		StageSince        time.Time
	}
	if err := d.Raw("SELECT status, specialty, stage_since FROM applications").Scan(&apps).Error; err != nil {
		t.Fatal(err)
	}
	want := map[dayKey]int64{}
	for _, a := range apps {
		if in(a.Status, report.PipelineStages...) {
			want[dayKey{a.Status, a.Specialty, a.StageSince.UTC().Format(time.DateOnly)}]++
		}
	}
	var rows []struct {
		Status, Specialty, SinceDay string
		N                           int64
	}
	if err := d.Raw("SELECT status, specialty, since_day, n FROM application_stage_days").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[dayKey]int64{}
	for _, r := range rows {
		if r.N == 0 {
			t.Errorf("%s: a row of 0 is left for %s %s %s", when, r.Status, r.Specialty, r.SinceDay)
		}
		got[dayKey{r.Status, r.Specialty, r.SinceDay[:len(time.DateOnly)]}] = r.N
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: the histogram holds\n%v\nthe applications give\n%v", when, got, want)
	}
	return len(want)
}

// The histogram behind the pipeline stays exact through every kind of
// write, whoever makes it: rows inserted one by one and many at a time,
// moved between stages, to another specialty or another day, touched
// without moving, and deleted. Days are UTC dates, also for a time written
// in another zone just after its midnight.
func TestThePipelineHistogramFollowsEveryWrite(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		z, err := clock.Load("Asia/Taipei")
		if err != nil {
			t.Fatal(err)
		}
		taipei := z.Location()
		u := newUser(t, d, "histogram")
		wantStageDays(t, d, "empty")
		add := `INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, created_at, updated_at)
			VALUES (?, 'outgoing', ?, ?, 1, ?, ?, ?)`
		for i, st := range statuses {
			for j, since := range []time.Time{
				now.Add(-time.Duration(i*29) * time.Hour),
				time.Date(2026, time.November, 20, 0, 30, 0, 0, taipei), // the 19th in UTC
				time.Date(2026, time.November, 19, 23, 59, 59, 999999000, time.UTC),
			} {
				exec(t, d, add, u.ID, st, []string{"surgery", "pediatrics"}[(i+j)%2], since, now, now)
			}
		}
		if wantStageDays(t, d, "after inserting one by one") < 10 {
			t.Fatal("the histogram has too few rows for the test to prove anything")
		}
		exec(t, d, `INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, created_at, updated_at)
			SELECT applicant_id, direction, status, specialty, current_choice, stage_since, created_at, updated_at FROM applications`)
		wantStageDays(t, d, "after copying every row in one statement")
		var first int64
		if err := d.Raw("SELECT MIN(id) FROM applications WHERE status = 'submitted'").Scan(&first).Error; err != nil {
			t.Fatal(err)
		}
		exec(t, d, "UPDATE applications SET status = 'department_review', stage_since = ? WHERE id = ?", now, first)
		wantStageDays(t, d, "after one move, as the workflow makes it")
		exec(t, d, `UPDATE applications SET status = CASE status WHEN 'submitted' THEN 'department_review'
			WHEN 'department_review' THEN 'office_review' WHEN 'office_review' THEN 'nominated' WHEN 'nominated' THEN 'host_accepted'
			WHEN 'host_accepted' THEN 'confirmed' WHEN 'confirmed' THEN 'waitlisted' ELSE status END, stage_since = ? WHERE id % 3 = 0`, now)
		wantStageDays(t, d, "after moving a third in one statement")
		exec(t, d, "UPDATE applications SET stage_since = ? WHERE id % 3 = 1", now.AddDate(0, 0, -2))
		wantStageDays(t, d, "after moving a third to another day in their stage")
		exec(t, d, "UPDATE applications SET stage_since = ? WHERE id % 3 = 1", now.AddDate(0, 0, -2).Add(time.Minute))
		wantStageDays(t, d, "after moving them within the day")
		exec(t, d, "UPDATE applications SET specialty = 'oncology' WHERE id % 4 = 0")
		wantStageDays(t, d, "after a change of specialty")
		exec(t, d, "UPDATE applications SET version = version + 1")
		wantStageDays(t, d, "after an update that moves nothing")
		exec(t, d, "DELETE FROM applications WHERE id % 2 = 0")
		wantStageDays(t, d, "after deleting half")
		exec(t, d, "DELETE FROM applications")
		if n := wantStageDays(t, d, "after deleting all"); n != 0 {
			t.Fatalf("%d rows expected after deleting all", n)
		}
		var left int64
		if err := d.Raw("SELECT COUNT(*) FROM application_stage_days").Scan(&left).Error; err != nil || left != 0 {
			t.Errorf("%d rows left in the histogram when no application is (%v)", left, err)
		}
	})
}

// Many transactions moving applications between the stages at once, in
// every direction, through a few days and two specialties (so that rows
// often fall to 0 and are deleted while others add to them), as well as
// inserting and deleting applications, neither deadlock nor lose a count.
func TestThePipelineHistogramStaysExactUnderConcurrentMoves(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	u := newUser(t, d, "concurrent")
	ctx := context.Background()
	const apps, workers, moves = 200, 8, 150
	days := []time.Time{now, now.AddDate(0, 0, -1).Add(-time.Hour), now.AddDate(0, 0, -3)}
	stages := append([]string{"draft", "confirmed"}, report.PipelineStages...)
	specialties := []string{"surgery", "pediatrics"}
	add := `INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', ?, ?, 1, ?, ?, ?)`
	for i := range apps {
		exec(t, d, add, u.ID, stages[i%len(stages)], specialties[i%2], days[i%len(days)], now, now)
	}
	wantStageDays(t, d, "before the moves")
	var ids []int64
	if err := d.Raw("SELECT id FROM applications ORDER BY id").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}

	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for m := 0; m < moves && errs[w] == nil; m++ {
				st, sp, day := stages[rng.Intn(len(stages))], specialties[rng.Intn(2)], days[rng.Intn(len(days))]
				errs[w] = d.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					switch rng.Intn(10) {
					case 0: // a new application
						return tx.Exec(add, u.ID, st, sp, day, now, now).Error
					case 1: // several of this worker's own at once, in one statement
						return tx.Exec(`UPDATE applications SET status = ?, stage_since = ? WHERE id % ? = ? AND id % 5 = ?`,
							st, day, workers, w, rng.Intn(5)).Error
					case 2: // one deleted, if it is still there
						return tx.Exec("DELETE FROM applications WHERE id = ?", ids[rng.Intn(len(ids))]).Error
					default: // one moved, as the workflow moves it
						return tx.Exec("UPDATE applications SET status = ?, specialty = ?, stage_since = ? WHERE id = ?",
							st, sp, day, ids[rng.Intn(len(ids))]).Error
					}
				})
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
	wantStageDays(t, d, "after the concurrent moves")

	// And the report reads what a recount gives.
	s := report.NewService(d, report.Options{Now: func() time.Time { return now }})
	got, err := s.Pipeline(ctx, office(), report.Filter{})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	for _, row := range got.Rows {
		var n int
		if err := d.Raw("SELECT COUNT(*) FROM applications WHERE status = ?", row.Stage).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if row.Count != n {
			t.Errorf("%s: the report counts %d, the applications %d", row.Stage, row.Count, n)
		}
	}
	t.Logf("%d workers made %d moves each", workers, moves)
}
