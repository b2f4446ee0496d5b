package rotation_test

import (
	"strings"
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// The coordinator mails the supervisor a link in their language; through
// it, without an account, the supervisor records attendance and the
// evaluation in one form (a bad form is refused whole, saying every
// problem), which lets the certificate be issued; then the link records
// nothing more, and it expires.
func TestTheSupervisorEvaluatesThroughTheLink(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Confirmed, nil)
		w.clock.Set(start.AddDate(0, 0, 120))
		in := rotation.SupervisorInput{Email: "dr.lin@hospital.example", Lang: "zh-Hant"}
		if f := apperr.FieldsOf(w.s.InviteSupervisor(w.ctx, w.coord, r.ID, rotation.SupervisorInput{Email: "dr.lin"})); f["supervisor_email"].Key == "" {
			t.Errorf("a bad address: %v", f)
		}
		if err := w.s.InviteSupervisor(w.ctx, w.outsider, r.ID, in); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("surgery's coordinator invites: %v", err)
		}
		w.must(w.s.InviteSupervisor(w.ctx, w.coord, r.ID, in), "invite")
		var mail struct{ Lang, Link, RecipientEmail string }
		w.must(w.d.Raw("SELECT lang, link, recipient_email FROM outbox WHERE kind = 'incoming_supervisor_link'").Scan(&mail).Error, "mail")
		if mail.Lang != "zh-Hant" || mail.RecipientEmail != in.Email || !strings.HasPrefix(mail.Link, "/rotation-supervisor/") {
			t.Fatalf("the supervisor's mail: %+v", mail)
		}
		token := strings.TrimPrefix(mail.Link, "/rotation-supervisor/")
		if _, err := w.s.SupervisorClose(w.ctx, token+"x"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a wrong token: %v", err)
		}
		c, err := w.s.SupervisorClose(w.ctx, token)
		w.must(err, "open the link")
		if !c.CanAssess || c.DepartmentEN != "Internal Medicine" {
			t.Errorf("the link opens %+v", c)
		}
		bad := goodEvaluation()
		bad.Grade = "excellent"
		err = w.s.SupervisorRecord(w.ctx, token, rotation.SupervisorInputs{
			Attendance: rotation.AttendanceInput{DaysPresent: "11", DaysExpected: "10", Confirm: true}, Evaluation: bad})
		if f := apperr.FieldsOf(err); f["days_present"].Key == "" || f["grade"].Key == "" {
			t.Errorf("a bad form: %v (%v)", err, f)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_assessments WHERE request_id = ? AND (evaluated_at IS NOT NULL OR days_present IS NOT NULL)", r.ID); n != 0 {
			t.Errorf("a refused form wrote the record")
		}
		w.must(w.s.SupervisorRecord(w.ctx, token, rotation.SupervisorInputs{
			Attendance: rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10", Confirm: true}, Evaluation: goodEvaluation()}), "record")
		if n := w.count("SELECT COUNT(*) FROM rotation_assessments WHERE request_id = ? AND evaluated_via = 'supervisor' AND attendance_confirmed_at IS NOT NULL", r.ID); n != 1 {
			t.Errorf("the supervisor's record is not in")
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE kind = 'incoming_evaluated' AND recipient_user_id = ?", r.ApplicantID); n != 1 {
			t.Errorf("evaluation mails to the student: %d", n)
		}
		_, err = w.s.Complete(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version})
		w.must(err, "the certificate after the supervisor's record")
		err = w.s.SupervisorRecord(w.ctx, token, rotation.SupervisorInputs{
			Attendance: rotation.AttendanceInput{DaysPresent: "10", DaysExpected: "10", Confirm: true}, Evaluation: goodEvaluation()})
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a record after the certificate: %v", err)
		}
		if c, err := w.s.SupervisorClose(w.ctx, token); err != nil || c.CanAssess {
			t.Errorf("after the certificate the link offers the form (%v)", err)
		}
		w.clock.Set(start.AddDate(0, 0, 120+rotation.SupervisorLinkDays+1))
		if _, err := w.s.SupervisorClose(w.ctx, token); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an expired link: %v", err)
		}
	})
}
