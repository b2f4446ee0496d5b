package rotation_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// Bad choices are refused with a message on their slot, and nothing is
// written: weeks in the past, within the lead time, in a blackout, not
// published, full, too short or too long, not a Monday, duplicates.
func TestBadChoicesRefused(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, err := w.s.SetBlackout(w.ctx, w.coord, w.im.ID, rotation.BlackoutInput{RangeInput: rotation.RangeInput{From: monday(9), To: monday(9)}, Blackout: true})
		w.must(err, "blackout")
		w.publish(w.surg.ID, 7, 7, 0) // a full week
		for _, c := range []struct {
			name string
			in   rotation.ChoiceInput
			key  string
		}{
			{"past", rotation.ChoiceInput{DepartmentID: w.im.ID, StartsOn: "2026-11-16", Weeks: "2"}, "rotation.err.past"},
			{"lead time", choice(w.im.ID, 2, 2), "rotation.err.lead"},
			{"blackout", choice(w.im.ID, 8, 2), "rotation.err.blackout"},
			{"unpublished", choice(w.im.ID, 15, 2), "rotation.err.unpublished"},
			{"full block", choice(w.surg.ID, 6, 3), "rotation.err.week_full"},
			{"too short", choice(w.im.ID, 6, 1), "rotation.err.length"},
			{"too long", choice(w.im.ID, 4, 9), "rotation.err.length"},
			{"not a number", rotation.ChoiceInput{DepartmentID: w.im.ID, StartsOn: monday(6), Weeks: "2x"}, "rotation.err.length"},
			{"not a Monday", rotation.ChoiceInput{DepartmentID: w.im.ID, StartsOn: "2027-01-05", Weeks: "2"}, "rotation.err.start"},
			{"no department", rotation.ChoiceInput{DepartmentID: 9999, StartsOn: monday(6), Weeks: "2"}, "rotation.err.department"},
			{"incomplete", rotation.ChoiceInput{DepartmentID: w.im.ID, Weeks: "2"}, "rotation.err.choice_incomplete"},
		} {
			_, err := w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{c.in}})
			if f := apperr.FieldsOf(err); f["choice_1"].Key != c.key {
				t.Errorf("%s: %v (fields %v), want %s on choice_1", c.name, err, f, c.key)
			}
		}
		_, err = w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{choice(w.im.ID, 6, 2), choice(w.im.ID, 6, 3)}})
		if f := apperr.FieldsOf(err); f["choice_2"].Key != "rotation.err.duplicate_choice" {
			t.Errorf("duplicate: %v", f)
		}
		_, err = w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{choice(w.im.ID, 6, 2)}, Documents: w.docs(w.other)})
		if f := apperr.FieldsOf(err); f["documents"].Key != "rotation.err.document" {
			t.Errorf("someone else's documents: %v", f)
		}
		_, err = w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key()})
		if f := apperr.FieldsOf(err); f["choice_1"].Key != "rotation.err.no_choice" {
			t.Errorf("no choice: %v", f)
		}
		if _, err := w.s.CreateDraft(w.ctx, w.student, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{choice(w.im.ID, 6, 2)}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("an outgoing student started a rotation request: %v", err)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_requests"); n != 0 {
			t.Errorf("%d requests written by refused forms", n)
		}
	})
}

// Submit checks again: a week that filled up since the draft was saved,
// or missing documents, refuse the submission and leave the draft as is.
func TestSubmitChecksAgain(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.draft(w.applicant, choice(w.surg.ID, 6, 2))
		w.publish(w.surg.ID, 7, 7, 0)
		_, err := w.s.Submit(w.ctx, w.applicant, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
		if f := apperr.FieldsOf(err); f["choice_1"].Key != "rotation.err.week_full" {
			t.Errorf("full since saved: %v (%v)", err, f)
		}
		bare, err := w.s.CreateDraft(w.ctx, w.applicant, rotation.DraftInput{Key: key(), Choices: []rotation.ChoiceInput{choice(w.im.ID, 6, 2)}})
		w.must(err, "draft without documents")
		_, err = w.s.Submit(w.ctx, w.applicant, bare.ID, rotation.SubmitInput{Version: bare.Version, Key: key()})
		if f := apperr.FieldsOf(err); f["documents"].Key != "rotation.err.documents_missing" {
			t.Errorf("no documents: %v (%v)", err, f)
		}
		w.clock.Set(start.AddDate(0, 0, 30))
		late := w.draft(w.applicant, choice(w.im.ID, 10, 2))
		w.clock.Set(start.AddDate(0, 0, 60))
		_, err = w.s.Submit(w.ctx, w.applicant, late.ID, rotation.SubmitInput{Version: late.Version, Key: key()})
		if f := apperr.FieldsOf(err); f["choice_1"].Key != "rotation.err.lead" {
			t.Errorf("lead time passed since saved: %v (%v)", err, f)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_requests WHERE status <> 'draft'"); n != 0 {
			t.Errorf("%d requests submitted", n)
		}
	})
}

// A double click or a retried request: the same create key is one draft,
// the same submit key is one submission with one event.
func TestIdempotentCreateAndSubmit(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		k := key()
		in := rotation.DraftInput{Key: k, Choices: []rotation.ChoiceInput{choice(w.im.ID, 6, 2)}, Documents: w.docs(w.applicant)}
		a, err := w.s.CreateDraft(w.ctx, w.applicant, in)
		w.must(err, "create")
		b, err := w.s.CreateDraft(w.ctx, w.applicant, in)
		w.must(err, "create again")
		if a.ID != b.ID || w.count("SELECT COUNT(*) FROM rotation_requests") != 1 {
			t.Fatalf("two drafts for one key")
		}
		sk := key()
		s1, err := w.s.Submit(w.ctx, w.applicant, a.ID, rotation.SubmitInput{Version: a.Version, Key: sk})
		w.must(err, "submit")
		s2, err := w.s.Submit(w.ctx, w.applicant, a.ID, rotation.SubmitInput{Version: a.Version, Key: sk})
		w.must(err, "submit again with the same key")
		if s1.Version != s2.Version || s2.Status != rotation.Submitted {
			t.Errorf("replay: v%d %s, want v%d submitted", s2.Version, s2.Status, s1.Version)
		}
		if n := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", a.ID); n != 1 {
			t.Errorf("events %d, want 1", n)
		}
		if _, err := w.s.Submit(w.ctx, w.applicant, a.ID, rotation.SubmitInput{Version: a.Version, Key: key()}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a stale submit with another key: %v, want conflict", err)
		}
	})
}

// Returned for changes, the applicant edits and resubmits.
func TestReturnEditResubmit(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.at(rotation.Returned, w.applicant)
		r, err := w.s.SaveDraft(w.ctx, w.applicant, r.ID, rotation.DraftInput{Version: r.Version, Statement: "edited",
			Choices: []rotation.ChoiceInput{choice(w.surg.ID, 10, 4)}, Documents: w.docs(w.applicant)})
		w.must(err, "save returned")
		r, err = w.s.Submit(w.ctx, w.applicant, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
		w.must(err, "resubmit")
		if r.Status != rotation.Submitted {
			t.Fatalf("status %s", r.Status)
		}
		got, err := w.s.Get(w.ctx, w.outsider, r.ID)
		w.must(err, "surgery's coordinator now sees it")
		if len(got.Choices) != 1 || got.Choices[0].Weeks != 4 || got.Events[len(got.Events)-1].Action != rotation.Resubmit {
			t.Errorf("after resubmit: %+v", got.Choices)
		}
		if _, err := w.s.Get(w.ctx, w.coord, r.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("internal medicine's coordinator still sees a surgery-only request: %v", err)
		}
	})
}

// A coordinator edits only their departments; seats never go below what
// is taken; a week holding a rotation cannot be blacked out.
func TestCalendarEditing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		pub := func(u, n int, seats string) rotation.PublishInput {
			return rotation.PublishInput{RangeInput: rotation.RangeInput{From: monday(u), To: monday(n)}, Seats: seats}
		}
		if _, err := w.s.Publish(w.ctx, w.outsider, w.im.ID, pub(0, 3, "5")); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another department's coordinator published: %v", err)
		}
		if _, err := w.s.Calendar(w.ctx, w.outsider, w.im.ID, start, 4); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another department's coordinator saw the calendar: %v", err)
		}
		n, err := w.s.Publish(w.ctx, w.coord, w.im.ID, pub(16, 19, "4"))
		w.must(err, "publish four more weeks")
		if n != 4 {
			t.Errorf("published %d weeks", n)
		}
		r := w.at(rotation.Accepted, nil)
		var c rotation.Choice
		w.must(d.Where("request_id = ?", r.ID).Take(&c).Error, "choice")
		wk := int(c.StartsOn.Sub(w.monday0()).Hours() / 24 / 7)
		_, err = w.s.Publish(w.ctx, w.coord, w.im.ID, pub(wk, wk+1, "0"))
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("seats below taken: %v", err)
		}
		if w.count("SELECT seats FROM rotation_blocks WHERE department_id = ? AND taken = 1", w.im.ID) != 10 {
			t.Errorf("a refused publication changed seats")
		}
		_, err = w.s.SetBlackout(w.ctx, w.coord, w.im.ID, rotation.BlackoutInput{RangeInput: rotation.RangeInput{From: monday(wk), To: monday(wk)}, Blackout: true})
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("blackout over a taken week: %v", err)
		}
		for _, bad := range []rotation.PublishInput{pub(3, 1, "2"), pub(0, 60, "2"), pub(0, 1, "-1"), pub(0, 1, "x"),
			{RangeInput: rotation.RangeInput{From: "2026-10-05", To: "2026-10-12"}, Seats: "2"}} {
			if _, err := w.s.Publish(w.ctx, w.coord, w.im.ID, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("publish %+v: %v, want invalid", bad, err)
			}
		}
		if err := w.s.SetRules(w.ctx, w.coord, w.im.ID, rotation.RulesInput{MinWeeks: "4", MaxWeeks: "3", LeadDays: "10"}); apperr.FieldsOf(err)["max_weeks"].Key == "" {
			t.Errorf("max below min: %v", err)
		}
	})
}
