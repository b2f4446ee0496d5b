package host_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
)

var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// world is one partner with a contact, an elective, a student and the
// office, the workflow with the host's outbox, on a fresh database.
type world struct {
	t      testing.TB
	ctx    context.Context
	d      *db.DB
	clock  *testutil.Clock
	apps   *application.Service
	h      *host.Service
	files  storage.Storage
	period *catalog.Period
	inst   *catalog.Institution

	student, office, reviewer *user.User
}

func newWorld(t testing.TB, d *db.DB) *world {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start), files: files}
	w.apps = application.NewService(d, application.Options{Now: w.clock.Now,
		Outbox: host.Outbox{Host: func() *host.Service { return w.h }}})
	w.h = host.NewService(d, w.apps, files, host.Options{Now: w.clock.Now, LinkDays: 30, RemindDays: 7})
	cat := catalog.NewService(d, b, w.clock.Now)
	w.inst, err = cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	e, err := cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: w.inst.ID,
		Kind: "clinical_elective", TitleEN: "Hepatology clinical elective", Specialty: "internal_medicine", Language: "en",
		MinYear: "5", DurationWeeks: "4", OpensOn: day(-30), ClosesOn: day(30)})
	w.must(err, "elective")
	w.period, err = cat.AddPeriod(w.ctx, e.ID, catalog.PeriodInput{StartsOn: day(60), EndsOn: day(87), Capacity: "5"})
	w.must(err, "period")
	w.student = w.person("Chen Yi-chun", user.Student)
	w.office = w.person("Office", user.Office)
	w.reviewer = w.person("Reviewer", user.Reviewer)
	w.must(w.apps.GrantScope(w.ctx, w.reviewer.ID, "internal_medicine", w.office.ID, audit.Meta{}), "scope")
	_, err = w.h.AddContact(w.ctx, w.office, host.ContactInput{InstitutionID: w.inst.ID, Name: "Dr. Sato", Email: "sato@kumamoto.example", Lang: "ja"}, audit.Meta{})
	w.must(err, "contact")
	return w
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

func key() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func (w *world) person(name string, roles ...user.Role) *user.User {
	u := &user.User{Issuer: "test", Subject: name + key(), Name: name, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person")
	u.Roles = roles
	return u
}

// doc stores content in the student's wallet.
func (w *world) doc(typ, name, media string, content []byte) *document.Document {
	obj, err := w.files.Put(w.ctx, bytes.NewReader(content))
	w.must(err, "put")
	d := &document.Document{OwnerID: w.student.ID, Version: 1, Type: typ, StorageKey: obj.Key, FileName: name,
		MediaType: media, Size: obj.Size, SHA256: obj.SHA256, UploadedAt: start}
	w.must(w.d.Create(d).Error, "document")
	w.must(w.d.Model(d).Update("chain_id", d.ID).Error, "chain")
	d.ChainID = d.ID
	return d
}

// nominated is an application at office review, the documents shared
// with the host, the office's verification, then nominated: it returns
// the application and the token the host's mail carries.
func (w *world) nominated(docs ...*document.Document) (*application.Application, string) {
	w.t.Helper()
	a, err := w.apps.CreateDraft(w.ctx, w.student, application.StartInput{Key: key(), ElectiveID: w.period.ElectiveID, PeriodID: w.period.ID})
	w.must(err, "draft")
	a, err = w.apps.SaveDraft(w.ctx, w.student, a.ID, application.DraftInput{Version: a.Version, Statement: "I want to learn hepatology.",
		Choices: []application.ChoiceInput{{ElectiveID: w.period.ElectiveID, PeriodID: w.period.ID}}})
	w.must(err, "save")
	chains := []int64{}
	for _, d := range docs {
		chains = append(chains, d.ChainID)
	}
	w.must(w.h.Share(w.ctx, w.student, a.ID, host.ShareInput{NameLatin: "CHEN Yi-chun", NameNative: "陳怡君",
		Chains: map[int64][]int64{w.inst.ID: chains}}, audit.Meta{}), "share")
	a, err = w.apps.Submit(w.ctx, w.student, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
	w.must(err, "submit")
	a, err = w.apps.StartReview(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: a.Version})
	w.must(err, "start review")
	a, err = w.apps.Approve(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: a.Version})
	w.must(err, "approve")
	w.must(w.h.Verify(w.ctx, w.office, a.ID, true, true, audit.Meta{}), "verify")
	a, err = w.apps.Nominate(w.ctx, w.office, a.ID, application.ReviewInput{Version: a.Version})
	w.must(err, "nominate")
	return a, w.lastToken("sato@kumamoto.example")
}

// lastToken is the token of the newest dossier mail to address.
func (w *world) lastToken(address string) string {
	w.t.Helper()
	var row struct{ Link, Lang, Kind string }
	w.must(w.d.Table("outbox").Select("link, lang, kind").Where("recipient_email = ?", address).Order("id DESC").Take(&row).Error, "host mail")
	if row.Lang != "ja" {
		w.t.Fatalf("the host's mail is in %q, want the contact's ja", row.Lang)
	}
	tok, ok := strings.CutPrefix(row.Link, "/dossier/")
	if !ok {
		w.t.Fatalf("host mail links to %q", row.Link)
	}
	return tok
}

func (w *world) stage(id int64) application.Stage {
	var a application.Application
	w.must(w.d.Take(&a, id).Error, "reload")
	return a.Status
}

func refusedWith(t *testing.T, err error, key string) {
	t.Helper()
	var ae *apperr.Error
	if err == nil || !asErr(err, &ae) || ae.Key != key {
		t.Fatalf("got %v, want the refusal %s", err, key)
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

func TestTheHostAnswersThroughTheDossierLinkOnceAndOnlyWhileItHolds(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		w := newWorld(t, d)
		shared := w.doc("transcript", "transcript.pdf", "application/pdf", samplePDF(t, 1))
		w.doc("passport", "passport.png", "image/png", samplePNG(t)) // not shared

		t.Run("the dossier shows the nominee, what was shared and the verification", func(t *testing.T) {
			a, tok := w.nominated(shared)
			ds, err := w.h.Dossier(w.ctx, tok)
			w.must(err, "dossier")
			if ds.NameLatin != "CHEN Yi-chun" || ds.NameNative != "陳怡君" || ds.Statement == "" || ds.Contact != "Dr. Sato" {
				t.Fatalf("dossier %+v", ds)
			}
			if len(ds.Documents) != 1 || ds.Documents[0].ID != shared.ID {
				t.Fatalf("dossier shows %d documents, want only the shared transcript", len(ds.Documents))
			}
			if ds.Verification == nil || !ds.Verification.GoodStanding || !ds.Verification.Immunization {
				t.Fatalf("verification %+v", ds.Verification)
			}
			out, err := w.h.PDF(w.ctx, ds, letter.DossierText{Org: [2]string{"Hospital", "醫院"}, Title: [2]string{"推薦書類", "Nomination dossier"}})
			w.must(err, "pdf")
			r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
			w.must(err, "read pdf")
			if r.NumPage() != 2 {
				t.Fatalf("the dossier PDF has %d pages, want the cover and the shared transcript's page", r.NumPage())
			}
			var zb bytes.Buffer
			w.must(w.h.ZIP(w.ctx, ds, out, &zb), "zip")
			z, err := zip.NewReader(bytes.NewReader(zb.Bytes()), int64(zb.Len()))
			w.must(err, "read zip")
			if len(z.File) != 2 || z.File[1].Name != "01-transcript.pdf" {
				t.Fatalf("the ZIP holds %d files", len(z.File))
			}

			t.Run("a rejection needs a reason and changes nothing without one", func(t *testing.T) {
				_, err := w.h.Answer(w.ctx, tok, host.AnswerInput{Version: ds.Version, Decision: application.HostDecisionRejected})
				if apperr.CodeOf(err) != apperr.Invalid || w.stage(a.ID) != application.Nominated {
					t.Fatalf("rejection without a reason: %v, stage %s", err, w.stage(a.ID))
				}
			})
			got, err := w.h.Answer(w.ctx, tok, host.AnswerInput{Version: ds.Version, Decision: application.HostDecisionAccepted, Comment: "Bring your white coat."})
			w.must(err, "accept")
			if got.Status != application.HostAccepted || got.OfferExpiresAt == nil {
				t.Fatalf("after the host's acceptance: %s, offer %v", got.Status, got.OfferExpiresAt)
			}
			var e application.Event
			w.must(w.d.Where("application_id = ?", a.ID).Order("id DESC").Take(&e).Error, "event")
			if e.Role != application.Host || e.Via != "Dr. Sato" || e.ActorID != nil || e.Comment != "Bring your white coat." {
				t.Fatalf("the timeline's event %+v", e)
			}
			var taken int
			w.must(w.d.Table("periods").Where("id = ?", w.period.ID).Pluck("taken", &taken).Error, "seats")
			if taken != 1 {
				t.Fatalf("the host's acceptance took %d seats, want 1 as when the office records it", taken)
			}

			t.Run("a used link answers no more", func(t *testing.T) {
				_, err := w.h.Answer(w.ctx, tok, host.AnswerInput{Version: got.Version, Decision: application.HostDecisionRejected, Comment: "no"})
				refusedWith(t, err, host.ErrUsed)
				_, err = w.h.Dossier(w.ctx, tok)
				refusedWith(t, err, host.ErrUsed)
				if w.stage(a.ID) != application.HostAccepted {
					t.Fatalf("a used link changed the stage to %s", w.stage(a.ID))
				}
			})
		})

		t.Run("a revoked link shows a clear refusal and changes nothing", func(t *testing.T) {
			a, tok := w.nominated()
			n, err := w.h.Revoke(w.ctx, w.office, a.ID, audit.Meta{})
			w.must(err, "revoke")
			if n != 1 {
				t.Fatalf("revoked %d links", n)
			}
			_, err = w.h.Dossier(w.ctx, tok)
			refusedWith(t, err, host.ErrRevoked)
			_, err = w.h.Answer(w.ctx, tok, host.AnswerInput{Version: a.Version, Decision: application.HostDecisionAccepted})
			refusedWith(t, err, host.ErrRevoked)
			if w.stage(a.ID) != application.Nominated {
				t.Fatalf("a revoked link moved the application to %s", w.stage(a.ID))
			}
			if _, err := w.h.Revoke(w.ctx, w.student, a.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("a student revoked a link: %v", err)
			}
		})

		t.Run("an expired link shows a clear refusal and changes nothing", func(t *testing.T) {
			a, tok := w.nominated()
			w.clock.Advance(31 * 24 * time.Hour)
			defer w.clock.Set(start)
			_, err := w.h.Answer(w.ctx, tok, host.AnswerInput{Version: a.Version, Decision: application.HostDecisionAccepted})
			refusedWith(t, err, host.ErrExpired)
			if w.stage(a.ID) != application.Nominated {
				t.Fatalf("an expired link moved the application to %s", w.stage(a.ID))
			}
		})

		t.Run("a link whose nomination moved on is stale", func(t *testing.T) {
			a, tok := w.nominated()
			_, err := w.apps.RecordHostDecision(w.ctx, w.office, a.ID, application.HostDecisionInput{Version: a.Version, Rank: 1,
				Decision: application.HostDecisionWaitlisted})
			w.must(err, "office records")
			_, err = w.h.Answer(w.ctx, tok, host.AnswerInput{Version: a.Version + 1, Decision: application.HostDecisionAccepted})
			refusedWith(t, err, host.ErrStale)
			if w.stage(a.ID) != application.Waitlisted {
				t.Fatalf("a stale link moved the application to %s", w.stage(a.ID))
			}
		})

		t.Run("an unknown token is not found", func(t *testing.T) {
			_, err := w.h.Dossier(w.ctx, "not-a-token")
			refusedWith(t, err, host.ErrUnknown)
		})

		t.Run("a host who has not answered is reminded once per period", func(t *testing.T) {
			a, _ := w.nominated()
			w.clock.Advance(8 * 24 * time.Hour)
			defer w.clock.Set(start)
			n, err := w.h.Remind(w.ctx)
			w.must(err, "remind")
			if n < 1 {
				t.Fatalf("no reminder after 8 days")
			}
			again, err := w.h.Remind(w.ctx)
			w.must(err, "remind again")
			if again != 0 {
				t.Fatalf("%d reminders again the same day", again)
			}
			tok := w.lastToken("sato@kumamoto.example")
			if _, err := w.h.Dossier(w.ctx, tok); err != nil {
				t.Fatalf("the reminder's link: %v", err)
			}
			waiting, err := w.h.Waiting(w.ctx, []int64{a.ID})
			w.must(err, "waiting")
			if waiting[a.ID] != 8 {
				t.Fatalf("waiting for host %d days, want 8", waiting[a.ID])
			}
		})
	})
}

// Two answers through the same link at once: one is recorded, the other
// changes nothing.
func TestTwoAnswersAtOnceThroughOneLinkRecordOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.OpenDB(t, testutil.Postgres))
	a, tok := w.nominated()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := application.HostDecisionAccepted
			if i%2 == 1 {
				dec = application.HostDecisionWaitlisted
			}
			_, errs[i] = w.h.Answer(w.ctx, tok, host.AnswerInput{Version: a.Version, Decision: dec})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	var events int64
	w.must(w.d.Table("review_events").Where("application_id = ? AND role = ?", a.ID, application.Host).Count(&events).Error, "events")
	if ok != 1 || events != 1 {
		t.Fatalf("%d answers succeeded and %d were recorded, want 1 and 1 (%v)", ok, events, errs)
	}
}

func samplePDF(t testing.TB, pages int) []byte {
	facts := make([][2]string, 0, pages)
	for i := range pages {
		facts = append(facts, [2]string{fmt.Sprint("Line ", i), "Sample content for the appended transcript"})
	}
	b, err := letter.NewFonts().DossierPDF(letter.DossierText{Org: [2]string{"Sample", "樣本"}, Title: [2]string{"Transcript", "成績單"}, Facts: facts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func samplePNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 600, 800))
	for y := 0; y < 800; y += 4 {
		for x := 0; x < 600; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkDossierPDF is the figure of the issue: the dossier PDF of a
// nominee with 6 shared documents (3 PDFs, 3 images).
func BenchmarkDossierPDF(b *testing.B) {
	w := newWorld(b, testutil.OpenDB(b, testutil.SQLite))
	var docs []*document.Document
	for i := range 3 {
		docs = append(docs, w.doc("transcript", fmt.Sprintf("doc%d.pdf", i), "application/pdf", samplePDF(b, 3)))
		docs = append(docs, w.doc("immunization", fmt.Sprintf("scan%d.png", i), "image/png", samplePNG(b)))
	}
	_, tok := w.nominated(docs...)
	ds, err := w.h.Dossier(w.ctx, tok)
	if err != nil || len(ds.Documents) != 6 {
		b.Fatalf("dossier: %v, %d documents", err, len(ds.Documents))
	}
	cover := letter.DossierText{Org: [2]string{"University Hospital", "大學附設醫院"}, Title: [2]string{"ノミネーション書類", "Nomination dossier"},
		Facts: [][2]string{{"Name", ds.NameLatin + " / " + ds.NameNative}, {"Elective", ds.ElectiveEN}}, Statement: [2]string{"Statement", ds.Statement}}
	var size int
	b.ResetTimer()
	for b.Loop() {
		out, err := w.h.PDF(w.ctx, ds, cover)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
