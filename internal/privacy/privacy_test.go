package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/privacy"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
)

// world is one database, a local store and the privacy service on a test clock.
type world struct {
	ctx   context.Context
	db    *db.DB
	store *storage.Local
	clock *testutil.Clock
	p     *privacy.Service
	zone  clock.Zone
}

func newWorld(t *testing.T, d *db.DB) *world {
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	zone, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.NewClock(time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC))
	return &world{ctx: context.Background(), db: d, store: st, clock: c, zone: zone,
		p: privacy.NewService(d, privacy.Options{Now: c.Now, Zone: zone, Store: st})}
}

func (w *world) person(t *testing.T, name string, roles ...user.Role) *user.User {
	t.Helper()
	u, err := user.NewStore(w.db).SignIn(w.ctx, user.Identity{Issuer: "test", Subject: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.edu",
		Name: name, Roles: roles}, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	u.Roles = roles
	return u
}

// doc stores a file of size bytes for owner, uploaded at.
func (w *world) doc(t *testing.T, owner int64, typ string, size int, at time.Time) document.Document {
	t.Helper()
	obj, err := w.store.Put(w.ctx, bytes.NewReader(bytes.Repeat([]byte("%PDF-"), size/5+1)[:size]))
	if err != nil {
		t.Fatal(err)
	}
	d := document.Document{OwnerID: owner, Version: 1, Type: typ, StorageKey: obj.Key, FileName: fmt.Sprintf("%s-%d.pdf", typ, obj.Size),
		MediaType: "application/pdf", Size: obj.Size, SHA256: obj.SHA256, UploadedAt: at}
	if err := w.db.Create(&d).Error; err != nil {
		t.Fatal(err)
	}
	d.ChainID = d.ID
	w.db.Model(&d).Update("chain_id", d.ID)
	return d
}

// application adds an outgoing application of applicant in status.
func (w *world) application(t *testing.T, applicant int64, status, statement string, closed *time.Time) int64 {
	t.Helper()
	var id int64
	now := w.clock.Now()
	err := w.db.Raw(`INSERT INTO applications (applicant_id, direction, status, statement, stage_since, closed_at, created_at, updated_at)
		VALUES (?, 'outgoing', ?, ?, ?, ?, ?, ?) RETURNING id`, applicant, status, statement, now, closed, now, now).Scan(&id).Error
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) attach(t *testing.T, docID, appID int64) {
	if err := w.db.Exec(`INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, ?, ?)`, docID, appID, w.clock.Now()).Error; err != nil {
		t.Fatal(err)
	}
}

func exists(w *world, key string) bool {
	rc, err := w.store.Open(w.ctx, key)
	if err == nil {
		rc.Close()
	}
	return err == nil
}

func TestAnExportHoldsEveryRecordOfThePersonAndNothingOfAnyoneElse(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		mei := w.person(t, "Lin Mei-Ling", user.Student)
		other := w.person(t, "Chen Wei-Jie", user.Student)
		for i := 0; i < 10; i++ {
			w.doc(t, mei.ID, []string{"transcript", "immunization_record", "cv", "insurance", "passport"}[i%5], 300<<10, w.clock.Now())
		}
		for i := 0; i < 5; i++ {
			w.application(t, mei.ID, "submitted", fmt.Sprintf("Mei-Ling statement %d", i), nil)
		}
		w.doc(t, other.ID, "transcript", 1000, w.clock.Now())
		w.application(t, other.ID, "submitted", "Chen Wei-Jie wants to go to Lille", nil)

		var buf bytes.Buffer
		start := time.Now()
		if err := w.p.WriteExport(w.ctx, mei, &buf, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("export of a student with 10 documents (300 KB each) and 5 applications: %d bytes in %s", buf.Len(), took)
		z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var files int
		var data string
		for _, f := range z.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if f.Name == "data.json" {
				data = string(b)
			} else if strings.HasPrefix(f.Name, "documents/") {
				files++
				if len(b) != 300<<10 {
					t.Errorf("%s holds %d bytes, want %d", f.Name, len(b), 300<<10)
				}
			}
		}
		if files != 10 {
			t.Errorf("the export holds %d documents, want 10", files)
		}
		for _, want := range []string{"Lin Mei-Ling", "Mei-Ling statement 0", "Mei-Ling statement 4", "immunization_record"} {
			if !strings.Contains(data, want) {
				t.Errorf("data.json lacks %q", want)
			}
		}
		for _, never := range []string{"Chen Wei-Jie", "chen.wei-jie", "Lille"} {
			if strings.Contains(data, never) {
				t.Errorf("data.json holds another person's %q", never)
			}
		}
		log, err := w.p.Disclosures(w.ctx, mei.ID, 10)
		if err != nil || len(log) != 1 || log[0].Action != "export" {
			t.Errorf("the export is not in the disclosure log: %+v %v", log, err)
		}
	})
}

func TestARevokedConsentRefusesAReviewerInScopeAndTheAttemptIsInTheDisclosureLog(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		owner := w.person(t, "Lin Mei-Ling", user.Student)
		reviewer := w.person(t, "Dr Huang", user.Reviewer)
		office := w.person(t, "Office Wu", user.Office)
		inScope := func(context.Context, *gorm.DB, *user.User, *document.Document) (bool, error) { return true, nil }
		docs := document.NewService(d, w.store, document.Options{Now: w.clock.Now, Scope: w.p.Guard(inScope), Refused: w.p.Refused})
		imm := w.doc(t, owner.ID, "immunization_record", 2000, w.clock.Now())

		open := func(u *user.User) error {
			_, rc, err := docs.Open(w.ctx, u, imm.ID, audit.Meta{})
			if err == nil {
				rc.Close()
			}
			return err
		}
		if err := open(reviewer); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("before any decision a reviewer in scope gets %v, want a refusal: nothing is presumed", err)
		}
		// Giving a consent needs the health notice first.
		if err := w.p.SetConsent(w.ctx, owner, imm.ID, privacy.Reviewers, true, audit.Meta{}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("consent without the notice: %v", err)
		}
		if err := w.p.Acknowledge(w.ctx, owner, "health", audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := w.p.SetConsent(w.ctx, owner, imm.ID, privacy.Reviewers, true, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := open(reviewer); err != nil {
			t.Fatalf("with a consent: %v", err)
		}
		if err := w.p.SetConsent(w.ctx, owner, imm.ID, privacy.Reviewers, false, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := open(reviewer); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("after the revocation a reviewer in scope gets %v, want a refusal", err)
		}
		if err := open(office); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the office, never given a consent and keeping no placement, gets %v, want a refusal", err)
		}
		log, err := w.p.Disclosures(w.ctx, owner.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(log) - 1; i >= 0; i-- {
			got = append(got, log[i].Action+"/"+log[i].Basis)
		}
		want := "document.refused/consent_not_given document.opened/consent document.refused/consent_revoked document.refused/consent_not_given"
		if strings.Join(got, " ") != want {
			t.Errorf("disclosure log:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		if !strings.Contains(log[1].Actor, "Dr Huang") {
			t.Errorf("the refused attempt does not name the reviewer: %q", log[1].Actor)
		}
		hd, err := w.p.HealthDocuments(w.ctx, owner.ID)
		if err != nil || len(hd) != 1 || hd[0].Consents[0].State != privacy.Revoked || hd[0].Consents[1].State != privacy.NotAsked {
			t.Errorf("consents shown: %+v %v", hd, err)
		}
	})
}

func TestTheRetentionJobErasesDueFilesKeepsTheOthersAndADryRunErasesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		gone := w.person(t, "Former Student", user.Student)
		active := w.person(t, "Active Student", user.Student)
		long := w.clock.Now().AddDate(-2, 0, 0)
		old := w.doc(t, gone.ID, "transcript", 1000, long)
		closed := long.AddDate(0, -1, 0)
		rejected := w.application(t, gone.ID, "rejected", "an old statement", &closed)
		kept := w.doc(t, active.ID, "transcript", 1000, long)
		app := w.application(t, active.ID, "submitted", "still open", nil)
		w.attach(t, kept.ID, app)
		fresh := w.doc(t, gone.ID, "cv", 1000, w.clock.Now().AddDate(0, -1, 0))

		rep, err := w.p.Retain(w.ctx, nil, true, audit.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		due := map[string]int{}
		for _, x := range rep.Due {
			due[x.Kind] = x.Count
		}
		if due[privacy.KindDocuments] != 1 || due[privacy.KindRejected] != 1 {
			t.Fatalf("dry run lists %v, want one document and one application", due)
		}
		if !exists(w, old.StorageKey) {
			t.Fatal("the dry run erased a file")
		}
		if _, err := w.p.Retain(w.ctx, nil, false, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if exists(w, old.StorageKey) {
			t.Error("the due document's file is still in storage")
		}
		if !exists(w, kept.StorageKey) || !exists(w, fresh.StorageKey) {
			t.Error("a document not due lost its file")
		}
		var statement string
		w.db.Raw("SELECT statement FROM applications WHERE id = ?", rejected).Scan(&statement)
		var apps int64
		w.db.Raw("SELECT COUNT(*) FROM applications").Scan(&apps)
		if statement != "" || apps != 2 {
			t.Errorf("the closed application: statement %q, %d applications (want it anonymised and counted)", statement, apps)
		}
		// A second run the same day finds nothing more; the daily job claims its day once.
		if ran, _, err := w.p.RetainDaily(w.ctx); err != nil || !ran {
			t.Fatalf("daily run: %v %v", ran, err)
		}
		if ran, _, err := w.p.RetainDaily(w.ctx); err != nil || ran {
			t.Fatalf("a second daily run the same day ran again: %v %v", ran, err)
		}
	})
}

func TestEveryRequestHasTheShortestLegalDeadlineAndAnAcceptedDeletionKeepsTheCounts(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		home := w.person(t, "Home Student", user.Student)
		lille := w.person(t, "Camille Martin", user.Incoming)
		office := w.person(t, "Office Wu", user.Office)
		if err := w.db.Exec(`INSERT INTO incoming_profiles (user_id, name_latin, nationality, home_country, year_of_study, updated_at)
			VALUES (?, 'Camille Martin', 'FR', 'FR', 5, ?)`, lille.ID, w.clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := w.p.Ask(w.ctx, home, privacy.RequestInput{Kind: privacy.Correction}, audit.Meta{}); apperr.FieldsOf(err)["detail"].Key == "" {
			t.Errorf("a correction without saying what: %v", err)
		}
		if _, err := w.p.Ask(w.ctx, home, privacy.RequestInput{Kind: privacy.Correction, Detail: "my student number is wrong"}, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.p.Ask(w.ctx, lille, privacy.RequestInput{Kind: privacy.Deletion}, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		q, err := w.p.Queue(w.ctx, office)
		if err != nil || len(q) != 2 {
			t.Fatalf("queue %+v %v", q, err)
		}
		// Received 1 February 2027: one month (GDPR) is 1 March, before 30 days (PDPA) on 3 March.
		if q[0].PersonID != lille.ID || w.zone.Date(q[0].DueAt) != "2027-03-01" || w.zone.Date(q[1].DueAt) != "2027-03-03" {
			t.Errorf("deadlines: %d %s, %d %s", q[0].PersonID, q[0].DueAt, q[1].PersonID, q[1].DueAt)
		}
		if _, err := w.p.Queue(w.ctx, home); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a student sees the queue: %v", err)
		}

		f := w.doc(t, lille.ID, "immunization_record", 1000, w.clock.Now())
		w.application(t, lille.ID, "rejected", "Camille's statement", nil)
		w.application(t, home.ID, "submitted", "mine", nil)
		counts := func() string {
			var rows []struct {
				Status string
				N      int
			}
			w.db.Raw("SELECT status, COUNT(*) AS n FROM applications GROUP BY status ORDER BY status").Scan(&rows)
			return fmt.Sprint(rows)
		}
		before := counts()
		if err := w.p.Answer(w.ctx, office, q[0].ID, privacy.AnswerInput{Accept: true}, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if after := counts(); after != before {
			t.Errorf("report counts changed by the deletion: %s, then %s", before, after)
		}
		var name string
		w.db.Raw("SELECT name FROM users WHERE id = ?", lille.ID).Scan(&name)
		if name != "" || exists(w, f.StorageKey) {
			t.Errorf("after the deletion: name %q, file there %v", name, exists(w, f.StorageKey))
		}
		if err := w.p.Answer(w.ctx, office, q[0].ID, privacy.AnswerInput{Accept: true}, audit.Meta{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("answering twice: %v", err)
		}
	})
}
