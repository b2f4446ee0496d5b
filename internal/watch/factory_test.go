package watch_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/watch"
)

// start is the fixed "now" of every test: 2026-11-21 09:00 UTC, 17:00 in
// Taipei.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// world is a partner with electives, students, and the service on a fresh
// database, in the portal's usual zone.
type world struct {
	t       *testing.T
	ctx     context.Context
	d       *db.DB
	clock   *testutil.Clock
	zone    clock.Zone
	cat     *catalog.Service
	s       *watch.Service
	partner *catalog.Institution
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start), zone: z}
	w.cat = catalog.NewService(d, b, w.clock.Now)
	w.s = watch.NewService(d, watch.Options{Now: w.clock.Now, Zone: z})
	w.partner, err = w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	return w
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

// elective is an outgoing elective whose window opens and closes on the
// days given (from start), with one period of 5 seats after it.
func (w *world) elective(title, titleZH string, opens, closes int) *catalog.Elective {
	w.t.Helper()
	e, err := w.cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: w.partner.ID,
		Kind: "clinical_elective", TitleEN: title, TitleZH: titleZH, Specialty: "internal_medicine", Language: "en", MinYear: "5",
		DurationWeeks: "4", OpensOn: day(opens), ClosesOn: day(closes)})
	w.must(err, "elective "+title)
	_, err = w.cat.AddPeriod(w.ctx, e.ID, catalog.PeriodInput{StartsOn: day(closes + 30), EndsOn: day(closes + 57), Capacity: "5"})
	w.must(err, "period")
	return e
}

func (w *world) person(name, locale string, roles ...user.Role) *user.User {
	w.t.Helper()
	u := &user.User{Issuer: "test", Subject: name, Name: name, Email: name + "@example.test", Locale: locale, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// application writes an application of u at status for elective e
// directly: the workflow has its own tests, these need only its rows.
func (w *world) application(u *user.User, status string, e *catalog.Elective) int64 {
	w.t.Helper()
	now := w.clock.Now()
	var pid int64
	w.must(w.d.Raw("SELECT id FROM periods WHERE elective_id = ? ORDER BY id LIMIT 1", e.ID).Scan(&pid).Error, "period")
	w.must(w.d.Exec(`INSERT INTO applications (applicant_id, direction, status, stage_since, created_at, updated_at)
		VALUES (?, 'outgoing', ?, ?, ?, ?)`, u.ID, status, now, now, now).Error, "application")
	var id int64
	w.must(w.d.Raw("SELECT MAX(id) FROM applications").Scan(&id).Error, "application id")
	w.must(w.d.Exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id) VALUES (?, 1, ?, ?)", id, e.ID, pid).Error, "choice")
	return id
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	w.must(w.d.Raw(q, args...).Scan(&n).Error, q)
	return n
}

// taipei is the instant of a wall-clock time in Taipei, days after start's
// date.
func (w *world) taipei(days, hour, minute int) time.Time {
	d := start.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, w.zone.Location())
}

func (w *world) sendMails(at time.Time) int {
	w.t.Helper()
	w.clock.Set(at)
	n, err := w.s.SendWindowMails(w.ctx, at)
	w.must(err, fmt.Sprintf("window mails at %s", at))
	return n
}
