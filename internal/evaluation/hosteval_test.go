package evaluation_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/evaluation"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
)

// hostContact gives the ward's institution a host contact reading lang.
func (w *world) hostContact(email, lang string) {
	w.t.Helper()
	w.must(w.d.Exec("INSERT INTO host_contacts (institution_id, name, email, lang, created_at) VALUES (?, ?, ?, ?, ?)",
		w.ward.InstitutionID, "Dr Tanaka", email, lang, start).Error, "host contact")
}

// supervisorToken is the token of the newest supervisor mail to address,
// with the mail's kind and language.
func (w *world) supervisorToken(address string) (tok, kind, lang string) {
	w.t.Helper()
	var row struct{ Link, Lang, Kind string }
	w.must(w.d.Table("outbox").Select("link, lang, kind").Where("recipient_email = ?", address).Order("id DESC").Take(&row).Error, "supervisor mail")
	tok, ok := strings.CutPrefix(row.Link, "/evaluate/")
	if !ok {
		w.t.Fatalf("the supervisor's mail links to %q", row.Link)
	}
	return tok, row.Kind, row.Lang
}

func answers() evaluation.HostEvaluationInput {
	return evaluation.HostEvaluationInput{SupervisorName: "Dr Tanaka", DaysPresent: "19", DaysExpected: "20", Grade: "high_pass",
		Comments: "Thorough histories; presented well on rounds.",
		Ratings:  map[string]string{"medical_knowledge": "4", "clinical_skills": "4", "professionalism": "5", "communication": "4", "initiative": "3"}}
}

func taipei(t *testing.T) clock.Zone {
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

var meta = audit.Meta{IP: "127.0.0.1", UserAgent: "test"}

// The supervisor's link: sent by the job after the last day in the
// contact's language, answered once; a refused answer changes nothing; the
// spent, revoked, expired and unknown links each get their own refusal;
// one reminder after seven days, never two.
func TestTheHostSupervisorEvaluatesOnceThroughTheLinkWhileItHolds(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.hostContact("tanaka@kumamoto.test", "ja")
		st := w.person("Student", user.Student)
		running := w.placed(st, -30) // ends in a month: nobody is asked yet
		over := w.placed(w.person("Other", user.Student), 1)
		n, err := w.s.AskHosts(w.ctx)
		w.must(err, "ask hosts")
		if n != 1 || w.count("SELECT COUNT(*) FROM host_evaluation_links WHERE application_id = ?", running) != 0 {
			t.Fatalf("the job sent %d links, %d for a placement not over", n, w.count("SELECT COUNT(*) FROM host_evaluation_links WHERE application_id = ?", running))
		}
		tok, kind, lang := w.supervisorToken("tanaka@kumamoto.test")
		if kind != "host_evaluation_request" || lang != "ja" {
			t.Errorf("the supervisor got %s in %q, want host_evaluation_request in ja", kind, lang)
		}
		if n, _ := w.s.AskHosts(w.ctx); n != 0 {
			t.Errorf("a second run sent %d more", n)
		}
		form, err := w.s.HostForm(w.ctx, tok)
		w.must(err, "open the form")
		if form.Student != "Other" || form.Elective != "Liver clinic" {
			t.Errorf("the form is about %q at %q", form.Student, form.Elective)
		}

		bad := answers()
		bad.DaysPresent, bad.Ratings["initiative"], bad.Grade = "21", "6", "A+"
		err = w.s.EvaluateAsHost(w.ctx, tok, bad)
		fields := apperr.FieldsOf(err)
		for _, f := range []string{"days_present", "initiative", "grade"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("refusal %v does not name %s", err, f)
			}
		}
		if w.count("SELECT COUNT(*) FROM host_evaluations") != 0 {
			t.Fatal("a refused answer was stored")
		}

		// One reminder, seven days on, with a new link; the first still works.
		w.clock.Advance(8 * 24 * time.Hour)
		n, err = w.s.AskHosts(w.ctx)
		w.must(err, "remind")
		tok2, kind, _ := w.supervisorToken("tanaka@kumamoto.test")
		if n != 1 || kind != "host_evaluation_reminder" || tok2 == tok {
			t.Fatalf("the reminder run sent %d (%s)", n, kind)
		}
		w.clock.Advance(8 * 24 * time.Hour)
		if n, _ := w.s.AskHosts(w.ctx); n != 0 {
			t.Errorf("a second reminder: %d mails", n)
		}

		w.must(w.s.EvaluateAsHost(w.ctx, tok, answers()), "evaluate")
		if got := w.count("SELECT days_present FROM host_evaluations WHERE application_id = ? AND source = 'link'", over); got != 19 {
			t.Errorf("days present stored %d, want 19", got)
		}
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tok, answers()), apperr.Conflict, evaluation.ErrLinkUsed)
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tok2, answers()), apperr.Conflict, evaluation.ErrLinkUsed)
		_, err = w.s.HostForm(w.ctx, tok2)
		wantCode(t, err, apperr.Conflict, evaluation.ErrLinkUsed)
		_, err = w.s.HostForm(w.ctx, "not-a-token")
		wantCode(t, err, apperr.NotFound, evaluation.ErrLinkUnknown)
		wantCode(t, w.s.RequestHostEvaluation(w.ctx, w.office, over, evaluation.SupervisorInput{}, meta), apperr.Invalid, "hosteval.err.done")

		// The office asks for the running placement: revoked, then expired.
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, running, evaluation.SupervisorInput{Name: "Dr Mori", Email: "mori@kumamoto.test", Lang: "en"}, meta), "request")
		tok3, _, lang := w.supervisorToken("mori@kumamoto.test")
		if lang != "en" {
			t.Errorf("the supervisor the office named got the mail in %q", lang)
		}
		if n, err := w.s.RevokeHostLinks(w.ctx, w.office, running, meta); err != nil || n != 1 {
			t.Fatalf("revoked %d links: %v", n, err)
		}
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tok3, answers()), apperr.Conflict, evaluation.ErrLinkRevoked)
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, running, evaluation.SupervisorInput{Name: "Dr Mori", Email: "mori@kumamoto.test", Lang: "en"}, meta), "request again")
		tok4, _, _ := w.supervisorToken("mori@kumamoto.test")
		w.clock.Advance((evaluation.HostLinkDays + 1) * 24 * time.Hour)
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tok4, answers()), apperr.Conflict, evaluation.ErrLinkExpired)
		if w.count("SELECT COUNT(*) FROM host_evaluations WHERE application_id = ?", running) != 0 {
			t.Error("a dead link stored an evaluation")
		}

		// Only the office asks, revokes and reads.
		wantCode(t, w.s.RequestHostEvaluation(w.ctx, st, running, evaluation.SupervisorInput{}, meta), apperr.Forbidden, "")
		_, err = w.s.HostStatusOf(w.ctx, st, over)
		wantCode(t, err, apperr.Forbidden, "")
		hs, err := w.s.HostStatusOf(w.ctx, w.office, over)
		w.must(err, "status")
		if hs.Evaluation == nil || hs.Evaluation.Grade != "high_pass" || len(hs.Links) != 2 {
			t.Errorf("the office sees %+v", hs)
		}
	})
}

// A link answers for its own placement only: evaluating through the link
// of one placement never writes another's, and a withdrawn placement's link
// no longer answers.
func TestASupervisorLinkAnswersForItsOwnPlacementOnly(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.placed(w.person("A", user.Student), 2)
		b := w.placed(w.person("B", user.Student), 2)
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, a, evaluation.SupervisorInput{Name: "Dr A", Email: "a@host.test", Lang: "en"}, meta), "request a")
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, b, evaluation.SupervisorInput{Name: "Dr B", Email: "b@host.test", Lang: "zh-Hant"}, meta), "request b")
		tokA, _, _ := w.supervisorToken("a@host.test")
		tokB, _, _ := w.supervisorToken("b@host.test")
		w.must(w.s.EvaluateAsHost(w.ctx, tokA, answers()), "evaluate a")
		if w.count("SELECT COUNT(*) FROM host_evaluations WHERE application_id = ?", b) != 0 {
			t.Fatal("A's link evaluated B")
		}
		w.must(w.d.Exec("UPDATE applications SET status = 'withdrawn' WHERE id = ?", b).Error, "withdraw b")
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tokB, answers()), apperr.Conflict, evaluation.ErrLinkStale)
		// Without a host contact, asking "the host" is refused with a reason.
		c := w.placed(w.person("C", user.Student), 2)
		wantCode(t, w.s.RequestHostEvaluation(w.ctx, w.office, c, evaluation.SupervisorInput{}, meta), apperr.Invalid, "hosteval.err.no_contact")
		err := w.s.RequestHostEvaluation(w.ctx, w.office, c, evaluation.SupervisorInput{Name: "Dr C", Email: "not an address", Lang: "fr"}, meta)
		if f := apperr.FieldsOf(err); f == nil || f["supervisor_email"].Key == "" || f["supervisor_lang"].Key == "" {
			t.Errorf("a bad supervisor is refused with %v", err)
		}
	})
}

// The office's paper form: the figures and the file are required, stored
// once with the file, the open links then stop answering, and the file
// reads back for the office only.
func TestTheOfficeRecordsAPaperFormOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		files, err := storage.Open(w.ctx, t.TempDir())
		w.must(err, "storage")
		w.s = evaluation.NewService(d, evaluation.Options{Now: w.clock.Now, Zone: taipei(t), Files: files})
		st := w.person("Student", user.Student)
		id := w.placed(st, 5)
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, id, evaluation.SupervisorInput{Name: "Dr A", Email: "a@host.test", Lang: "en"}, meta), "request")
		tok, _, _ := w.supervisorToken("a@host.test")
		obj, err := files.Put(w.ctx, bytes.NewReader([]byte("%PDF-1.4 paper form")))
		w.must(err, "put")
		paper := &evaluation.Paper{Key: obj.Key, Name: "form.pdf", MediaType: "application/pdf", Size: obj.Size}

		err = w.s.RecordPaper(w.ctx, w.office, id, answers(), nil, meta)
		if _, ok := apperr.FieldsOf(err)["paper"]; !ok {
			t.Fatalf("a paper form without its file: %v", err)
		}
		bad := answers()
		bad.DaysExpected = ""
		if _, ok := apperr.FieldsOf(w.s.RecordPaper(w.ctx, w.office, id, bad, paper, meta))["days_expected"]; !ok {
			t.Fatal("a paper form without the expected days is not refused on that field")
		}
		wantCode(t, w.s.RecordPaper(w.ctx, st, id, answers(), paper, meta), apperr.Forbidden, "")
		w.must(w.s.RecordPaper(w.ctx, w.office, id, answers(), paper, meta), "paper")
		wantCode(t, w.s.RecordPaper(w.ctx, w.office, id, answers(), paper, meta), apperr.Invalid, "hosteval.err.done")
		wantCode(t, w.s.EvaluateAsHost(w.ctx, tok, answers()), apperr.Conflict, evaluation.ErrLinkRevoked)

		e, rc, err := w.s.PaperOf(w.ctx, w.office, id, meta)
		w.must(err, "open paper")
		body, _ := io.ReadAll(rc)
		rc.Close()
		if e.Source != evaluation.SourcePaper || string(body) != "%PDF-1.4 paper form" {
			t.Errorf("the paper reads back as %s %q", e.Source, body)
		}
		_, _, err = w.s.PaperOf(w.ctx, st, id, meta)
		wantCode(t, err, apperr.Forbidden, "")
		if w.count("SELECT COUNT(*) FROM audit_events WHERE action = 'evaluation.paper_viewed'") != 1 {
			t.Error("the paper's opening is not audited")
		}
	})
}

// Two answers at once through two links of one placement, and the
// office's paper form besides: exactly one evaluation is stored.
func TestAnswersAtOnceStoreOneHostEvaluation(t *testing.T) {
	w := newWorld(t, testutil.OpenDB(t, testutil.Postgres))
	id := w.placed(w.person("Student", user.Student), 2)
	var toks []string
	for i := range 3 {
		addr := string(rune('a'+i)) + "@host.test"
		w.must(w.s.RequestHostEvaluation(w.ctx, w.office, id, evaluation.SupervisorInput{Name: "Dr", Email: addr, Lang: "en"}, meta), "request")
		tok, _, _ := w.supervisorToken(addr)
		toks = append(toks, tok, tok)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(toks))
	for i, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.s.EvaluateAsHost(w.ctx, tok, answers())
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a losing answer failed with %v", err)
		}
	}
	if ok != 1 || w.count("SELECT COUNT(*) FROM host_evaluations WHERE application_id = ?", id) != 1 {
		t.Fatalf("%d answers succeeded (%v)", ok, errs)
	}
}
