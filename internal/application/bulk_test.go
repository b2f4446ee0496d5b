package application_test

import (
	"fmt"
	"testing"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

func item(a *application.Application) application.BulkItem {
	return application.BulkItem{ID: a.ID, Version: a.Version, Rank: a.CurrentChoice}
}

// A bulk nomination with one stale version nominates the others and
// reports the stale one with "changed", leaving it as it was; a full
// period refuses its application alone.
func TestBulkNominateReportsEachRefusal(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.OfficeReview, start)
		b := w.queueAt(application.OfficeReview, start)
		stale := w.queueAt(application.OfficeReview, start)
		full := w.queueAt(application.OfficeReview, start, w.p3)
		seen := item(stale)
		_, err := w.s.AddNote(w.ctx, w.office, stale.ID, application.NoteInput{Comment: "a note changes no version"})
		w.must(err, "note")
		_, err = w.s.ReturnForChanges(w.ctx, w.office, stale.ID, application.ReviewInput{Version: stale.Version, Comment: "Add a CV."})
		w.must(err, "return")
		w.must(d.Exec("UPDATE periods SET taken = capacity WHERE id = ?", w.p3.ID).Error, "fill period")

		res, err := w.s.BulkNominate(w.ctx, w.office, []application.BulkItem{item(a), seen, item(b), item(full), item(a)}, "")
		w.must(err, "bulk nominate")
		if len(res.Done) != 2 || res.Done[0] != a.ID || res.Done[1] != b.ID {
			t.Errorf("done %v, want %d and %d once each", res.Done, a.ID, b.ID)
		}
		if len(res.Refused) != 2 {
			t.Fatalf("refused %v", res.Refused)
		}
		wantCode(t, res.Refused[0].Err, apperr.Conflict, "application.changed.return")
		wantCode(t, res.Refused[1].Err, apperr.Conflict, "application.err.period_full")
		for _, c := range []struct {
			a    *application.Application
			want application.Stage
		}{{a, application.Nominated}, {b, application.Nominated}, {stale, application.Returned}, {full, application.OfficeReview}} {
			if got := w.reload(c.a); got.Status != c.want {
				t.Errorf("application %d at %s, want %s", c.a.ID, got.Status, c.want)
			}
		}
		if n := len(w.choices(full.ID)); n == 0 || w.choices(full.ID)[0].QuotaAgreementID != nil || w.choices(full.ID)[0].NominatedAt != nil {
			t.Errorf("the refused nomination left its choice changed: %+v", w.choices(full.ID))
		}
	})
}

// Host decisions in bulk: each on its application's current choice; a
// decision on an application not nominated is refused alone.
func TestBulkHostDecision(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.Nominated, start)
		b := w.queueAt(application.Nominated, start)
		early := w.queueAt(application.OfficeReview, start)
		res, err := w.s.BulkHostDecision(w.ctx, w.office, []application.BulkItem{item(a), item(early), item(b)}, application.HostDecisionAccepted, "")
		w.must(err, "bulk decision")
		if len(res.Done) != 2 || len(res.Refused) != 1 || res.Refused[0].ID != early.ID {
			t.Fatalf("done %v refused %v", res.Done, res.Refused)
		}
		if w.reload(a).Status != application.HostAccepted || w.reload(b).Status != application.HostAccepted || w.taken(w.p1) != 2 {
			t.Errorf("two acceptances hold %d seats", w.taken(w.p1))
		}
		_, err = w.s.BulkHostDecision(w.ctx, w.office, []application.BulkItem{item(early)}, "maybe", "")
		wantField(t, err, "decision", "form.not_a_choice")
	})
}

// Bulk actions and exports belong to the office: reviewers and students
// are refused and nothing changes; an empty selection is bad input.
func TestBulkIsTheOfficesOnly(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.OfficeReview, start)
		for _, u := range []*user.User{w.reviewer, w.student, nil} {
			_, err := w.s.BulkNominate(w.ctx, u, []application.BulkItem{item(a)}, "")
			wantCode(t, err, apperr.Forbidden, "")
			_, err = w.s.BulkHostDecision(w.ctx, u, []application.BulkItem{item(a)}, application.HostDecisionRejected, "")
			wantCode(t, err, apperr.Forbidden, "")
			_, err = w.s.Selection(w.ctx, u, []int64{a.ID})
			wantCode(t, err, apperr.Forbidden, "")
		}
		if got := w.reload(a); got.Status != application.OfficeReview || got.Version != a.Version {
			t.Errorf("refused bulk actions changed the application: %s v%d", got.Status, got.Version)
		}
		_, err := w.s.BulkNominate(w.ctx, w.office, nil, "")
		wantField(t, err, "ids", "review.err.none_selected")
	})
}

// The export holds the selected rows the office may see, a spreadsheet
// formula in a name comes out as text, and CSV and workbook agree.
func TestExportSelection(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.OfficeReview, start)
		w.must(d.Exec("UPDATE users SET name = ? WHERE id = ?", "=cmd|' /C calc'!A0", a.ApplicantID).Error, "evil name")
		b := w.queueAt(application.Submitted, start.Add(1))
		draft := w.queueAt(application.Draft, start)
		unselected := w.queueAt(application.Submitted, start)

		rows, err := w.s.Selection(w.ctx, w.office, []int64{b.ID, a.ID, draft.ID, a.ID})
		w.must(err, "selection")
		if len(rows) != 2 || rows[0].ID != a.ID || rows[1].ID != b.ID {
			t.Fatalf("selection %+v, want %d then %d", rows, a.ID, b.ID)
		}
		_ = unselected

		// The export adds the applicant's e-mail and every choice.
		w.must(d.Exec("UPDATE users SET email = ? WHERE id = ?", "a@example.edu.tw", a.ApplicantID).Error, "email")
		ex, err := w.s.Export(w.ctx, w.office, []int64{b.ID, a.ID, draft.ID})
		w.must(err, "export")
		if len(ex) != 2 || ex[0].ID != a.ID || ex[0].Email != "a@example.edu.tw" || ex[0].ApplicantName != "=cmd|' /C calc'!A0" {
			t.Fatalf("export %+v", ex)
		}
		if len(ex[0].Choices) == 0 || ex[0].Choices[0].Rank != 1 || ex[0].Choices[0].InstitutionNameEN != "Kumamoto University" ||
			ex[0].Choices[0].InstitutionNameLocal != "熊本大学" {
			t.Errorf("export choices %+v", ex[0].Choices)
		}
	})
}

// A bulk host decision during which the database fails on one item (here
// a trigger standing in for a killed connection) still answers: the items
// before and after it are done, and the failed one is listed with the
// "try again" message, unchanged.
func TestBulkHostDecisionListsAFailedItem(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.queueAt(application.Nominated, start)
		broken := w.queueAt(application.Nominated, start)
		b := w.queueAt(application.Nominated, start)
		if d.Dialect == db.Postgres {
			w.must(d.Exec(`CREATE FUNCTION fail_once() RETURNS trigger AS $$ BEGIN
				IF NEW.id = `+fmt.Sprint(broken.ID)+` THEN RAISE EXCEPTION 'connection lost'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`).Error, "function")
			w.must(d.Exec(`CREATE TRIGGER fail_once BEFORE UPDATE ON applications FOR EACH ROW EXECUTE FUNCTION fail_once()`).Error, "trigger")
		} else {
			w.must(d.Exec(`CREATE TRIGGER fail_once BEFORE UPDATE ON applications WHEN NEW.id = `+fmt.Sprint(broken.ID)+
				` BEGIN SELECT RAISE(ABORT, 'connection lost'); END`).Error, "trigger")
		}
		res, err := w.s.BulkHostDecision(w.ctx, w.office, []application.BulkItem{item(a), item(broken), item(b)},
			application.HostDecisionAccepted, "")
		if err != nil {
			t.Fatalf("the batch failed as a whole: %v", err)
		}
		if len(res.Done) != 2 || res.Done[0] != a.ID || res.Done[1] != b.ID {
			t.Errorf("done %v, want %d and %d", res.Done, a.ID, b.ID)
		}
		if len(res.Refused) != 1 || res.Refused[0].ID != broken.ID {
			t.Fatalf("refused %v, want %d alone", res.Refused, broken.ID)
		}
		wantCode(t, res.Refused[0].Err, apperr.Internal, "error.internal")
		if got := w.reload(broken); got.Status != application.Nominated {
			t.Errorf("the failed item moved to %s", got.Status)
		}
	})
}
