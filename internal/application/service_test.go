package application_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/testutil"
	"portal/internal/user"
)

// The whole outgoing path (docs/architecture.md), with a return and a resubmission: each
// transition writes one event, the events chain from stage to stage, the
// stage timestamps are set, and every transition is announced once.
func TestWholePathWritesOneEventPerTransition(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.draft(w.student)
		steps := []struct {
			act application.Action
			u   *user.User
		}{
			{application.Submit, w.student}, {application.StartReview, w.reviewer}, {application.Return, w.reviewer},
			{application.Submit, w.student}, {application.StartReview, w.reviewer2}, {application.Approve, w.reviewer2},
			{application.Nominate, w.office}, {application.HostAccept, w.office}, {application.AcceptOffer, w.student},
			{application.Recognise, w.office},
		}
		for i, st := range steps {
			var err error
			a, err = w.do(st.act, st.u, a)
			w.must(err, fmt.Sprintf("step %d %s", i, st.act))
		}
		if a.Status != application.Completed || a.Version != 2+len(steps) {
			t.Fatalf("ended %s v%d", a.Status, a.Version)
		}
		events := w.events(a.ID)
		if len(events) != len(steps) || w.out.count() != len(steps) {
			t.Fatalf("%d events and %d notifications for %d transitions", len(events), w.out.count(), len(steps))
		}
		from := application.Draft
		for i, e := range events {
			if e.FromStage != from {
				t.Errorf("event %d goes from %s, the previous one ended at %s", i, e.FromStage, from)
			}
			from = e.ToStage
		}
		if events[3].Action != application.Resubmit {
			t.Errorf("the second submission is recorded as %s", events[3].Action)
		}
		for name, ts := range map[string]*time.Time{"submitted": a.SubmittedAt, "approved": a.ApprovedAt, "nominated": a.NominatedAt,
			"decided": a.DecidedAt, "confirmed": a.ConfirmedAt, "completed": a.CompletedAt} {
			if ts == nil {
				t.Errorf("%s_at not set", name)
			}
		}
		if a.ClosedAt != nil {
			t.Errorf("a completed application is closed at %v", a.ClosedAt)
		}
		if w.taken(w.p1) != 1 {
			t.Errorf("a completed placement holds %d seats, want 1", w.taken(w.p1))
		}
	})
}

// Submit refuses with a reason per choice and per document, and changes
// nothing: no stage, no version, no event, no attachment.
func TestSubmitRefusals(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		refused := func(t *testing.T, u *user.User, a *application.Application, field, msg string) {
			t.Helper()
			_, err := w.s.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
			wantField(t, err, field, msg)
			after := w.reload(a)
			var attached int64
			w.must(d.Table("document_attachments").Where("application_id = ?", a.ID).Count(&attached).Error, "count")
			if after.Status != a.Status || after.Version != a.Version || len(w.events(a.ID)) != 0 || attached != 0 || after.SubmitKey != nil {
				t.Errorf("a refused submit changed the application: %+v, %d attachments", after, attached)
			}
		}
		w.run("window closed", func(t *testing.T) {
			a := w.draft(w.student)
			w.clock.Set(start.AddDate(0, 0, 31))
			defer w.clock.Set(start)
			refused(t, w.student, a, "choice_1", "application.err.window_closed")
		})
		w.run("window not open yet", func(t *testing.T) {
			a := w.draft(w.student)
			w.must(d.Exec("UPDATE electives SET opens_on = ? WHERE id = ?", catalog.Day(start).AddDate(0, 0, 1), w.ward.ID).Error, "open later")
			defer d.Exec("UPDATE electives SET opens_on = ? WHERE id = ?", catalog.Day(start).AddDate(0, 0, -30), w.ward.ID)
			refused(t, w.student, a, "choice_1", "application.err.window_closed")
		})
		w.run("document missing", func(t *testing.T) {
			u := w.person("no transcript", user.Student)
			w.doc(u, "passport", 1000)
			a := w.draft(u)
			refused(t, u, a, "doc_transcript", "application.err.doc_missing")
			lists, err := w.s.Checklist(w.ctx, u, a.ID)
			w.must(err, "checklist")
			if len(lists) != 1 || !slices.Equal(lists[0].Missing(), []string{"transcript"}) {
				t.Errorf("checklist %+v", lists)
			}
			_, err = w.s.Checklist(w.ctx, w.reviewer, a.ID)
			wantCode(t, err, apperr.NotFound, "error.not_found")
		})
		w.run("document expired by the first day", func(t *testing.T) {
			u := w.person("old passport", user.Student)
			w.doc(u, "passport", 59) // the period starts in 60 days
			w.doc(u, "transcript", 0)
			_, err := w.s.Submit(w.ctx, u, w.draft(u).ID, application.SubmitInput{Version: 2, Key: key()})
			wantField(t, err, "doc_passport", "application.err.doc_expired")
			if args := apperr.FieldsOf(err)["doc_passport"].Args; fmt.Sprint(args) != fmt.Sprintf("[%s %s]", day(59), day(60)) {
				t.Errorf("args %v", args)
			}
		})
		w.run("deleted document", func(t *testing.T) {
			u := w.person("deleted passport", user.Student)
			p := w.doc(u, "passport", 1000)
			w.doc(u, "transcript", 0)
			w.must(d.Model(p).Update("deleted_at", start).Error, "delete")
			refused(t, u, w.draft(u), "doc_passport", "application.err.doc_missing")
		})
		w.run("overlapping confirmed placement", func(t *testing.T) {
			u := w.applicant()
			w.at(u, application.Confirmed) // in p1, days 60 to 87
			refused(t, u, w.draft(u, w.p3), "choice_1", "application.err.overlap")
			// A period after the placement is fine.
			a := w.draft(u, w.p2)
			_, err := w.s.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
			w.must(err, "submit after the placement")
		})
		w.run("retired elective", func(t *testing.T) {
			a := w.draft(w.student, w.p3)
			w.must(w.cat.Retire(w.ctx, catalog.KindElective, w.lab.ID), "retire")
			defer w.cat.Restore(w.ctx, catalog.KindElective, w.lab.ID)
			refused(t, w.student, a, "choice_1", "application.err.retired")
		})
		w.run("full period", func(t *testing.T) {
			a := w.draft(w.student, w.p3)
			w.must(d.Exec("UPDATE periods SET taken = capacity WHERE id = ?", w.p3.ID).Error, "fill")
			defer d.Exec("UPDATE periods SET taken = 0 WHERE id = ?", w.p3.ID)
			refused(t, w.student, a, "choice_1", "application.err.period_full")
		})
		w.run("no statement", func(t *testing.T) {
			a := w.draft(w.student)
			a, err := w.s.SaveDraft(w.ctx, w.student, a.ID, application.DraftInput{Version: a.Version,
				Choices: []application.ChoiceInput{{ElectiveID: w.ward.ID, PeriodID: w.p1.ID}}})
			w.must(err, "save without statement")
			refused(t, w.student, a, "statement", "form.required")
		})
		w.run("bad key", func(t *testing.T) {
			a := w.draft(w.student)
			for _, k := range []string{"", "short", "has space in it", "ünïcödé-key-123"} {
				_, err := w.s.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: k})
				wantCode(t, err, apperr.Invalid, "application.err.key")
			}
		})
		w.run("submitted with its documents", func(t *testing.T) {
			a := w.draft(w.student)
			a, err := w.s.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
			w.must(err, "submit")
			detail, err := w.s.Get(w.ctx, w.reviewer, a.ID)
			w.must(err, "get")
			if len(detail.Documents) != 2 {
				t.Errorf("attached %v, want the passport and the transcript", detail.Documents)
			}
		})
	})
}

// A returned application was submitted in time: resubmitting it after the
// window closed is allowed, and the student's fixes are saved first.
func TestReturnedApplicationIsFixedAndResubmitted(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.applicant(), application.Returned)
		u := &user.User{ID: a.ApplicantID, Roles: []user.Role{user.Student}}
		w.clock.Set(start.AddDate(0, 0, 40))
		a, err := w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Statement: "Shorter.",
			Choices: []application.ChoiceInput{{ElectiveID: w.ward.ID, PeriodID: w.p2.ID}}})
		w.must(err, "fix")
		a, err = w.s.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
		w.must(err, "resubmit")
		if a.Status != application.Submitted || a.Statement != "Shorter." || len(w.choices(a.ID)) != 1 {
			t.Errorf("resubmitted as %+v", a)
		}
		detail, err := w.s.Get(w.ctx, u, a.ID)
		w.must(err, "get")
		if ret := detail.Events[1]; ret.Action != application.Return || ret.Comment == "" || ret.Internal {
			t.Errorf("the student sees the return as %+v", ret)
		}
	})
}

// Drafts: choices are checked slot by slot, only the applicant edits, only
// while a draft or returned, and at the version they saw.
func TestDraftRefusals(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.draft(w.student)
		c := func(e *catalog.Elective, p *catalog.Period) application.ChoiceInput {
			return application.ChoiceInput{ElectiveID: e.ID, PeriodID: p.ID}
		}
		started := w.period(w.lab.ID, 120, 130, 2)
		incoming, err := w.cat.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "IM", NameEN: "Internal Medicine", NameZH: "內科"})
		w.must(err, "department")
		_, err = w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Formosa Medical University", Country: "TW", City: "Taipei", Kind: "university", IsHome: true})
		w.must(err, "home")
		home, err := w.cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Incoming, DepartmentID: incoming.ID,
			Kind: "clinical_elective", TitleEN: "Internal medicine rotation", Specialty: "internal_medicine", Language: "en",
			MinYear: "5", DurationWeeks: "4", OpensOn: day(-30), ClosesOn: day(30)})
		w.must(err, "incoming elective")
		homePeriod := w.period(home.ID, 60, 80, 2)
		cases := []struct {
			name    string
			choices []application.ChoiceInput
			field   string
			key     string
		}{
			{"none", nil, "choice_1", "application.err.no_choice"},
			{"four", []application.ChoiceInput{c(w.ward, w.p1), c(w.ward, w.p2), c(w.lab, w.p3), c(w.lab, started)}, "choices", "application.err.too_many_choices"},
			{"same period twice", []application.ChoiceInput{c(w.ward, w.p1), c(w.ward, w.p1)}, "choice_2", "application.err.duplicate_choice"},
			{"period of another elective", []application.ChoiceInput{{ElectiveID: w.ward.ID, PeriodID: w.p3.ID}}, "choice_1", "application.err.period_other"},
			{"elective without period", []application.ChoiceInput{{ElectiveID: w.ward.ID}}, "choice_1", "application.err.choice_incomplete"},
			{"no such elective", []application.ChoiceInput{{ElectiveID: 99999, PeriodID: w.p1.ID}}, "choice_1", "form.not_a_choice"},
			{"incoming elective", []application.ChoiceInput{c(home, homePeriod)}, "choice_1", "form.not_a_choice"},
			{"statement too long", []application.ChoiceInput{c(w.ward, w.p1)}, "statement", "form.too_long"},
		}
		for _, cs := range cases {
			w.run(cs.name, func(t *testing.T) {
				in := application.DraftInput{Version: a.Version, Choices: cs.choices}
				if cs.field == "statement" {
					in.Statement = string(make([]rune, application.MaxStatement+1))
				}
				_, err := w.s.SaveDraft(w.ctx, w.student, a.ID, in)
				wantField(t, err, cs.field, cs.key)
				if got := w.reload(a); got.Version != a.Version || len(w.choices(a.ID)) != 1 {
					t.Errorf("refused save changed the draft: v%d, %d choices", got.Version, len(w.choices(a.ID)))
				}
			})
		}
		w.run("retired and started periods", func(t *testing.T) {
			w.must(w.cat.Retire(w.ctx, catalog.KindPeriod, w.p2.ID), "retire period")
			_, err := w.s.SaveDraft(w.ctx, w.student, a.ID, application.DraftInput{Version: a.Version, Choices: []application.ChoiceInput{c(w.ward, w.p2)}})
			wantField(t, err, "choice_1", "application.err.retired")
			w.must(w.cat.Restore(w.ctx, catalog.KindPeriod, w.p2.ID), "restore period")
			w.clock.Set(start.AddDate(0, 0, 121))
			defer w.clock.Set(start)
			_, err = w.s.SaveDraft(w.ctx, w.student, a.ID, application.DraftInput{Version: a.Version, Choices: []application.ChoiceInput{c(w.lab, started)}})
			wantField(t, err, "choice_1", "application.err.period_started")
		})
		w.run("someone else's draft", func(t *testing.T) {
			for _, u := range []*user.User{w.other, w.reviewer, w.office, w.admin, nil} {
				_, err := w.s.SaveDraft(w.ctx, u, a.ID, application.DraftInput{Version: a.Version, Choices: []application.ChoiceInput{c(w.ward, w.p2)}})
				wantCode(t, err, apperr.NotFound, "error.not_found")
				if _, err := w.s.Get(w.ctx, u, a.ID); apperr.CodeOf(err) != apperr.NotFound {
					t.Errorf("%v reads a draft not theirs: %v", u, err)
				}
			}
		})
		w.run("stale version", func(t *testing.T) {
			_, err := w.s.SaveDraft(w.ctx, w.student, a.ID, application.DraftInput{Version: a.Version - 1, Choices: []application.ChoiceInput{c(w.ward, w.p2)}})
			wantCode(t, err, apperr.Conflict, "application.changed.saved")
		})
		w.run("under review", func(t *testing.T) {
			b := w.at(w.student, application.Submitted)
			_, err := w.s.SaveDraft(w.ctx, w.student, b.ID, application.DraftInput{Version: b.Version, Choices: []application.ChoiceInput{c(w.ward, w.p2)}})
			wantCode(t, err, apperr.Invalid, "application.err.not_now")
			doc := w.doc(w.student, "cv", 0)
			wantCode(t, w.s.AttachDocument(w.ctx, w.student, b.ID, doc.ID), apperr.Invalid, "application.err.not_now")
		})
		w.run("start: students only, valid key", func(t *testing.T) {
			for _, u := range []*user.User{w.reviewer, w.office, w.nobody, nil} {
				_, err := w.s.CreateDraft(w.ctx, u, application.StartInput{Key: key(), ElectiveID: w.ward.ID, PeriodID: w.p1.ID})
				wantCode(t, err, apperr.Forbidden, "application.err.not_student")
			}
			_, err := w.s.CreateDraft(w.ctx, w.student, application.StartInput{Key: "x", ElectiveID: w.ward.ID, PeriodID: w.p1.ID})
			wantCode(t, err, apperr.Invalid, "application.err.key")
			_, err = w.s.CreateDraft(w.ctx, w.student, application.StartInput{Key: key(), ElectiveID: w.ward.ID, PeriodID: w.p3.ID})
			wantField(t, err, "choice_1", "application.err.period_other")
		})
		w.run("documents: own current ones only", func(t *testing.T) {
			mine := w.doc(w.student, "cv", 0)
			theirs := w.doc(w.other, "cv", 0)
			w.must(w.s.AttachDocument(w.ctx, w.student, a.ID, mine.ID), "attach")
			w.must(w.s.AttachDocument(w.ctx, w.student, a.ID, mine.ID), "attach again")
			wantCode(t, w.s.AttachDocument(w.ctx, w.student, a.ID, theirs.ID), apperr.NotFound, "")
			wantCode(t, w.s.AttachDocument(w.ctx, w.other, a.ID, theirs.ID), apperr.NotFound, "")
			gone := w.doc(w.student, "cv", 0)
			w.must(d.Model(gone).Update("deleted_at", start).Error, "delete")
			wantCode(t, w.s.AttachDocument(w.ctx, w.student, a.ID, gone.ID), apperr.NotFound, "")
			w.must(w.s.DetachDocument(w.ctx, w.student, a.ID, mine.ID), "detach")
			wantCode(t, w.s.DetachDocument(w.ctx, w.student, a.ID, mine.ID), apperr.NotFound, "")
		})
	})
}

// Replayed and out-of-order requests: the same submit key answers with the
// application and writes nothing; a replayed review action meets the
// version it already moved and is told what changed; actions out of turn
// are refused with the reason.
func TestReplaysAndOutOfOrderActions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.draft(w.student)
		k := key()
		first, err := w.s.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: k})
		w.must(err, "submit")
		again, err := w.s.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: k})
		w.must(err, "replayed submit")
		if again.ID != first.ID || again.Version != first.Version || len(w.events(a.ID)) != 1 {
			t.Errorf("replayed submit: %+v, %d events", again, len(w.events(a.ID)))
		}
		// Another key at the old version is a second submit: refused.
		_, err = w.s.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
		wantCode(t, err, apperr.Conflict, "application.changed.submit")
		// A key already used on another application is refused, not shared.
		other := w.draft(w.student, w.p2)
		_, err = w.s.Submit(w.ctx, w.student, other.ID, application.SubmitInput{Version: other.Version, Key: k})
		wantCode(t, err, apperr.Invalid, "application.err.key")
		if got := w.reload(other); got.Status != application.Draft || len(w.events(other.ID)) != 0 {
			t.Errorf("a reused key moved another application to %s", got.Status)
		}

		b, err := w.s.StartReview(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: first.Version})
		w.must(err, "start review")
		_, err = w.s.StartReview(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: first.Version})
		wantCode(t, err, apperr.Conflict, "application.changed.start_review")
		if args := err.(*apperr.Error).Args; len(args) != 2 || args[0] != "reviewer" || args[1] != "2026-11-21 09:00 UTC" {
			t.Errorf("what changed: %v", args)
		}
		if got := w.reload(a); got.Version != b.Version || len(w.events(a.ID)) != 2 {
			t.Errorf("replay changed the application: v%d, %d events", got.Version, len(w.events(a.ID)))
		}
		cases := []struct {
			name string
			act  application.Action
			u    *user.User
			code apperr.Code
			key  string
		}{
			{"office nominates before the department approved", application.Nominate, w.office, apperr.Invalid, "application.err.not_now"},
			{"office approves for the department", application.Approve, w.office, apperr.Forbidden, "application.err.not_yours"},
			{"student approves", application.Approve, w.student, apperr.Forbidden, "application.err.not_yours"},
			{"student accepts an offer never made", application.AcceptOffer, w.student, apperr.Invalid, "application.err.not_now"},
			{"office records a host decision before nominating", application.HostAccept, w.office, apperr.Invalid, "application.err.not_now"},
			{"reviewer of another specialty", application.Approve, w.outsider, apperr.NotFound, "error.not_found"},
			{"another student withdraws it", application.Withdraw, w.other, apperr.NotFound, "error.not_found"},
			{"anonymous", application.Withdraw, nil, apperr.NotFound, "error.not_found"},
		}
		for _, c := range cases {
			_, err := w.do(c.act, c.u, b)
			if ae, ok := err.(*apperr.Error); !ok || ae.Code != c.code || ae.Key != c.key {
				t.Errorf("%s: %v, want %s %s", c.name, err, c.code, c.key)
			}
		}
		if got := w.reload(a); got.Version != b.Version || got.Status != application.DepartmentReview {
			t.Errorf("refusals changed the application: %s v%d", got.Status, got.Version)
		}
		// Comments the action needs, and no more than fit.
		_, err = w.s.ReturnForChanges(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: b.Version})
		wantField(t, err, "comment", "form.required")
		_, err = w.s.Reject(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: b.Version, Comment: "  "})
		wantField(t, err, "comment", "form.required")
		_, err = w.s.Approve(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: b.Version, Comment: string(make([]rune, application.MaxComment+1))})
		wantField(t, err, "comment", "form.too_long")
	})
}

// Nobody reviews their own application, even with the role and the scope.
func TestReviewerCannotReviewOwnApplication(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		both := w.person("student and reviewer", user.Student, user.Reviewer)
		w.wallet(both)
		w.grant(both, "internal_medicine")
		a := w.at(both, application.Submitted)
		_, err := w.s.StartReview(w.ctx, both, a.ID, application.ReviewInput{Version: a.Version})
		wantCode(t, err, apperr.Forbidden, "application.err.not_yours")
		detail, err := w.s.Get(w.ctx, both, a.ID)
		w.must(err, "get")
		if !slices.Equal(detail.Parties, []application.Party{application.Applicant}) || !slices.Equal(detail.Actions, []application.Action{application.Withdraw}) {
			t.Errorf("parties %v, actions %v", detail.Parties, detail.Actions)
		}
	})
}

// Reviewers act only in their scope; scope grants are audited.
func TestScope(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.student, application.Submitted)
		_, err := w.s.Get(w.ctx, w.outsider, a.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found")
		_, err = w.s.StartReview(w.ctx, w.outsider, a.ID, application.ReviewInput{Version: a.Version})
		wantCode(t, err, apperr.NotFound, "error.not_found")

		w.grant(w.outsider, "internal_medicine")
		w.grant(w.outsider, "internal_medicine") // twice is once
		scope, err := w.s.Scope(w.ctx, w.outsider.ID)
		w.must(err, "scope")
		if !slices.Equal(scope, []string{"internal_medicine", "surgery"}) {
			t.Errorf("scope %v", scope)
		}
		detail, err := w.s.Get(w.ctx, w.outsider, a.ID)
		w.must(err, "get in scope")
		if !slices.Equal(detail.Actions, []application.Action{application.StartReview, application.Return, application.Reject}) {
			t.Errorf("actions %v", detail.Actions)
		}
		w.must(w.s.RevokeScope(w.ctx, w.outsider.ID, "internal_medicine", w.admin.ID, audit.Meta{}), "revoke")
		_, err = w.s.Get(w.ctx, w.outsider, a.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found")

		// The scope needs the role too.
		w.must(w.s.GrantScope(w.ctx, w.office.ID, "internal_medicine", w.admin.ID, audit.Meta{}), "grant to office")
		detail, err = w.s.Get(w.ctx, w.office, a.ID)
		w.must(err, "office")
		if len(detail.Actions) != 0 || !slices.Equal(detail.Parties, []application.Party{application.Office}) {
			t.Errorf("office at submitted: parties %v, actions %v", detail.Parties, detail.Actions)
		}
		err = w.s.GrantScope(w.ctx, w.outsider.ID, "astrology", w.admin.ID, audit.Meta{})
		wantField(t, err, "specialty", "form.not_a_choice")
		wantCode(t, w.s.GrantScope(w.ctx, 99999, "surgery", w.admin.ID, audit.Meta{}), apperr.NotFound, "")
		var audited int64
		w.must(d.Model(&audit.Event{}).Where("action IN ?", []string{application.ScopeGranted, application.ScopeRevoked}).Count(&audited).Error, "audit")
		if audited != 6 { // 3 in newWorld, outsider once, revoke, office
			t.Errorf("%d scope changes audited, want 6", audited)
		}
	})
}

// Seats: an acceptance takes one; a decline, a withdrawal (offered or
// confirmed) and an expiry give it back; the waitlist is promoted only
// into a free seat.
func TestSeatsAreTakenAndFreed(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, c := range []struct {
			name string
			at   application.Stage
			act  application.Action
		}{
			{"decline", application.HostAccepted, application.DeclineOffer},
			{"withdraw an offer", application.HostAccepted, application.Withdraw},
			{"withdraw a placement", application.Confirmed, application.Withdraw},
			{"expire", application.HostAccepted, application.Expire},
		} {
			w.run(c.name, func(t *testing.T) {
				u := w.applicant()
				a := w.at(u, c.at)
				if w.taken(w.p1) != 1 || !w.choices(a.ID)[0].SeatReserved {
					t.Fatalf("accepted: %d taken", w.taken(w.p1))
				}
				_, err := w.do(c.act, u, a)
				w.must(err, string(c.act))
				if w.taken(w.p1) != 0 || w.choices(a.ID)[0].SeatReserved {
					t.Errorf("after %s: %d taken, choice %+v", c.act, w.taken(w.p1), w.choices(a.ID)[0])
				}
				for _, ch := range w.choices(a.ID) {
					if ch.QuotaAgreementID != nil {
						t.Errorf("after %s the quota place is still held: %+v", c.act, ch)
					}
				}
			})
		}
		w.run("waitlist", func(t *testing.T) {
			one := w.period(w.ward.ID, 140, 160, 1)
			first, second := w.applicant(), w.applicant()
			a := w.along(w.draft(first, one), first, application.Nominated)
			b := w.along(w.draft(second, one), second, application.Nominated)
			a, err := w.do(application.HostAccept, w.office, a)
			w.must(err, "accept first")
			b, err = w.do(application.HostWaitlist, w.office, b)
			w.must(err, "waitlist second")
			_, err = w.s.PromoteFromWaitlist(w.ctx, w.office, b.ID, application.ReviewInput{Version: b.Version})
			wantCode(t, err, apperr.Conflict, "application.err.period_full")
			if got := w.reload(b); got.Status != application.Waitlisted || got.Version != b.Version {
				t.Errorf("a refused promotion moved it to %s", got.Status)
			}
			_, err = w.do(application.DeclineOffer, first, a)
			w.must(err, "first declines")
			b, err = w.s.PromoteFromWaitlist(w.ctx, w.office, b.ID, application.ReviewInput{Version: b.Version})
			w.must(err, "promote")
			if b.Status != application.HostAccepted || b.OfferExpiresAt == nil || w.taken(one) != 1 {
				t.Errorf("promoted: %+v, %d taken", b, w.taken(one))
			}
		})
		w.run("host acceptance into a full period", func(t *testing.T) {
			u := w.applicant()
			a := w.at(u, application.Nominated)
			w.must(d.Exec("UPDATE periods SET taken = capacity WHERE id = ?", w.p1.ID).Error, "fill")
			defer d.Exec("UPDATE periods SET taken = 0 WHERE id = ?", w.p1.ID)
			_, err := w.do(application.HostAccept, w.office, a)
			wantCode(t, err, apperr.Conflict, "application.err.period_full")
			if got := w.reload(a); got.Status != application.Nominated || len(w.events(a.ID)) != len(path[application.Nominated]) {
				t.Errorf("refused acceptance: %s, %d events", got.Status, len(w.events(a.ID)))
			}
		})
		w.run("host acceptance into a retired period", func(t *testing.T) {
			p := w.period(w.ward.ID, 170, 180, 5)
			u := w.applicant()
			a := w.along(w.draft(u, p), u, application.Nominated)
			w.must(w.cat.Retire(w.ctx, catalog.KindPeriod, p.ID), "retire")
			_, err := w.do(application.HostAccept, w.office, a)
			wantCode(t, err, apperr.Conflict, "application.err.retired")
		})
		w.run("decision on the wrong choice", func(t *testing.T) {
			a := w.at(w.applicant(), application.Nominated)
			_, err := w.s.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 2, Decision: application.HostDecisionAccepted})
			wantCode(t, err, apperr.Invalid, "application.err.wrong_choice")
			_, err = w.s.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 1, Decision: "maybe"})
			wantField(t, err, "decision", "form.not_a_choice")
		})
	})
}

// Offers: answered within the configured days or expired by the job; an
// expired offer cannot be accepted even before the job runs.
func TestOfferExpiry(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.applicant()
		a := w.at(u, application.HostAccepted)
		// Made at 09:00 on 21 November, the offer runs to the end of 5
		// December (UTC: the world's service has no zone of its own).
		if want := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond); !a.OfferExpiresAt.Equal(want) {
			t.Errorf("offer expires %v, want %v", a.OfferExpiresAt, want)
		}
		n, err := w.s.ExpireOffers(w.ctx, start.AddDate(0, 0, 13))
		if err != nil || n != 0 {
			t.Fatalf("ExpireOffers before the deadline = %d, %v", n, err)
		}
		w.clock.Set(start.AddDate(0, 0, 15))
		_, err = w.s.AcceptOffer(w.ctx, u, a.ID, application.AnswerInput{Version: a.Version})
		wantCode(t, err, apperr.Invalid, "application.err.offer_expired")
		detail, err := w.s.Get(w.ctx, u, a.ID)
		w.must(err, "get")
		if slices.Contains(detail.Actions, application.AcceptOffer) {
			t.Errorf("an expired offer offers %v", detail.Actions)
		}
		n, err = w.s.ExpireOffers(w.ctx, w.clock.Now())
		if err != nil || n != 1 {
			t.Fatalf("ExpireOffers after the deadline = %d, %v", n, err)
		}
		got := w.reload(a)
		ev := w.events(a.ID)
		if last := ev[len(ev)-1]; got.Status != application.Expired || last.Role != application.System || last.ActorID != nil || w.taken(w.p1) != 0 {
			t.Errorf("expired: %s, event %+v, %d taken", got.Status, last, w.taken(w.p1))
		}
		if n, _ := w.s.ExpireOffers(w.ctx, w.clock.Now()); n != 0 {
			t.Errorf("expired %d offers again", n)
		}
		_, err = w.s.AcceptOffer(w.ctx, u, a.ID, application.AnswerInput{Version: got.Version})
		wantCode(t, err, apperr.Invalid, "application.err.not_now")

		short := application.NewService(d, application.Options{Now: w.clock.Now, OfferDays: 3})
		b := w.at(w.applicant(), application.Nominated)
		b, err = short.RecordHostDecision(w.ctx, w.office, b.ID, application.HostDecisionInput{Version: b.Version, Rank: 1, Decision: application.HostDecisionAccepted})
		w.must(err, "accept with a 3-day offer")
		if want := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond); !b.OfferExpiresAt.Equal(want) {
			t.Errorf("offer expires %v, want %v", b.OfferExpiresAt, want)
		}
	})
}

// Recognition waits for the placement's last day, is the office's alone,
// and what the office records is written in the transition's transaction:
// a refused record leaves the application confirmed.
func TestRecognitionAfterThePlacement(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.applicant()
		a := w.at(u, application.Confirmed)
		_, err := w.s.Recognise(w.ctx, w.office, a.ID, a.Version, nil)
		wantCode(t, err, apperr.Invalid, "application.err.not_over")
		w.clock.Set(start.AddDate(0, 0, 87)) // the last day
		_, err = w.s.Recognise(w.ctx, u, a.ID, a.Version, nil)
		wantCode(t, err, apperr.Forbidden, "")
		detail, err := w.s.Get(w.ctx, w.office, a.ID)
		w.must(err, "get")
		if !slices.Equal(detail.Actions, []application.Action{application.Recognise}) {
			t.Errorf("the office's actions on the last day %v", detail.Actions)
		}
		refused := apperr.New(apperr.Invalid, "form.required")
		_, err = w.s.Recognise(w.ctx, w.office, a.ID, a.Version, func(*gorm.DB, *application.Application, time.Time) error { return refused })
		wantCode(t, err, apperr.Invalid, "form.required")
		if got, _ := w.s.Get(w.ctx, w.office, a.ID); got.Status != application.Confirmed {
			t.Errorf("a refused recognition left %s", got.Status)
		}
		a, err = w.s.Recognise(w.ctx, w.office, a.ID, a.Version, nil)
		w.must(err, "recognise")
		if a.Status != application.Completed || a.CompletedAt == nil {
			t.Errorf("%+v", a)
		}
	})
}

// A second host is tried after the first said no; quota places follow.
func TestNominateTheNextChoiceAfterARejection(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u := w.applicant()
		a := w.at(u, application.HostRejected)
		cs := w.choices(a.ID)
		if cs[0].HostDecision != application.HostDecisionRejected || cs[0].QuotaAgreementID != nil {
			t.Errorf("rejected choice %+v", cs[0])
		}
		a, err := w.do(application.Nominate, w.office, a)
		w.must(err, "nominate the second choice")
		cs = w.choices(a.ID)
		if a.CurrentChoice != 2 || cs[1].QuotaAgreementID == nil || *cs[1].QuotaAgreementID != w.deal.ID || cs[1].NominatedAt == nil {
			t.Errorf("second nomination: current %d, %+v", a.CurrentChoice, cs[1])
		}
		ev := w.events(a.ID)
		if first, second := ev[3], ev[len(ev)-1]; first.Action != application.Nominate || first.Choice != 1 || second.Choice != 2 {
			t.Errorf("nomination events name choices %d and %d", first.Choice, second.Choice)
		}
		a, err = w.do(application.HostReject, w.office, a)
		w.must(err, "second rejection")
		detail, err := w.s.Get(w.ctx, w.office, a.ID)
		w.must(err, "get")
		if len(detail.Actions) != 0 {
			t.Errorf("no choice left, yet the office may %v", detail.Actions)
		}
		_, err = w.do(application.Nominate, w.office, a)
		wantCode(t, err, apperr.Invalid, "application.err.no_next_choice")
	})
}

// The yearly outgoing quota: a full agreement refuses the nomination with
// the figures; a withdrawal gives the place back.
func TestQuota(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		small := w.agreement(2)
		e := w.elective("Cardiology elective", "internal_medicine", &small.ID)
		p := w.period(e.ID, 60, 80, 10)
		var apps []*application.Application
		var who []*user.User
		for range 3 {
			u := w.applicant()
			who = append(who, u)
			apps = append(apps, w.along(w.draft(u, p), u, application.OfficeReview))
		}
		for i := range 2 {
			_, err := w.do(application.Nominate, w.office, apps[i])
			w.must(err, "nominate within the quota")
		}
		_, err := w.do(application.Nominate, w.office, apps[2])
		wantCode(t, err, apperr.Conflict, "application.err.quota_exceeded")
		if args := fmt.Sprint(err.(*apperr.Error).Args); args != "[2026 2027 2 2]" {
			t.Errorf("quota message args %s", args)
		}
		_, err = w.do(application.Withdraw, who[0], w.reload(apps[0]))
		w.must(err, "withdraw a nominated application")
		_, err = w.do(application.Nominate, w.office, apps[2])
		w.must(err, "nominate into the freed place")
	})
}

// Reading: the applicant never sees internal notes; notes change no
// version; drafts are the applicant's alone.
func TestNotesAndWhoSeesThem(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.student, application.Submitted)
		_, err := w.s.AddNote(w.ctx, w.reviewer, a.ID, application.NoteInput{Comment: "Grades borderline.", Internal: true})
		w.must(err, "internal note")
		_, err = w.s.AddNote(w.ctx, w.reviewer, a.ID, application.NoteInput{Comment: "Please add your JLPT result."})
		w.must(err, "message")
		n, err := w.s.AddNote(w.ctx, w.student, a.ID, application.NoteInput{Comment: "Added.", Internal: true})
		w.must(err, "student message")
		if n.Internal || n.Role != application.Applicant {
			t.Errorf("a student's note: %+v", n)
		}
		_, err = w.s.AddNote(w.ctx, w.outsider, a.ID, application.NoteInput{Comment: "Hi"})
		wantCode(t, err, apperr.NotFound, "")
		_, err = w.s.AddNote(w.ctx, w.reviewer, a.ID, application.NoteInput{})
		wantField(t, err, "comment", "form.required")
		if got := w.reload(a); got.Version != a.Version {
			t.Errorf("notes changed the version to %d", got.Version)
		}
		mine, err := w.s.Get(w.ctx, w.student, a.ID)
		w.must(err, "student reads")
		theirs, err := w.s.Get(w.ctx, w.reviewer, a.ID)
		w.must(err, "reviewer reads")
		if len(mine.Events) != 3 || len(theirs.Events) != 4 {
			t.Errorf("the student sees %d events, the reviewer %d", len(mine.Events), len(theirs.Events))
		}
		for _, e := range mine.Events {
			if e.Internal {
				t.Errorf("the student sees an internal note: %+v", e)
			}
		}
		if mine.Turn != application.Reviewer || len(mine.Choices) != 2 || mine.Choices[0].ElectiveTitleEN != w.ward.TitleEN || mine.Choices[0].InstitutionNameLocal != "熊本大学" {
			t.Errorf("detail: turn %s, choices %+v", mine.Turn, mine.Choices)
		}
		// A stale action is told about the latest transition, not a note.
		b, err := w.s.StartReview(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: a.Version})
		w.must(err, "start review")
		_, err = w.s.AddNote(w.ctx, w.reviewer, a.ID, application.NoteInput{Comment: "Later note."})
		w.must(err, "note")
		_, err = w.s.StartReview(w.ctx, w.reviewer2, a.ID, application.ReviewInput{Version: a.Version})
		wantCode(t, err, apperr.Conflict, "application.changed.start_review")
		_ = b
		draft := w.draft(w.student)
		_, err = w.s.AddNote(w.ctx, w.student, draft.ID, application.NoteInput{Comment: "Note to self."})
		wantCode(t, err, apperr.Invalid, "application.err.not_now")
	})
}

// The outbox is in the transaction: when it fails, the transition does not
// happen.
func TestOutboxFailureRollsBackTheTransition(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.student, application.Nominated)
		w.out.fail = true
		_, err := w.do(application.HostAccept, w.office, a)
		wantCode(t, err, apperr.Internal, "")
		if got := w.reload(a); got.Status != application.Nominated || w.taken(w.p1) != 0 || len(w.events(a.ID)) != len(path[application.Nominated]) {
			t.Errorf("after a failed outbox: %s, %d taken", got.Status, w.taken(w.p1))
		}
		w.out.fail = false
		nobox := application.NewService(d, application.Options{Now: w.clock.Now})
		_, err = nobox.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 1, Decision: application.HostDecisionAccepted})
		w.must(err, "without an outbox")
	})
}

// The wallet's scope: a reviewer in scope and the office may open what is
// attached to a submitted application; nobody else, and never a draft's.
func TestDocumentScope(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.student, application.Submitted)
		detail, err := w.s.Get(w.ctx, w.office, a.ID)
		w.must(err, "get")
		var doc document.Document
		w.must(d.Take(&doc, detail.Documents[0]).Error, "document")
		draft := w.draft(w.other)
		cv := w.doc(w.other, "cv", 0)
		w.must(w.s.AttachDocument(w.ctx, w.other, draft.ID, cv.ID), "attach to draft")
		for _, c := range []struct {
			u    *user.User
			doc  *document.Document
			want bool
		}{
			{w.reviewer, &doc, true}, {w.office, &doc, true}, {w.admin, &doc, true},
			{w.outsider, &doc, false}, {w.other, &doc, false}, {w.nobody, &doc, false},
			{w.reviewer, cv, false}, {w.office, cv, false},
		} {
			ok, err := w.s.DocumentScope(w.ctx, d.DB, c.u, c.doc)
			if err != nil || ok != c.want {
				t.Errorf("%s opens %s: %v, %v; want %v", c.u.Name, c.doc.Type, ok, err, c.want)
			}
		}
	})
}
