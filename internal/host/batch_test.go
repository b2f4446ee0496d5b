package host_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/host"
	"portal/internal/testutil"
	"portal/internal/user"
)

// round makes a published selection round whose outcomes are apps.
func (w *world) round(apps ...*application.Application) int64 {
	w.t.Helper()
	var round, run int64
	w.must(w.d.Raw(`INSERT INTO selection_rounds (name, term, deadline, state, seed, created_by, created_at, updated_at)
		VALUES ('2027 spring', '2027S', ?, 'published', 1, ?, ?, ?) RETURNING id`, start, w.office.ID, start, start).Scan(&round).Error, "round")
	w.must(w.d.Raw(`INSERT INTO selection_dry_runs (round_id, seq, seed, rubric, result, applicants, placed, created_by, created_at)
		VALUES (?, 1, 1, '{}', '{}', 0, 0, ?, ?) RETURNING id`, round, w.office.ID, start).Scan(&run).Error, "run")
	for _, a := range apps {
		w.must(w.d.Exec(`INSERT INTO selection_outcomes (round_id, application_id, dry_run_id, outcome, score_centi, explanation, nominated_at)
			VALUES (?, ?, ?, 'placed', 0, '[]', ?)`, round, a.ID, run, start).Error, "outcome")
	}
	return round
}

// nominee is a new student's application, nominated.
func (w *world) nominee(name string) *application.Application {
	w.t.Helper()
	w.student = w.person(name, user.Student)
	a, _ := w.nominated()
	return a
}

func (w *world) lastBatchToken(address string) string {
	w.t.Helper()
	var row struct{ Link, Lang, Kind string }
	w.must(w.d.Table("outbox").Select("link, lang, kind").Where("recipient_email = ? AND kind = ?", address, "host_batch").
		Order("id DESC").Take(&row).Error, "batch mail")
	tok, ok := strings.CutPrefix(row.Link, "/dossier/batch/")
	if !ok || row.Lang != "ja" {
		w.t.Fatalf("batch mail links to %q in %q", row.Link, row.Lang)
	}
	return tok
}

func (w *world) version(id int64) int {
	var a application.Application
	w.must(w.d.Take(&a, id).Error, "reload")
	return a.Version
}

func TestTheHostAnswersEveryNomineeOfARoundThroughOneBatchLink(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		w := newWorld(t, d)
		a, b, c := w.nominee("Lin A"), w.nominee("Wu B"), w.nominee("Hsu C")
		outside := w.nominee("Tsai D") // nominated, but not in the round
		round := w.round(a, b, c)
		in := host.BatchInput{RoundID: round, InstitutionID: w.inst.ID}

		if _, err := w.h.IssueBatch(w.ctx, w.reviewer, in, audit.Meta{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a reviewer sends a batch: %v", err)
		}
		sent, err := w.h.IssueBatch(w.ctx, w.office, in, audit.Meta{})
		w.must(err, "issue")
		if sent.Nominees != 3 {
			t.Fatalf("the batch holds %d nominees, want the round's 3", sent.Nominees)
		}
		tok := w.lastBatchToken("sato@kumamoto.example")
		bt, err := w.h.OpenBatch(w.ctx, tok)
		w.must(err, "open")
		if bt.Pending != 3 || len(bt.Nominees) != 3 || bt.Contact != "Dr. Sato" || bt.Institution != "Kumamoto University" {
			t.Fatalf("batch %+v", bt)
		}

		// Each answer is its own move by the Host party, named after the contact.
		got, err := w.h.AnswerBatch(w.ctx, tok, a.ID, host.AnswerInput{Version: w.version(a.ID), Decision: application.HostDecisionAccepted, Comment: "Bring a white coat."})
		w.must(err, "accept a")
		if got.Status != application.HostAccepted {
			t.Fatalf("a is %s", got.Status)
		}
		var e application.Event
		w.must(w.d.Where("application_id = ?", a.ID).Order("id DESC").Take(&e).Error, "event")
		if e.Role != application.Host || e.Via != "Dr. Sato" || e.ActorID != nil || e.Comment != "Bring a white coat." {
			t.Fatalf("a's event %+v", e)
		}
		// Once per decision: again through the batch, or through a's own link.
		before := w.version(a.ID)
		_, err = w.h.AnswerBatch(w.ctx, tok, a.ID, host.AnswerInput{Version: before, Decision: application.HostDecisionRejected, Comment: "changed our mind"})
		refusedWith(t, err, host.ErrUsed)
		if w.version(a.ID) != before || w.stage(a.ID) != application.HostAccepted {
			t.Fatal("a second answer changed a")
		}

		// A rejection needs a reason; without one nothing changes.
		_, err = w.h.AnswerBatch(w.ctx, tok, b.ID, host.AnswerInput{Version: w.version(b.ID), Decision: application.HostDecisionRejected})
		if apperr.CodeOf(err) != apperr.Invalid || w.stage(b.ID) != application.Nominated {
			t.Fatalf("a rejection without a reason: %v, %s", err, w.stage(b.ID))
		}
		_, err = w.h.AnswerBatch(w.ctx, tok, b.ID, host.AnswerInput{Version: w.version(b.ID), Decision: application.HostDecisionWaitlisted})
		w.must(err, "waitlist b")
		if w.stage(b.ID) != application.Waitlisted {
			t.Fatalf("b is %s", w.stage(b.ID))
		}

		// Someone not on the batch is not found; a nominee who withdrew is stale.
		_, err = w.h.AnswerBatch(w.ctx, tok, outside.ID, host.AnswerInput{Version: w.version(outside.ID), Decision: application.HostDecisionAccepted})
		if apperr.CodeOf(err) != apperr.NotFound || w.stage(outside.ID) != application.Nominated {
			t.Fatalf("a nominee outside the batch: %v", err)
		}
		var cs user.User
		w.must(w.d.Take(&cs, c.ApplicantID).Error, "c's student")
		cs.Roles = []user.Role{user.Student}
		_, err = w.apps.Withdraw(w.ctx, &cs, c.ID, application.AnswerInput{Version: w.version(c.ID)})
		w.must(err, "withdraw c")
		_, err = w.h.AnswerBatch(w.ctx, tok, c.ID, host.AnswerInput{Version: w.version(c.ID), Decision: application.HostDecisionAccepted})
		refusedWith(t, err, host.ErrStale)
		bt, err = w.h.OpenBatch(w.ctx, tok)
		w.must(err, "reopen")
		states := []string{}
		for _, n := range bt.Nominees {
			states = append(states, n.State)
		}
		if strings.Join(states, ",") != "answered,answered,moved" || bt.Pending != 0 {
			t.Fatalf("states %v, pending %d", states, bt.Pending)
		}
		if n := w.count("SELECT COUNT(*) FROM audit_events WHERE action = 'host.batch_issue'"); n != 1 {
			t.Errorf("%d batch audits", n)
		}

		t.Run("a revoked or expired batch answers nothing", func(t *testing.T) {
			e1, e2 := w.nominee("Kao E"), w.nominee("Chou F")
			r2 := w.round(e1, e2)
			sent, err := w.h.IssueBatch(w.ctx, w.office, host.BatchInput{RoundID: r2, InstitutionID: w.inst.ID}, audit.Meta{})
			w.must(err, "issue 2")
			tok := w.lastBatchToken("sato@kumamoto.example")
			w.must(w.h.RevokeBatch(w.ctx, w.office, sent.Link.ID, audit.Meta{}), "revoke")
			_, err = w.h.OpenBatch(w.ctx, tok)
			refusedWith(t, err, host.ErrRevoked)
			_, err = w.h.AnswerBatch(w.ctx, tok, e1.ID, host.AnswerInput{Version: w.version(e1.ID), Decision: application.HostDecisionAccepted})
			refusedWith(t, err, host.ErrRevoked)

			_, err = w.h.IssueBatch(w.ctx, w.office, host.BatchInput{RoundID: r2, InstitutionID: w.inst.ID}, audit.Meta{})
			w.must(err, "issue 3")
			tok = w.lastBatchToken("sato@kumamoto.example")
			w.clock.Advance(31 * 24 * time.Hour)
			_, err = w.h.AnswerBatch(w.ctx, tok, e2.ID, host.AnswerInput{Version: w.version(e2.ID), Decision: application.HostDecisionAccepted})
			refusedWith(t, err, host.ErrExpired)
			if w.stage(e1.ID) != application.Nominated || w.stage(e2.ID) != application.Nominated {
				t.Fatal("a dead batch link changed a nominee")
			}
			w.clock.Advance(-31 * 24 * time.Hour)
		})

		t.Run("the host downloads what a pending nominee shared, and nothing once answered", func(t *testing.T) {
			w.student = w.person("Lee H", user.Student)
			shared := w.doc("transcript", "transcript.pdf", "application/pdf", samplePDF(t, 1))
			hn, _ := w.nominated(shared)
			_, err := w.h.IssueBatch(w.ctx, w.office, host.BatchInput{RoundID: w.round(hn), InstitutionID: w.inst.ID}, audit.Meta{})
			w.must(err, "issue 5")
			tok := w.lastBatchToken("sato@kumamoto.example")
			ds, err := w.h.BatchDossier(w.ctx, tok, hn.ID)
			w.must(err, "batch dossier")
			doc, r, err := w.h.Document(w.ctx, ds, shared.ID)
			w.must(err, "download")
			r.Close()
			if doc.ID != shared.ID || w.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND action = 'document.opened'", w.student.ID) != 1 {
				t.Fatal("the download is not the shared transcript, or is not in the student's disclosure log")
			}
			_, err = w.h.AnswerBatch(w.ctx, tok, hn.ID, host.AnswerInput{Version: w.version(hn.ID), Decision: application.HostDecisionAccepted})
			w.must(err, "accept h")
			_, err = w.h.BatchDossier(w.ctx, tok, hn.ID)
			refusedWith(t, err, host.ErrUsed)
		})

		t.Run("two answers at once on one nominee: one wins", func(t *testing.T) {
			g := w.nominee("Yeh G")
			r3 := w.round(g)
			_, err := w.h.IssueBatch(w.ctx, w.office, host.BatchInput{RoundID: r3, InstitutionID: w.inst.ID}, audit.Meta{})
			w.must(err, "issue 4")
			tok := w.lastBatchToken("sato@kumamoto.example")
			v := w.version(g.ID)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = w.h.AnswerBatch(w.ctx, tok, g.ID, host.AnswerInput{Version: v, Decision: application.HostDecisionAccepted})
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if code := apperr.CodeOf(err); code != apperr.Conflict {
					t.Errorf("a losing answer: %v", err)
				}
			}
			if ok != 1 || w.count("SELECT COUNT(*) FROM review_events WHERE application_id = ? AND role = 'host'", g.ID) != 1 {
				t.Fatalf("%d answers won", ok)
			}
		})
	})
}

func (w *world) count(q string, args ...any) int64 {
	var n int64
	w.must(w.d.Raw(q, args...).Scan(&n).Error, q)
	return n
}
