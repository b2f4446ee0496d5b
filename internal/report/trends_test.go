package report_test

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// The office's home figures count each month of Taipei's year and of the
// year before, and last year to the same day, as a plain loop over the
// generated instants does.
func TestTheOfficesTrendsCountEachMonthInTheLocalYear(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		rng := rand.New(rand.NewSource(3))
		s, taipei := service(t, d)
		ctx := context.Background()
		someone := newUser(t, d, "trend-applicant", user.Student)
		// Instants from the start of 2025 (UTC, still 2025 in Taipei's
		// eve) to now, some on the hours around Taipei's midnights.
		instant := func() time.Time {
			if rng.Intn(4) == 0 {
				return time.Date(2024+rng.Intn(3), time.Month(1+rng.Intn(12)), 1, 0, 0, 0, 0, taipei).Add(time.Duration(rng.Intn(4)-2) * time.Hour).UTC()
			}
			return now.Add(-time.Duration(rng.Intn(700*24)) * time.Hour)
		}
		type key struct{ series, year, month int }
		want := map[key]int{}
		lastToDate := map[int]int{}
		count := func(series int, at *time.Time) {
			if at == nil || at.After(now) {
				return
			}
			l := at.In(taipei)
			want[key{series, l.Year(), int(l.Month())}]++
			if l.Year() == 2025 && at.Before(now.In(taipei).AddDate(-1, 0, 0)) {
				lastToDate[series]++
			}
		}
		for n := 0; n < 150; n++ {
			sub := instant()
			var conf *time.Time
			if rng.Intn(2) == 0 {
				c := instant()
				conf = &c
			}
			dir := []string{"outgoing", "outgoing", "incoming"}[rng.Intn(3)]
			if err := d.Exec(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, confirmed_at, created_at, updated_at)
				VALUES (?, ?, 'submitted', 'surgery', 1, ?, ?, ?, ?, ?)`, someone.ID, dir, now, sub, conf, now, now).Error; err != nil {
				t.Fatal(err)
			}
			if dir == "outgoing" {
				count(0, &sub)
				count(1, conf)
			}
		}
		for n := 0; n < 60; n++ {
			sub := instant()
			if err := d.Exec(`INSERT INTO rotation_requests (applicant_id, status, stage_since, submitted_at, created_at, updated_at) VALUES (?, 'submitted', ?, ?, ?, ?)`,
				someone.ID, now, sub, now, now).Error; err != nil {
				t.Fatal(err)
			}
			count(2, &sub)
		}
		got, err := s.Trends(ctx, office())
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		if len(got) != 3 || got[0].Year != 2026 || got[0].Months != 11 {
			t.Fatalf("trends: %+v", got)
		}
		for i, tr := range got {
			toDate := 0
			for m := 1; m <= 12; m++ {
				if tr.ThisYear[m-1] != want[key{i, 2026, m}] || tr.LastYear[m-1] != want[key{i, 2025, m}] {
					t.Errorf("%s month %d: got %d and %d last year, want %d and %d", tr.Key, m, tr.ThisYear[m-1], tr.LastYear[m-1], want[key{i, 2026, m}], want[key{i, 2025, m}])
				}
				toDate += want[key{i, 2026, m}]
			}
			if tr.ToDate != toDate || tr.LastToDate != lastToDate[i] || toDate == 0 || lastToDate[i] == 0 {
				t.Errorf("%s: to date %d, last year to date %d; want %d, %d", tr.Key, tr.ToDate, tr.LastToDate, toDate, lastToDate[i])
			}
		}
		if _, err := s.Trends(ctx, &user.User{ID: 9, Roles: []user.Role{user.Reviewer}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer read the office's trends: %v", err)
		}
	})
}
