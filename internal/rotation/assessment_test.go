package rotation_test

import (
	"strings"
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/user"
)

// goodEvaluation is a complete evaluation form.
func goodEvaluation() rotation.EvaluationInput {
	return rotation.EvaluationInput{Grade: "pass", Comments: "Reliable on the ward.",
		Ratings: map[string]string{"medical_knowledge": "4", "clinical_skills": "3", "professionalism": "5", "communication": "4", "initiative": "4"}}
}

// recordClose records, as the office, confirmed attendance and the
// evaluation of the confirmed rotation r, which must have begun by the
// clock: what its certificate waits for.
func (w *world) recordClose(r *rotation.Request) {
	w.t.Helper()
	w.must(w.s.RecordAttendance(w.ctx, w.office, r.ID, rotation.AttendanceInput{DaysPresent: "9", DaysExpected: "10", Confirm: true}), "attendance")
	w.must(w.s.RecordEvaluation(w.ctx, w.office, r.ID, goodEvaluation()), "evaluation")
}

// confirmedIn is a confirmed request of u for weeks weeks of internal
// medicine from week n.
func (w *world) confirmedIn(n, weeks int) *rotation.Request {
	w.t.Helper()
	u := w.incoming("applicant " + key()[:4])
	r := w.submitted(u, choice(w.im.ID, n, weeks))
	in := func() rotation.ReviewInput { return rotation.ReviewInput{Version: r.Version} }
	var err error
	r, err = w.s.StartReview(w.ctx, w.coord, r.ID, in())
	w.must(err, "start")
	r, err = w.s.Forward(w.ctx, w.coord, r.ID, in())
	w.must(err, "forward")
	r, err = w.s.Accept(w.ctx, w.office, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 1})
	w.must(err, "accept")
	r = w.onboard(u, r)
	r, err = w.s.Confirm(w.ctx, u, r.ID, r.Version)
	w.must(err, "confirm")
	return r
}

// userByID is the stored user id.
func (w *world) userByID(id int64) *user.User {
	w.t.Helper()
	var u user.User
	w.must(w.d.Take(&u, id).Error, "user")
	return &u
}

func wantKey(t *testing.T, what string, err error, key string) {
	t.Helper()
	var e *apperr.Error
	if !asAppErr(err, &e) || e.Key != key {
		t.Errorf("%s: %v, want the message %s", what, err, key)
	}
}

func asAppErr(err error, e **apperr.Error) bool {
	if err == nil {
		return false
	}
	x, ok := err.(*apperr.Error)
	if ok {
		*e = x
	}
	return ok
}

// The certificate of completion is refused, saying what is missing, until
// attendance is confirmed and the evaluation is in; the student is mailed
// when the evaluation is in and when the certificate is issued.
func TestTheCertificateWaitsForConfirmedAttendanceAndTheEvaluation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Confirmed, nil)
		w.clock.Set(start.AddDate(0, 0, 120))
		complete := func() error {
			_, err := w.s.Complete(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
			return err
		}
		wantKey(t, "nothing recorded", complete(), "rotation.assess.err.certificate_both")
		w.must(w.s.RecordAttendance(w.ctx, w.coord, r.ID, rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10"}), "attendance unconfirmed")
		wantKey(t, "attendance not confirmed", complete(), "rotation.assess.err.certificate_both")
		w.must(w.s.RecordAttendance(w.ctx, w.coord, r.ID, rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10", Confirm: true}), "attendance")
		wantKey(t, "attendance confirmed", complete(), "rotation.assess.err.certificate_evaluation")
		if w.reload(r).Status != rotation.Confirmed {
			t.Fatal("a refused certificate completed the rotation")
		}
		w.must(w.s.RecordEvaluation(w.ctx, w.coord, r.ID, goodEvaluation()), "evaluation")
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_evaluated' AND recipient_user_id = ?", r.ApplicantID); n != 1 {
			t.Errorf("evaluation mails: %d, want 1", n)
		}
		if err := complete(); err != nil {
			t.Fatalf("complete with attendance and evaluation: %v", err)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_completed' AND recipient_user_id = ?", r.ApplicantID); n != 1 {
			t.Errorf("certificate mails: %d, want 1", n)
		}
		err := w.s.RecordEvaluation(w.ctx, w.coord, r.ID, goodEvaluation())
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("evaluation after the certificate: %v, want a conflict", err)
		}
	})
}

// Only the office and the coordinators of the accepted department record
// the close; the coordinator of another department, another applicant and
// the student themself are refused, and a refused or bad form changes
// nothing.
func TestOnlyTheAcceptedDepartmentsStaffRecordTheClose(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Confirmed, nil)
		w.clock.Set(start.AddDate(0, 0, 120))
		in := rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10", Confirm: true}
		for _, who := range []someone{{"surgery's coordinator", w.outsider, ""}, {"another applicant", w.other, ""}, {"nobody", w.nobod, ""}} {
			if err := w.s.RecordAttendance(w.ctx, who.u, r.ID, in); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s records attendance: %v, want not found", who.name, err)
			}
			if _, err := w.s.CloseOf(w.ctx, who.u, r.ID); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s sees the close: %v, want not found", who.name, err)
			}
		}
		u := w.userByID(r.ApplicantID)
		if err := w.s.RecordEvaluation(w.ctx, u, r.ID, goodEvaluation()); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the student evaluates themself: %v, want forbidden", err)
		}
		err := w.s.RecordAttendance(w.ctx, w.coord, r.ID, rotation.AttendanceInput{DaysPresent: "12", DaysExpected: "10", Confirm: true})
		if f := apperr.FieldsOf(err); f["days_present"].Key != "rotation.assess.err.more_than_expected" {
			t.Errorf("more days present than expected: %v (%v)", err, f)
		}
		bad := goodEvaluation()
		bad.Ratings["initiative"] = "6"
		bad.Grade = ""
		f := apperr.FieldsOf(w.s.RecordEvaluation(w.ctx, w.coord, r.ID, bad))
		if f["initiative"].Key == "" || f["grade"].Key == "" {
			t.Errorf("a rating of 6 and no grade: %v", f)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_assessments WHERE request_id = ?", r.ID); n != 0 {
			t.Errorf("refused forms wrote %d rows", n)
		}
		w.must(w.s.RecordAttendance(w.ctx, w.coord, r.ID, in), "the department's coordinator")
	})
}

// Mid-rotation feedback is for rotations of four weeks or more: refused,
// saying so, on a two-week one; the student is mailed it once.
func TestMidRotationFeedbackNeedsFourWeeks(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		short, long := w.confirmedIn(6, 2), w.confirmedIn(8, 4)
		w.clock.Set(start.AddDate(0, 0, 7*9+1)) // the second week of the long one
		wantKey(t, "two weeks", w.s.RecordMidterm(w.ctx, w.coord, short.ID, "Doing fine."), "rotation.assess.err.midterm_short")
		w.must(w.s.RecordMidterm(w.ctx, w.coord, long.ID, "Doing fine; present more case."), "four weeks")
		w.must(w.s.RecordMidterm(w.ctx, w.coord, long.ID, "Doing fine; present more cases."), "a correction")
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_midterm' AND recipient_user_id = ?", long.ApplicantID); n != 1 {
			t.Errorf("%d feedback mails to the student, want 1 (a correction is not news)", n)
		}
		c, err := w.s.CloseOf(w.ctx, w.coord, long.ID)
		w.must(err, "close")
		if c.Assessment.Midterm != "Doing fine; present more cases." || !c.CanMidterm {
			t.Errorf("the long rotation's close: %+v", c.Assessment)
		}
		if c, _ := w.s.CloseOf(w.ctx, w.coord, short.ID); c.CanMidterm || c.MidtermRefusal == "" {
			t.Errorf("the short rotation offers mid-rotation feedback")
		}
	})
}

// The student evaluates the department once, from the last day on; its
// coordinators hear of it.
func TestTheStudentEvaluatesTheDepartmentAfterTheLastDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.confirmedIn(6, 2)
		u := w.userByID(r.ApplicantID)
		in := rotation.StudentReviewInput{Body: "Great teaching.", Ratings: map[string]string{"teaching": "5", "supervision": "4", "organisation": "4", "welcome": "5"}}
		w.clock.Set(start.AddDate(0, 0, 7*6+3))
		wantKey(t, "during the rotation", w.s.ReviewDepartment(w.ctx, u, r.ID, in), "rotation.assess.err.review_early")
		w.clock.Set(start.AddDate(0, 0, 7*8+2))
		if err := w.s.ReviewDepartment(w.ctx, w.coord, r.ID, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the coordinator reviews for the student: %v", err)
		}
		w.must(w.s.ReviewDepartment(w.ctx, u, r.ID, in), "review")
		if err := w.s.ReviewDepartment(w.ctx, u, r.ID, in); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a second review: %v, want a conflict", err)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_department_reviewed' AND recipient_user_id = ?", w.coord.ID); n != 1 {
			t.Errorf("mails to the coordinator: %d", n)
		}
		c, err := w.s.CloseOf(w.ctx, w.coord, r.ID)
		w.must(err, "close")
		if c.Review == nil || c.Review.Teaching != 5 || c.Review.Body != "Great teaching." {
			t.Errorf("the coordinator reads %+v", c.Review)
		}
	})
}

// On the student's request, once the evaluation is in, the home school is
// mailed a link to it in the language the student said; the link opens
// the evaluation until it expires.
func TestTheEvaluationGoesHomeOnRequest(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Confirmed, nil)
		u := w.userByID(r.ApplicantID)
		w.clock.Set(start.AddDate(0, 0, 120))
		in := rotation.HomeInput{Email: "registrar@kumamoto-u.ac.jp", Lang: "ja"}
		wantKey(t, "before the evaluation", w.s.SendHome(w.ctx, u, r.ID, in), "rotation.assess.err.not_evaluated")
		w.recordClose(r)
		if f := apperr.FieldsOf(w.s.SendHome(w.ctx, u, r.ID, rotation.HomeInput{Email: "not an address"})); f["home_email"].Key == "" {
			t.Errorf("a bad address: %v", f)
		}
		if err := w.s.SendHome(w.ctx, w.coord, r.ID, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the coordinator sends it: %v", err)
		}
		w.must(w.s.SendHome(w.ctx, u, r.ID, in), "send home")
		var mail struct {
			Lang, Link, RecipientEmail string
		}
		w.must(w.d.Raw("SELECT lang, link, recipient_email FROM outbox WHERE kind = 'incoming_evaluation_home'").Scan(&mail).Error, "mail")
		if mail.Lang != "ja" || mail.RecipientEmail != in.Email || !strings.HasPrefix(mail.Link, "/rotation-evaluations/") {
			t.Fatalf("the home school's mail: %+v", mail)
		}
		token := strings.TrimPrefix(mail.Link, "/rotation-evaluations/")
		e, err := w.s.EvaluationByToken(w.ctx, token)
		w.must(err, "open the link")
		if e.Lang != "ja" || e.Assessment.Grade != "pass" || e.Code == "" || e.DepartmentEN != "Internal Medicine" {
			t.Errorf("the link opens %+v", e)
		}
		if _, err := w.s.EvaluationByCode(w.ctx, e.Code); err != nil {
			t.Errorf("its code does not verify: %v", err)
		}
		if _, err := w.s.EvaluationByToken(w.ctx, token+"x"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a wrong token: %v", err)
		}
		w.clock.Set(start.AddDate(0, 0, 120+rotation.HomeLinkDays+1))
		if _, err := w.s.EvaluationByToken(w.ctx, token); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an expired link: %v", err)
		}
	})
}

// The staff's list of rotations waiting for attendance or evaluation: a
// coordinator's own department only, with the days since the last day.
func TestOutstandingClosesWithDaysWaiting(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.confirmedIn(6, 2)
		done := w.confirmedIn(8, 2)
		w.clock.Set(start.AddDate(0, 0, 7*10+1)) // both are over
		w.recordClose(done)
		list, err := w.s.OutstandingCloses(w.ctx, w.coord)
		w.must(err, "list")
		if len(list) != 1 || list[0].ID != r.ID || list[0].Attendance || list[0].Evaluation {
			t.Fatalf("the coordinator's list: %+v", list)
		}
		end := list[0].EndsOn()
		want := int(w.s.Today().Sub(end).Hours() / 24)
		if want <= 0 || list[0].DaysWaiting != want {
			t.Errorf("days waiting %d, want %d", list[0].DaysWaiting, want)
		}
		if list, _ := w.s.OutstandingCloses(w.ctx, w.outsider); len(list) != 0 {
			t.Errorf("surgery's coordinator sees %d", len(list))
		}
		if list, _ := w.s.OutstandingCloses(w.ctx, w.office); len(list) != 1 {
			t.Errorf("the office sees %d", len(list))
		}
		if _, err := w.s.OutstandingCloses(w.ctx, w.other); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an applicant asks for the list: %v", err)
		}
	})
}

// A week after the last day, a close still missing brings its
// department's coordinators one reminder, however often the job runs; a
// rotation closed in time, or not a week over, brings none.
func TestCoordinatorsAreRemindedOnceOfACloseStillMissing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		late := w.confirmedIn(6, 2)
		done := w.confirmedIn(6, 2)
		recent := w.confirmedIn(10, 2)
		// Weeks count from the first Monday after start (two days on): late
		// ended nine days ago, recent has four weeks to go.
		w.clock.Set(start.AddDate(0, 0, 2+7*8-1+rotation.CloseReminderDays+2))
		w.recordClose(done)
		mails := func(id int64) int64 {
			return w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_close_reminder' AND recipient_user_id = ? AND link = ?", w.coord.ID, rotation.CloseLink(id))
		}
		n, err := w.s.RemindCloses(w.ctx)
		w.must(err, "remind")
		if n != 1 || mails(late.ID) != 1 || mails(done.ID) != 0 || mails(recent.ID) != 0 {
			t.Fatalf("reminded %d; mails for the late close %d, the done one %d, the recent one %d", n, mails(late.ID), mails(done.ID), mails(recent.ID))
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_close_reminder' AND recipient_user_id = ?", w.outsider.ID); n != 0 {
			t.Errorf("surgery's coordinator was reminded of internal medicine's rotation %d times", n)
		}
		w.clock.Set(w.clock.Now().AddDate(0, 0, 3))
		n, err = w.s.RemindCloses(w.ctx)
		w.must(err, "remind again")
		if n != 0 || mails(late.ID) != 1 {
			t.Errorf("a second run reminded %d, the late close has %d mails", n, mails(late.ID))
		}
	})
}
