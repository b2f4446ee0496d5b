package report_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
)

// periodKey is one counter of period_application_counts.
type periodKey struct {
	period int64
	status string
}

// baseApp and baseChoice are the columns the counters depend on, read
// plainly from the base tables.
type baseApp struct {
	ID            int64
	Status        string
	CurrentChoice int
	Submitted     int
}

type baseChoice struct {
	ApplicationID, PeriodID int64
	Rank                    int
}

// readBase reads every application and choice as they stand.
func readBase(t *testing.T, d *db.DB) (map[int64]baseApp, []baseChoice) {
	t.Helper()
	var apps []baseApp
	err := d.Raw("SELECT id, status, current_choice, CASE WHEN submitted_at IS NULL THEN 0 ELSE 1 END AS submitted FROM applications").Scan(&apps).Error
	if err != nil {
		t.Fatal(err)
	}
	var choices []baseChoice
	if err := d.Raw("SELECT application_id, period_id, rank FROM application_choices").Scan(&choices).Error; err != nil {
		t.Fatal(err)
	}
	byID := map[int64]baseApp{}
	for _, a := range apps {
		byID[a.ID] = a
	}
	return byID, choices
}

// recount is what period_application_counts should hold, counted here in
// Go from the base rows: per period and status, the applications out of
// draft whose current choice it is, and the submitted ones that ranked it
// first. Zero counters are left out.
func recount(t *testing.T, d *db.DB) map[periodKey][2]int {
	t.Helper()
	apps, choices := readBase(t, d)
	out := map[periodKey][2]int{}
	for _, c := range choices {
		a := apps[c.ApplicationID]
		if a.Status == "draft" {
			continue
		}
		v := out[periodKey{c.PeriodID, a.Status}]
		if c.Rank == a.CurrentChoice {
			v[0]++
		}
		if c.Rank == 1 && a.Submitted == 1 {
			v[1]++
		}
		if v != ([2]int{}) {
			out[periodKey{c.PeriodID, a.Status}] = v
		}
	}
	return out
}

// counters reads period_application_counts, leaving out rows at zero.
func counters(t *testing.T, d *db.DB) map[periodKey][2]int {
	t.Helper()
	var rows []struct {
		PeriodID         int64
		Status           string
		CurrentN, FirstN int
	}
	if err := d.Raw("SELECT period_id, status, current_n, first_n FROM period_application_counts").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[periodKey][2]int{}
	for _, r := range rows {
		if r.CurrentN != 0 || r.FirstN != 0 {
			out[periodKey{r.PeriodID, r.Status}] = [2]int{r.CurrentN, r.FirstN}
		}
	}
	return out
}

// wantPeriodCounts checks that the counters hold what counting the base
// rows gives.
func wantPeriodCounts(t *testing.T, d *db.DB, when string) {
	t.Helper()
	got, want := counters(t, d), recount(t, d)
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: period %d %s counts %v, want %v", when, k.period, k.status, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: period %d %s counts %v, want none", when, k.period, k.status, v)
			}
		}
	}
}

// wantSeats checks the seat fill of every generated period starting in
// year against the base rows counted in Go: what the office reads, after
// whatever moved.
func wantSeats(t *testing.T, d *db.DB, g *gen, year int, when string) {
	t.Helper()
	s, _ := service(t, d)
	got, err := s.Seats(context.Background(), office(), report.Filter{Year: year})
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	apps, choices := readBase(t, d)
	type seat struct{ nom, acc, conf, wait, first int }
	want := map[int64]*seat{}
	for _, p := range g.periods {
		if p.starts.Year() == year {
			want[p.id] = &seat{}
		}
	}
	for _, c := range choices {
		w, a := want[c.PeriodID], apps[c.ApplicationID]
		if w == nil {
			continue
		}
		if c.Rank == 1 && a.Submitted == 1 {
			w.first++
		}
		if c.Rank != a.CurrentChoice {
			continue
		}
		switch a.Status {
		case "nominated":
			w.nom++
		case "host_accepted":
			w.acc++
		case "confirmed", "completed":
			w.conf++
		case "waitlisted":
			w.wait++
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d periods in %d, want %d", when, len(got), year, len(want))
	}
	for _, r := range got {
		w := want[r.PeriodID]
		if w == nil {
			t.Errorf("%s: unexpected period %d", when, r.PeriodID)
			continue
		}
		if (seat{r.Nominated, r.Accepted, r.Confirmed, r.Waitlisted, r.FirstChoice}) != *w {
			t.Errorf("%s: period %d shows nominated %d accepted %d confirmed %d waitlisted %d first %d, want %+v", when, r.PeriodID,
				r.Nominated, r.Accepted, r.Confirmed, r.Waitlisted, r.FirstChoice, *w)
		}
	}
}

// The per-period counters behind seat fill, reciprocity and agreement
// health stay exact through every kind of write, one row or many at a
// time: a host's rejection moving applications on to their next choice, a
// withdrawal, drafts whose choices are edited and then submitted, a
// submission taken back, ranks and periods changed, choices and
// applications deleted, and updates that move nothing.
func TestPeriodCountsFollowEveryWrite(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		g := generate(t, d, 23)
		exec := func(what, q string, args ...any) {
			t.Helper()
			res := d.Exec(q, args...)
			if res.Error != nil {
				t.Fatalf("%s: %v", what, res.Error)
			}
			if res.RowsAffected == 0 {
				t.Fatalf("%s changed nothing: the step would prove nothing", what)
			}
			wantPeriodCounts(t, d, "after "+what)
		}
		wantPeriodCounts(t, d, "as generated")
		wantSeats(t, d, g, 2026, "as generated")

		exec("the hosts' rejections moved on to the next choices",
			`UPDATE applications SET status = 'nominated', current_choice = current_choice + 1
			WHERE status = 'host_rejected' AND current_choice < (SELECT MAX(c.rank) FROM application_choices AS c WHERE c.application_id = applications.id)`)
		exec("one move of one application to its next choice",
			`UPDATE applications SET status = 'host_accepted', current_choice = current_choice + 1
			WHERE id = (SELECT MIN(a.id) FROM applications AS a JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice + 1
			  WHERE a.status = 'nominated')`)
		exec("withdrawals", `UPDATE applications SET status = 'withdrawn' WHERE status IN ('confirmed', 'host_accepted') AND id % 2 = 0`)
		const drafts = "(SELECT id FROM applications WHERE status = 'draft' AND id % 2 = 0)"
		exec("the drafts' second and third choices removed", `DELETE FROM application_choices WHERE rank > 1 AND application_id IN `+drafts)
		exec("the drafts' first choices changed", `UPDATE application_choices SET period_id = ?, elective_id = ? WHERE rank = 1 AND period_id <> ? AND application_id IN `+drafts,
			g.periods[4].id, g.periods[4].elective, g.periods[4].id)
		exec("a second choice added to the drafts", `INSERT INTO application_choices (application_id, rank, elective_id, period_id)
			SELECT id, 2, ?, ? FROM applications WHERE status = 'draft' AND id % 2 = 0`, g.periods[7].elective, g.periods[7].id)
		exec("the drafts submitted", `UPDATE applications SET status = 'submitted', submitted_at = ? WHERE status = 'draft'`, now)
		exec("submitted applications' first choices changed", `UPDATE application_choices SET period_id = ?, elective_id = ?
			WHERE rank = 1 AND application_id IN (SELECT id FROM applications WHERE status IN ('submitted', 'department_review'))
			  AND application_id NOT IN (SELECT application_id FROM application_choices WHERE period_id = ?)`, g.periods[1].id, g.periods[1].elective, g.periods[1].id)
		exec("submissions taken back", `UPDATE applications SET submitted_at = NULL WHERE status = 'submitted' AND id % 3 = 0`)
		exec("third choices ranked second where the second is gone", `DELETE FROM application_choices WHERE rank = 2 AND application_id % 5 = 0
			AND application_id IN (SELECT application_id FROM application_choices WHERE rank = 3)`)
		exec("their third choices moved up", `UPDATE application_choices SET rank = 2 WHERE rank = 3 AND application_id % 5 = 0
			AND application_id NOT IN (SELECT application_id FROM application_choices WHERE rank = 2)`)
		exec("every application in a new stage at once", `UPDATE applications SET status = CASE status WHEN 'nominated' THEN 'waitlisted'
			WHEN 'waitlisted' THEN 'confirmed' WHEN 'confirmed' THEN 'completed' WHEN 'submitted' THEN 'nominated' ELSE status END,
			current_choice = CASE WHEN id % 4 = 0 THEN 1 ELSE current_choice END`)
		exec("an update that moves nothing", `UPDATE applications SET updated_at = updated_at, version = version`)
		exec("a choice update that moves nothing", `UPDATE application_choices SET host_decision = host_decision, rank = rank`)
		exec("some applications' choices deleted", `DELETE FROM application_choices WHERE application_id % 7 = 0`)
		exec("those applications deleted", `DELETE FROM applications WHERE id % 7 = 0`)
		wantSeats(t, d, g, 2026, "after every move")
		wantSeats(t, d, g, 2027, "after every move")
	})
}

// Transactions moving applications and, at the same time, changing their
// choices (the two tables whose pairs are counted) leave the counters equal
// to a recount: each choice's trigger waits for its application's move and
// reads it moved, or the move's trigger reads the changed choice.
func TestPeriodCountsUnderConcurrentWrites(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	g := generate(t, d, 17)
	ctx := context.Background()
	const rounds = 12
	apps, choices := readBase(t, d)
	periodsOf := map[int64][]int64{} // application -> its choices' periods, by rank
	for _, c := range choices {
		ps := periodsOf[c.ApplicationID]
		for len(ps) < c.Rank {
			ps = append(ps, 0)
		}
		ps[c.Rank-1] = c.PeriodID
		periodsOf[c.ApplicationID] = ps
	}
	var ids []int64
	for id := range apps {
		ids = append(ids, id)
	}
	statuses := []string{"submitted", "nominated", "waitlisted", "host_accepted", "confirmed", "completed", "withdrawn"}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(ids))
	begin := make(chan struct{})
	for n, id := range ids {
		// One goroutine moves the application through stages and choices.
		wg.Go(func() {
			<-begin
			rng := rand.New(rand.NewSource(int64(n)))
			for range rounds {
				var sub any
				if rng.Intn(4) > 0 {
					sub = now
				}
				err := d.WithContext(ctx).Exec(`UPDATE applications SET status = ?, current_choice = ?, submitted_at = ?, version = version + 1 WHERE id = ?`,
					statuses[rng.Intn(len(statuses))], 1+rng.Intn(len(periodsOf[id])), sub, id).Error
				if err != nil {
					errs <- fmt.Errorf("move application %d: %w", id, err)
					return
				}
			}
		})
		// Another, at the same time, moves its choices to other periods
		// in transactions that hold their changes a moment.
		wg.Go(func() {
			<-begin
			rng := rand.New(rand.NewSource(int64(-n)))
			ps := periodsOf[id]
			for range rounds {
				rank := rng.Intn(len(ps))
				p := g.periods[rng.Intn(len(g.periods))]
				taken := false
				for _, q := range ps {
					taken = taken || q == p.id
				}
				if taken {
					continue
				}
				tx := d.WithContext(ctx).Begin()
				err := tx.Exec(`UPDATE application_choices SET period_id = ?, elective_id = ? WHERE application_id = ? AND rank = ?`,
					p.id, p.elective, id, rank+1).Error
				if err == nil {
					time.Sleep(time.Duration(rng.Intn(3)) * time.Millisecond)
					err = tx.Commit().Error
				} else {
					tx.Rollback()
				}
				if err != nil {
					errs <- fmt.Errorf("move a choice of application %d: %w", id, err)
					return
				}
				ps[rank] = p.id
			}
		})
	}
	close(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantPeriodCounts(t, d, "after the concurrent moves")
	wantSeats(t, d, g, 2026, "after the concurrent moves")
}
