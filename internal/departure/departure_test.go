package departure_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/departure"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test: 2026-11-21 09:00 UTC.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

type world struct {
	t      *testing.T
	ctx    context.Context
	d      *db.DB
	s      *departure.Service
	ward   *catalog.Elective
	pid    int64
	office *user.User
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
	now := testutil.NewClock(start).Now
	w := &world{t: t, ctx: context.Background(), d: d}
	cat := catalog.NewService(d, b, now)
	apps := application.NewService(d, application.Options{Now: now, Zone: z})
	w.s = departure.NewService(d, departure.Options{Now: now, Zone: z, Applications: apps})
	partner, err := cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	w.ward, err = cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: partner.ID,
		Kind: "clinical_elective", TitleEN: "Liver clinic", TitleZH: "肝臟門診", Specialty: "internal_medicine", Language: "en", MinYear: "5",
		DurationWeeks: "4", OpensOn: day(-200), ClosesOn: day(-150)})
	w.must(err, "elective")
	_, err = cat.AddPeriod(w.ctx, w.ward.ID, catalog.PeriodInput{StartsOn: day(30), EndsOn: day(57), Capacity: "9"})
	w.must(err, "period")
	w.must(w.d.Raw("SELECT id FROM periods WHERE elective_id = ?", w.ward.ID).Scan(&w.pid).Error, "period id")
	w.office = w.person("Office", user.Office)
	return w
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

func (w *world) person(name string, roles ...user.Role) *user.User {
	w.t.Helper()
	u := &user.User{Issuer: "test", Subject: name, Name: name, Email: name + "@example.test", Locale: "en", CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// placed writes u's application at status placed from..until days from
// now: the workflow has its own tests.
func (w *world) placed(u *user.User, status application.Stage, from, until int) int64 {
	w.t.Helper()
	w.must(w.d.Exec(`INSERT INTO applications (applicant_id, direction, status, stage_since, created_at, updated_at, placed_from, placed_until, current_choice)
		VALUES (?, 'outgoing', ?, ?, ?, ?, ?, ?, 1)`, u.ID, status, start, start, start, day(from), day(until)).Error, "application")
	var id int64
	w.must(w.d.Raw("SELECT MAX(id) FROM applications").Scan(&id).Error, "application id")
	w.must(w.d.Exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id, seat_reserved) VALUES (?, 1, ?, ?, TRUE)",
		id, w.ward.ID, w.pid).Error, "choice")
	return id
}

func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || (key != "" && ae.Key != key) {
		t.Fatalf("error %v, want %s %q", err, code, key)
	}
}

func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	if got := apperr.FieldsOf(err)[field].Key; got != key {
		t.Fatalf("%s refused with %q (%v), want %q", field, got, err, key)
	}
}

// A student fills the checklist item by item: a refused item (insurance
// ending before the last day, arriving after the first, a bad phone)
// stores nothing and keeps the other items; the office sees the student
// missing items, then ready; nobody else reads it and only the student
// writes it.
func TestAStudentCompletesTheChecklistAndTheOfficeSeesThemReady(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lin, other := w.person("Lin Mei", user.Student), w.person("Chen Wei", user.Student)
		draft := w.placed(lin, application.HostAccepted, 30, 57)
		_, err := w.s.Of(w.ctx, lin, draft)
		wantCode(t, err, apperr.Invalid, "departure.err.not_confirmed")
		id := w.placed(lin, application.Confirmed, 30, 57)
		soon := w.placed(other, application.Confirmed, 5, 20)

		_, err = w.s.Of(w.ctx, other, id)
		wantCode(t, err, apperr.NotFound, "")
		_, err = w.s.Save(w.ctx, w.office, id, departure.Housing, departure.Input{Housing: "Dorm"})
		wantCode(t, err, apperr.Forbidden, "")

		_, err = w.s.Save(w.ctx, lin, id, departure.Housing, departure.Input{Housing: "Kumamoto University dormitory, room 204"})
		w.must(err, "housing")
		_, err = w.s.Save(w.ctx, lin, id, departure.Insurance, departure.Input{InsuranceProvider: "Cathay", InsuranceUntil: day(50)})
		wantField(t, err, "insurance_until", "departure.err.insurance_short")
		wantField(t, err, "insurance_policy", "departure.err.insurance_proof")
		_, err = w.s.Save(w.ctx, lin, id, departure.Travel, departure.Input{ArriveOn: day(31), LeaveOn: day(56)})
		wantField(t, err, "arrive_on", "departure.err.arrive_late")
		wantField(t, err, "leave_on", "departure.err.leave_early")
		_, err = w.s.Save(w.ctx, lin, id, departure.Emergency, departure.Input{EmergencyName: "Lin Hua", EmergencyPhone: "call me"})
		wantField(t, err, "emergency_phone", "departure.err.phone")
		v, err := w.s.Of(w.ctx, lin, id)
		w.must(err, "read")
		if !v.CanEdit || v.Checklist.Housing != "Kumamoto University dormitory, room 204" || v.Checklist.InsuranceAt != nil ||
			v.Checklist.TravelAt != nil || len(v.Missing) != 5 {
			t.Fatalf("after refusals: %+v missing %v", v.Checklist, v.Missing)
		}

		rows, err := w.s.Departures(w.ctx, w.office, "")
		w.must(err, "departures")
		if len(rows) != 2 || rows[0].ApplicationID != soon || rows[1].ApplicationID != id || rows[1].Ready() || len(rows[0].Missing) != 6 {
			t.Fatalf("departures %+v", rows)
		}
		_, err = w.s.Departures(w.ctx, lin, "")
		wantCode(t, err, apperr.Forbidden, "")

		for item, in := range map[departure.Item]departure.Input{
			departure.Insurance:  {InsuranceProvider: "Cathay", InsurancePolicy: "TW-123", InsuranceUntil: day(57)},
			departure.Visa:       {Visa: departure.VisaNotNeeded},
			departure.Travel:     {ArriveOn: day(28), LeaveOn: day(59)},
			departure.Emergency:  {EmergencyName: "Lin Hua", EmergencyRelation: "mother", EmergencyPhone: "+886 912 345 678"},
			departure.Onboarding: {OnboardingRead: true},
		} {
			_, err := w.s.Save(w.ctx, lin, id, item, in)
			w.must(err, string(item))
		}
		v, err = w.s.Of(w.ctx, w.office, id)
		w.must(err, "office reads")
		if !v.Ready() || v.CanEdit {
			t.Fatalf("the office's view: missing %v, can edit %v", v.Missing, v.CanEdit)
		}
		rows, err = w.s.Departures(w.ctx, w.office, day(30)[:7])
		w.must(err, "departures of the month")
		if len(rows) != 1 || rows[0].ApplicationID != id || !rows[0].Ready() {
			t.Fatalf("departures in %s: %+v", day(30)[:7], rows)
		}
		_, err = w.s.Departures(w.ctx, w.office, "2026-13")
		wantField(t, err, "month", "departure.err.month")
	})
}
