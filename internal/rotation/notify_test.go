package rotation_test

import (
	"encoding/json"
	"testing"

	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
)

// outboxRow is a mail waiting in the outbox, as the tests read it.
type outboxRow struct {
	Kind, Link, Data string
	RecipientUserID  int64
}

func (w *world) outbox(kind string) []outboxRow {
	w.t.Helper()
	var rows []outboxRow
	w.must(w.d.Raw("SELECT kind, link, data, recipient_user_id FROM outbox WHERE kind = ? ORDER BY id", kind).Scan(&rows).Error, "read the outbox")
	return rows
}

// The applicant hears of a return and of a rejection by mail, with the
// reviewer's words and a link to the request, in the transaction of the
// change: a refused return (no message) mails nothing.
func TestApplicantIsToldOfReturnAndRejection(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.submitted(w.applicant, choice(w.im.ID, 6, 2), choice(w.surg.ID, 8, 2))
		if _, err := w.s.ReturnForChanges(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version}); err == nil {
			t.Fatal("a return without a message was accepted")
		}
		if n := len(w.outbox("incoming_returned")); n != 0 {
			t.Fatalf("%d mails for a refused return", n)
		}
		r, err := w.s.ReturnForChanges(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version, Comment: "Please attach your dean's nomination letter."})
		w.must(err, "return")
		check := func(kind, comment string) {
			t.Helper()
			rows := w.outbox(kind)
			if len(rows) != 1 {
				t.Fatalf("%d %s mails, want 1", len(rows), kind)
			}
			var data map[string]any
			w.must(json.Unmarshal([]byte(rows[0].Data), &data), "data")
			if rows[0].RecipientUserID != w.applicant.ID || rows[0].Link != rotation.Link(r.ID) ||
				data["ref"] != rotation.Ref(r.ID) || data["department"] != "Internal Medicine 內科部" || data["comment"] != comment {
				t.Errorf("%s mail: %+v", kind, rows[0])
			}
		}
		check("incoming_returned", "Please attach your dean's nomination letter.")

		r, err = w.s.Submit(w.ctx, w.applicant, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
		w.must(err, "resubmit")
		r, err = w.s.Reject(w.ctx, w.coord, r.ID, rotation.ReviewInput{Version: r.Version, Comment: "Our wards are full in these weeks."})
		w.must(err, "reject")
		check("incoming_rejected", "Our wards are full in these weeks.")
		if n := len(w.outbox("incoming_returned")); n != 1 {
			t.Errorf("%d return mails after the rejection, want still 1", n)
		}
	})
}
