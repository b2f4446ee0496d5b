package evaluation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/evaluation"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test: 2026-11-21 09:00 UTC, 17:00 in Taipei.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

type world struct {
	t      *testing.T
	ctx    context.Context
	d      *db.DB
	clock  *testutil.Clock
	s      *evaluation.Service
	ward   *catalog.Elective
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
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start)}
	cat := catalog.NewService(d, b, w.clock.Now)
	apps := application.NewService(d, application.Options{Now: w.clock.Now, Zone: z})
	w.s = evaluation.NewService(d, evaluation.Options{Now: w.clock.Now, Zone: z, Applications: apps})
	partner, err := cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	w.ward, err = cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: partner.ID,
		Kind: "clinical_elective", TitleEN: "Liver clinic", TitleZH: "肝臟門診", Specialty: "internal_medicine", Language: "en", MinYear: "5",
		DurationWeeks: "4", OpensOn: day(-200), ClosesOn: day(-150)})
	w.must(err, "elective")
	_, err = cat.AddPeriod(w.ctx, w.ward.ID, catalog.PeriodInput{StartsOn: day(-120), EndsOn: day(-93), Capacity: "9"})
	w.must(err, "period")
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

// placed writes u's confirmed application to the ward whose placement
// ended endedDaysAgo days ago: the workflow has its own tests.
func (w *world) placed(u *user.User, endedDaysAgo int) int64 {
	w.t.Helper()
	now := w.clock.Now()
	var pid int64
	w.must(w.d.Raw("SELECT id FROM periods WHERE elective_id = ?", w.ward.ID).Scan(&pid).Error, "period")
	w.must(w.d.Exec("UPDATE periods SET ends_on = ? WHERE id = ?", day(-endedDaysAgo), pid).Error, "period end")
	w.must(w.d.Exec(`INSERT INTO applications (applicant_id, direction, status, stage_since, created_at, updated_at, placed_from, placed_until)
		VALUES (?, 'outgoing', 'confirmed', ?, ?, ?, ?, ?)`, u.ID, now, now, now, day(-endedDaysAgo-27), day(-endedDaysAgo)).Error, "application")
	var id int64
	w.must(w.d.Raw("SELECT MAX(id) FROM applications").Scan(&id).Error, "application id")
	w.must(w.d.Exec("INSERT INTO application_choices (application_id, rank, elective_id, period_id, seat_reserved) VALUES (?, 1, ?, ?, TRUE)",
		id, w.ward.ID, pid).Error, "choice")
	return id
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	w.must(w.d.Raw(q, args...).Scan(&n).Error, q)
	return n
}

func full(body string, consent bool) evaluation.ReportInput {
	return evaluation.ReportInput{Ratings: map[string]string{"organisation": "5", "supervision": "4", "integration": "4",
		"clinical_learning": "5", "language_support": "3"}, Recommend: "yes", Body: body, Tips: "Bring a stethoscope.",
		ConsentQuote: consent, Submit: true}
}

func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || (key != "" && ae.Key != key) {
		t.Fatalf("error %v, want %s %q", err, code, key)
	}
}

// The outgoing loop: a draft after the last day (refused before, and to
// anyone else), a refused form that stores nothing, a submission that is
// final and mailed, then the office's recognition that completes the
// application and tells the student.
func TestAReportIsDraftedSubmittedAndThePlacementRecognised(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lin, other := w.person("Lin Mei", user.Student), w.person("Chen Wei", user.Student)
		id := w.placed(lin, -3) // ends in three days
		_, _, err := w.s.ReportOf(w.ctx, lin, id)
		wantCode(t, err, apperr.Invalid, "evaluation.err.not_over")
		w.must(w.d.Exec("UPDATE applications SET placed_until = ? WHERE id = ?", day(-1), id).Error, "end")
		w.must(w.d.Exec("UPDATE periods SET ends_on = ?", day(-1)).Error, "end")
		_, _, err = w.s.ReportOf(w.ctx, other, id)
		wantCode(t, err, apperr.NotFound, "")

		_, err = w.s.SaveReport(w.ctx, lin, id, evaluation.ReportInput{Ratings: map[string]string{"organisation": "7"}})
		if apperr.FieldsOf(err)["organisation"].Key != "evaluation.err.rating_range" {
			t.Fatalf("a rating of 7: %v", err)
		}
		if n := w.count("SELECT COUNT(*) FROM student_reports"); n != 0 {
			t.Fatalf("a refused form stored %d reports", n)
		}
		_, err = w.s.SaveReport(w.ctx, lin, id, evaluation.ReportInput{Ratings: map[string]string{"organisation": "4"}, Body: "Half written"})
		w.must(err, "draft")
		r, _, err := w.s.ReportOf(w.ctx, lin, id)
		w.must(err, "read draft")
		if r.SubmittedAt != nil || r.Organisation == nil || *r.Organisation != 4 || r.Body != "Half written" {
			t.Fatalf("draft %+v", r)
		}
		in := full("", true)
		_, err = w.s.SaveReport(w.ctx, lin, id, in)
		if apperr.FieldsOf(err)["body"].Key != "form.required" {
			t.Fatalf("a submission without a report: %v", err)
		}
		in.Body = "Four weeks in the liver clinic."
		_, err = w.s.SaveReport(w.ctx, lin, id, in)
		w.must(err, "submit")
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'evaluation_report_received' AND recipient_user_id = ?", lin.ID); n != 1 {
			t.Errorf("%d receipts mailed", n)
		}
		_, err = w.s.SaveReport(w.ctx, lin, id, full("Changed my mind", false))
		wantCode(t, err, apperr.Invalid, "evaluation.err.submitted")

		w.clock.Set(start.AddDate(0, 0, 9))
		o, err := w.s.Outstanding(w.ctx, w.office)
		w.must(err, "outstanding")
		if len(o.Reports) != 0 || len(o.Recognitions) != 1 || o.Recognitions[0].Days != 10 || !o.Recognitions[0].ReportSubmitted {
			t.Fatalf("outstanding %+v", o)
		}
		_, err = w.s.Outstanding(w.ctx, lin)
		wantCode(t, err, apperr.Forbidden, "")

		v := o.Recognitions[0].Version
		rec := evaluation.RecognitionInput{Version: v, HomeCourse: "Clinical elective (MED 6001)", Credits: "4", Grade: "Pass", RecognisedOn: "2026-11-29"}
		_, err = w.s.Recognise(w.ctx, lin, id, rec)
		wantCode(t, err, apperr.Forbidden, "")
		bad := rec
		bad.Credits, bad.RecognisedOn = "", "2026-12-31"
		_, err = w.s.Recognise(w.ctx, w.office, id, bad)
		if f := apperr.FieldsOf(err); f["credits"].Key != "form.required" || f["recognised_on"].Key != "evaluation.err.future" {
			t.Fatalf("a refused recognition: %v", err)
		}
		a, err := w.s.Recognise(w.ctx, w.office, id, rec)
		w.must(err, "recognise")
		if a.Status != application.Completed {
			t.Errorf("recognised application is %s", a.Status)
		}
		if n := w.count("SELECT COUNT(*) FROM recognitions WHERE application_id = ? AND recognised_by = ?", id, w.office.ID); n != 1 {
			t.Errorf("%d recognitions", n)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'evaluation_recognised' AND recipient_user_id = ?", lin.ID); n != 1 {
			t.Errorf("%d recognition mails", n)
		}
		o, err = w.s.Outstanding(w.ctx, w.office)
		w.must(err, "outstanding after")
		if len(o.Recognitions) != 0 {
			t.Errorf("still waiting: %+v", o.Recognitions)
		}
	})
}

// An elective's page shows nothing from two reports, the figures from
// three, and quotes only those who consented, never a draft.
func TestFeedbackNeedsThreeReportsAndQuotesOnlyWithConsent(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		submit := func(name, body string, consent bool) {
			u := w.person(name, user.Student)
			id := w.placed(u, 5)
			_, err := w.s.SaveReport(w.ctx, u, id, full(body, consent))
			w.must(err, "report of "+name)
		}
		draft := w.person("Draft Writer", user.Student)
		_, err := w.s.SaveReport(w.ctx, draft, w.placed(draft, 5), evaluation.ReportInput{Body: "Secret draft", ConsentQuote: true})
		w.must(err, "draft")
		submit("Lin Mei", "Quote me please.", true)
		submit("Chen Wei", "Do not quote me.", false)
		fb, err := w.s.FeedbackOf(w.ctx, w.ward.ID)
		w.must(err, "feedback of two")
		if fb != nil {
			t.Fatalf("two reports show %+v", fb)
		}
		submit("Wang Fang", "Great teaching.", true)
		fb, err = w.s.FeedbackOf(w.ctx, w.ward.ID)
		w.must(err, "feedback of three")
		if fb == nil || fb.Responses != 3 || fb.Recommend != 3 || fb.Averages["language_support"] != 3 {
			t.Fatalf("three reports show %+v", fb)
		}
		all := fmt.Sprint(fb.Quotes)
		if len(fb.Quotes) != 2 || !strings.Contains(all, "Quote me please.") || !strings.Contains(all, "Great teaching.") ||
			strings.Contains(all, "Do not quote me.") || strings.Contains(all, "Secret draft") {
			t.Errorf("quotes %s", all)
		}
	})
}

// Reminders go 7 and 21 days after the last day, once each, and stop once
// the report is in.
func TestReportRemindersGoOnceAtSevenAndTwentyOneDays(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lin, chen := w.person("Lin Mei", user.Student), w.person("Chen Wei", user.Student)
		late := w.placed(lin, 6)
		done := w.placed(chen, 6)
		_, err := w.s.SaveReport(w.ctx, chen, done, full("In on time.", false))
		w.must(err, "chen's report")
		remind := func(days int) int {
			w.clock.Set(start.AddDate(0, 0, days))
			n, err := w.s.RemindReports(w.ctx)
			w.must(err, "remind")
			return n
		}
		for _, c := range []struct{ day, want int }{{0, 0}, {1, 1}, {2, 0}, {14, 0}, {15, 1}, {40, 0}} {
			if n := remind(c.day); n != c.want {
				t.Errorf("day %d after start: %d reminders, want %d", c.day, n, c.want)
			}
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'evaluation_report_reminder' AND recipient_user_id = ?", lin.ID); n != 2 {
			t.Errorf("%d reminders to the late student", n)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'evaluation_report_reminder' AND recipient_user_id = ?", chen.ID); n != 0 {
			t.Errorf("%d reminders to the one who reported", n)
		}
		_ = late
	})
}
