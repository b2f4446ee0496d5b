package host_test

import (
	"strings"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/host"
	"portal/internal/testutil"
)

// A week after a batch link, its contact is sent, once, a new link for the
// nominees still waiting; the answered ones are not on it, and an answer
// through either link spends the nominee on both.
func TestABatchsContactIsRemindedOnceOfTheNomineesStillWaiting(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		w := newWorld(t, d)
		a, b, c := w.nominee("Lin A"), w.nominee("Wu B"), w.nominee("Hsu C")
		round := w.round(a, b, c)
		_, err := w.h.IssueBatch(w.ctx, w.office, host.BatchInput{RoundID: round, InstitutionID: w.inst.ID}, audit.Meta{})
		w.must(err, "issue")
		first := w.lastBatchToken("sato@kumamoto.example")
		_, err = w.h.AnswerBatch(w.ctx, first, a.ID, host.AnswerInput{Version: w.version(a.ID), Decision: application.HostDecisionAccepted})
		w.must(err, "accept a")

		w.clock.Advance(6 * 24 * time.Hour)
		if n, err := w.h.RemindBatches(w.ctx); err != nil || n != 0 {
			t.Fatalf("six days on: %d reminders (%v), want none yet", n, err)
		}
		w.clock.Advance(24 * time.Hour)
		if n, err := w.h.RemindBatches(w.ctx); err != nil || n != 1 {
			t.Fatalf("a week on: %d reminders (%v), want 1", n, err)
		}
		if n, err := w.h.RemindBatches(w.ctx); err != nil || n != 0 {
			t.Fatalf("again: %d reminders (%v), want none", n, err)
		}
		var mail struct{ Link, Lang, Data string }
		w.must(w.d.Table("outbox").Select("link, lang, data").Where("recipient_email = ? AND kind = ?", "sato@kumamoto.example", "host_batch_reminder").
			Take(&mail).Error, "reminder mail")
		if mail.Lang != "ja" || !strings.Contains(mail.Data, `"count":2`) {
			t.Fatalf("reminder %+v, want one in the contact's Japanese naming the 2 still waiting", mail)
		}
		second, ok := strings.CutPrefix(mail.Link, "/dossier/batch/")
		if !ok || second == first {
			t.Fatalf("the reminder links to %q", mail.Link)
		}
		bt, err := w.h.OpenBatch(w.ctx, second)
		w.must(err, "open the reminder's batch")
		if bt.Pending != 2 || len(bt.Nominees) != 2 {
			t.Fatalf("the reminder's batch: %d pending of %d, want b and c", bt.Pending, len(bt.Nominees))
		}

		// b is answered through the new link: the first one sees it answered.
		_, err = w.h.AnswerBatch(w.ctx, second, b.ID, host.AnswerInput{Version: w.version(b.ID), Decision: application.HostDecisionWaitlisted})
		w.must(err, "waitlist b")
		old, err := w.h.OpenBatch(w.ctx, first)
		w.must(err, "open the first batch")
		if old.Pending != 1 {
			t.Fatalf("the first link shows %d pending, want only c", old.Pending)
		}
		_, err = w.h.AnswerBatch(w.ctx, first, b.ID, host.AnswerInput{Version: w.version(b.ID), Decision: application.HostDecisionAccepted})
		if err == nil || w.stage(b.ID) != application.Waitlisted {
			t.Fatalf("b answered twice: %v, %s", err, w.stage(b.ID))
		}

		// The reminder's own batch is not reminded again, a week later.
		w.clock.Advance(8 * 24 * time.Hour)
		if n, err := w.h.RemindBatches(w.ctx); err != nil || n != 0 {
			t.Fatalf("a second reminder: %d (%v)", n, err)
		}
	})
}
