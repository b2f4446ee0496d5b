package document

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
)

// fixture is a wallet on a fresh database of one dialect, with its files in
// a directory of the test's own.
type fixture struct {
	t     *testing.T
	db    *db.DB
	dir   string
	svc   *Service
	today time.Time
}

func newFixture(t *testing.T, d *db.DB, o Options) *fixture {
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if o.Now == nil {
		o.Now = func() time.Time { return today }
	}
	return &fixture{t: t, db: d, dir: dir, svc: NewService(d, st, o), today: catalog.Day(today)}
}

// person adds a user and returns it with its roles.
func (f *fixture) person(name string, roles ...user.Role) *user.User {
	f.t.Helper()
	u := &user.User{Issuer: "test", Subject: name, Name: name, CreatedAt: f.today, UpdatedAt: f.today}
	if err := f.db.Create(u).Error; err != nil {
		f.t.Fatal(err)
	}
	u.Roles = roles
	return u
}

// files lists what the storage directory holds, temporary files included.
func (f *fixture) files() []string {
	var out []string
	_ = filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, d.Name())
		}
		return nil
	})
	return out
}

func (f *fixture) rows(where string, args ...any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Model(&Document{}).Where(where, args...).Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

// upload receives content and adds it to owner's wallet.
func (f *fixture) upload(owner int64, typ, expires string, content []byte, name string) (*Document, bool, error) {
	f.t.Helper()
	ctx := context.Background()
	r, err := f.svc.Receive(ctx, File{Name: name, DeclaredType: "", Body: bytes.NewReader(content)})
	if err != nil {
		return nil, false, err
	}
	return f.svc.Add(ctx, owner, Input{Type: typ, ExpiresOn: expires}, r, audit.Meta{})
}

func (f *fixture) mustUpload(owner int64, typ, expires string, content []byte) *Document {
	f.t.Helper()
	d, dup, err := f.upload(owner, typ, expires, content, typ+".pdf")
	if err != nil || dup {
		f.t.Fatalf("upload %s: %v (duplicate %v, %v)", typ, err, dup, apperr.FieldsOf(err))
	}
	return d
}

func (f *fixture) attach(docID, applicationID int64) {
	f.t.Helper()
	if err := f.db.Exec("INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, ?, ?)",
		docID, applicationID, f.today).Error; err != nil {
		f.t.Fatal(err)
	}
}

func fieldKey(err error, field string) string { return apperr.FieldsOf(err)[field].Key }

func TestUploadAndRefusals(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{MaxBytes: 64 << 10})
		owner := f.person("owner", user.Student)
		doc, dup, err := f.upload(owner.ID, "passport", "2030-01-31", samplePDF(5000), "../passport.pdf")
		if fieldKey(err, "file") != "wallet.err.name_path" || doc != nil || dup {
			t.Fatalf("path in name: %v", err)
		}
		doc = f.mustUpload(owner.ID, "passport", "2030-01-31", samplePDF(5000))
		if doc.ChainID != doc.ID || doc.Version != 1 || doc.MediaType != "application/pdf" || doc.FileName != "passport.pdf" ||
			doc.ExpiresOn == nil || doc.ExpiresOn.Format(time.DateOnly) != "2030-01-31" || len(doc.SHA256) != 64 {
			t.Errorf("added %+v", doc)
		}
		if n := len(f.files()); n != 1 {
			t.Errorf("%d files stored, want 1", n)
		}

		// The form's rules; each leaves nothing behind.
		for _, c := range []struct {
			typ, expires, field, key string
		}{
			{"", "", "type", "form.required"},
			{"diploma", "", "type", "form.not_a_choice"},
			{"passport", "", "expires_on", "wallet.err.expiry_required"},
			{"insurance", "", "expires_on", "wallet.err.expiry_required"},
			{"transcript", "2030-01-01", "expires_on", "wallet.err.expiry_not_applicable"},
			{"passport", "31/01/2030", "expires_on", "form.date"},
			{"passport", "2026-03-09", "expires_on", "wallet.err.expiry_past"},
			{"passport", "2060-01-01", "expires_on", "wallet.err.expiry_far"},
		} {
			_, _, err := f.upload(owner.ID, c.typ, c.expires, samplePDF(3000+len(c.key)), "x.pdf")
			if k := fieldKey(err, c.field); k != c.key {
				t.Errorf("type %q expiry %q: %s = %q, want %q (%v)", c.typ, c.expires, c.field, k, c.key, err)
			}
		}
		// Today is still valid; an optional expiry may be left out.
		f.mustUpload(owner.ID, "immunization_record", "2026-03-10", samplePDF(3100))
		f.mustUpload(owner.ID, "language_certificate", "", samplePDF(3200))

		// Too large: refused after reading little more than the limit.
		big := &countingReader{r: bytes.NewReader(samplePDF(1 << 20))}
		_, err = f.svc.Receive(context.Background(), File{Name: "big.pdf", Body: big})
		if fieldKey(err, "file") != "wallet.err.too_large" || !errors.Is(err, ErrTooLarge) {
			t.Errorf("oversized: %v", err)
		}
		if big.n > 64<<10+64<<10 {
			t.Errorf("read %d bytes of an oversized upload; the limit is %d", big.n, 64<<10)
		}
		// Exactly the limit is fine.
		r, err := f.svc.Receive(context.Background(), File{Name: "edge.pdf", Body: bytes.NewReader(samplePDF(64 << 10))})
		if err != nil {
			t.Errorf("a file of exactly the limit: %v", err)
		} else {
			f.svc.Discard(context.Background(), r)
		}
		// A body that breaks off.
		_, err = f.svc.Receive(context.Background(), File{Name: "cut.pdf", Body: io.MultiReader(bytes.NewReader(samplePDF(300 << 10)[:260<<10]), &failing{})})
		if fieldKey(err, "file") != "wallet.err.too_large" && fieldKey(err, "file") != "wallet.err.interrupted" {
			t.Errorf("broken body: %v", err)
		}
		if got := len(f.files()); got != 3 {
			t.Errorf("%d files stored after refusals, want the 3 accepted: %v", got, f.files())
		}
		if n := f.rows("1 = 1"); n != 3 {
			t.Errorf("%d rows, want 3", n)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// The same file uploaded twice at once ends as one document and one file:
// the uploads take turns on the owner's row and the second finds the first.
func TestConcurrentIdenticalUploads(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		owner := f.person("owner", user.Student)
		content := samplePDF(200 << 10)
		const n = 6
		var wg sync.WaitGroup
		docs := make([]*Document, n)
		dups := make([]bool, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				docs[i], dups[i], errs[i] = f.upload(owner.ID, "transcript", "", content, "t.pdf")
			}()
		}
		wg.Wait()
		fresh := 0
		for i := range docs {
			if errs[i] != nil {
				t.Fatalf("upload %d: %v", i, errs[i])
			}
			if docs[i].ID != docs[0].ID {
				t.Errorf("upload %d made document %d, upload 0 made %d", i, docs[i].ID, docs[0].ID)
			}
			if !dups[i] {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d uploads added a document, want 1", fresh)
		}
		if got := f.rows("1 = 1"); got != 1 {
			t.Errorf("%d rows, want 1", got)
		}
		if got := f.files(); len(got) != 1 {
			t.Errorf("files %v, want 1", got)
		}
		// The same file as another type is another document.
		if _, dup, err := f.upload(owner.ID, "cv", "", content, "t.pdf"); err != nil || dup {
			t.Errorf("same file as a CV: duplicate %v, %v", dup, err)
		}
	})
}

func TestReplaceKeepsVersionsApplicationsReferTo(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		ctx := context.Background()
		owner, other := f.person("owner", user.Student), f.person("other", user.Student)
		replace := func(who, id int64, expires string, content []byte) (*Document, error) {
			r, err := f.svc.Receive(ctx, File{Name: "new.pdf", Body: bytes.NewReader(content)})
			if err != nil {
				return nil, err
			}
			return f.svc.Replace(ctx, who, id, Input{ExpiresOn: expires}, r, audit.Meta{})
		}
		v1 := f.mustUpload(owner.ID, "insurance", "2026-06-30", samplePDF(4000))

		// Not the owner's: not found, nothing stored.
		if _, err := replace(other.ID, v1.ID, "2027-06-30", samplePDF(4100)); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("replace by another: %v", err)
		}
		// The same content again is refused.
		if _, err := replace(owner.ID, v1.ID, "2027-06-30", samplePDF(4000)); fieldKey(err, "file") != "wallet.err.same_file" {
			t.Errorf("same file: %v", err)
		}
		// The expiry rules of the type hold.
		if _, err := replace(owner.ID, v1.ID, "", samplePDF(4200)); fieldKey(err, "expires_on") != "wallet.err.expiry_required" {
			t.Errorf("no expiry: %v", err)
		}
		if len(f.files()) != 1 {
			t.Fatalf("files after refused replaces: %v", f.files())
		}

		// v1 is attached to application 7: replacing keeps it.
		f.attach(v1.ID, 7)
		v2, err := replace(owner.ID, v1.ID, "2027-06-30", samplePDF(4300))
		if err != nil {
			t.Fatal(err)
		}
		if v2.ChainID != v1.ID || v2.Version != 2 || v2.Type != "insurance" || v2.ExpiresOn.Format(time.DateOnly) != "2027-06-30" {
			t.Errorf("v2 = %+v", v2)
		}
		// Replacing v1 again (a second tab) is a conflict.
		if _, err := replace(owner.ID, v1.ID, "2027-06-30", samplePDF(4400)); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("replace a replaced version: %v", err)
		}
		// v2 is not attached: replacing it deletes it and its file.
		v3, err := replace(owner.ID, v2.ID, "2028-06-30", samplePDF(4500))
		if err != nil {
			t.Fatal(err)
		}
		if n := f.rows("chain_id = ? AND deleted_at IS NULL", v1.ID); n != 2 {
			t.Errorf("%d live versions, want v1 (attached) and v3", n)
		}
		if len(f.files()) != 2 {
			t.Errorf("files %v, want v1's and v3's", f.files())
		}
		w, err := f.svc.Wallet(ctx, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != 1 || w[0].ID != v3.ID || len(w[0].Older) != 1 || w[0].Older[0].ID != v1.ID ||
			len(w[0].AttachedTo) != 1 || w[0].AttachedTo[0] != 7 {
			t.Errorf("wallet = %+v", w)
		}
		// The owner may still open the kept version.
		if _, rc, err := f.svc.Open(ctx, owner, v1.ID, audit.Meta{}); err != nil {
			t.Errorf("open kept version: %v", err)
		} else {
			rc.Close()
		}

		// Delete is refused while any version is attached, naming the applications.
		f.attach(v3.ID, 12)
		err = f.svc.Delete(ctx, owner.ID, v3.ID, audit.Meta{})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "wallet.err.attached" || ae.Args[0] != "#7, #12" {
			t.Fatalf("delete attached: %v", err)
		}
		// Once no application refers to them, the versions go with their files.
		if err := f.db.Exec("DELETE FROM document_attachments").Error; err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Delete(ctx, other.ID, v3.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("delete by another: %v", err)
		}
		if err := f.svc.Delete(ctx, owner.ID, v1.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("delete of an old version (only the current one can be deleted): %v", err)
		}
		if err := f.svc.Delete(ctx, owner.ID, v3.ID, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if n := f.rows("deleted_at IS NULL"); n != 0 || len(f.files()) != 0 {
			t.Errorf("after delete: %d live rows, files %v", n, f.files())
		}
		if _, _, err := f.svc.Open(ctx, owner, v3.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("open deleted: %v", err)
		}
		var events []string
		f.db.Model(&audit.Event{}).Order("id").Pluck("action", &events)
		if strings.Join(events, ",") != "document.uploaded,document.replaced,document.replaced,document.deleted" {
			t.Errorf("audit %v", events)
		}
	})
}

func TestPurgeSuperseded(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		ctx := context.Background()
		owner := f.person("owner", user.Student)
		v1 := f.mustUpload(owner.ID, "cv", "", samplePDF(3000))
		f.attach(v1.ID, 3)
		r, _ := f.svc.Receive(ctx, File{Name: "cv2.pdf", Body: bytes.NewReader(samplePDF(3100))})
		if _, err := f.svc.Replace(ctx, owner.ID, v1.ID, Input{}, r, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.PurgeSuperseded(ctx); n != 0 || err != nil {
			t.Fatalf("purge while attached: %d, %v", n, err)
		}
		f.db.Exec("DELETE FROM document_attachments")
		if n, err := f.svc.PurgeSuperseded(ctx); n != 1 || err != nil {
			t.Fatalf("purge: %d, %v", n, err)
		}
		if len(f.files()) != 1 || f.rows("deleted_at IS NULL") != 1 {
			t.Errorf("after purge: files %v", f.files())
		}
	})
}

// Nobody but the owner opens a document until applications give others a
// scope. With a scope (as the application workflow will give), openings by
// others are audited and listed for the owner.
func TestOpenAccessAndAudit(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		ctx := context.Background()
		owner := f.person("owner", user.Student)
		doc := f.mustUpload(owner.ID, "immunization_record", "", samplePDF(3000))
		others := []*user.User{
			f.person("student2", user.Student), f.person("incoming", user.Incoming), f.person("reviewer", user.Reviewer),
			f.person("office", user.Office), f.person("coordinator", user.Coordinator), f.person("admin", user.Admin),
		}
		for _, u := range others {
			if _, _, err := f.svc.Open(ctx, u, doc.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s opened another's document: %v", u.Name, err)
			}
		}
		if _, _, err := f.svc.Open(ctx, nil, doc.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("anonymous: %v", err)
		}
		if _, _, err := f.svc.Open(ctx, owner, doc.ID+100, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown id: %v", err)
		}
		_, rc, err := f.svc.Open(ctx, owner, doc.ID, audit.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, samplePDF(3000)) {
			t.Error("the owner read other bytes")
		}
		var viewed int64
		f.db.Model(&audit.Event{}).Where("action = ?", ActionViewed).Count(&viewed)
		if viewed != 0 {
			t.Errorf("%d document.viewed events; the owner's own opening is not one", viewed)
		}

		// A scope as the application workflow will provide: office staff see
		// documents attached to any application.
		scope := func(ctx context.Context, tx *gorm.DB, reader *user.User, doc *Document) (bool, error) {
			var n int64
			err := tx.Model(&attachment{}).Where("document_id = ?", doc.ID).Count(&n).Error
			return reader.Has(user.Office) && n > 0, err
		}
		g := newFixture(t, d, Options{Scope: scope})
		g.dir, g.svc.store = f.dir, f.svc.store
		office := others[3]
		if _, _, err := g.svc.Open(ctx, office, doc.ID, audit.Meta{IP: "192.0.2.1"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("office before the document is attached: %v", err)
		}
		f.attach(doc.ID, 5)
		_, rc, err = g.svc.Open(ctx, office, doc.ID, audit.Meta{IP: "192.0.2.1"})
		if err != nil {
			t.Fatalf("office with scope: %v", err)
		}
		rc.Close()
		if _, _, err := g.svc.Open(ctx, others[2], doc.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("reviewer outside the scope: %v", err)
		}
		list, err := g.svc.Openings(ctx, owner.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ActorName != "office" || list[0].DocumentID != doc.ID || list[0].Type != "immunization_record" ||
			len(list[0].Roles) != 1 || list[0].Roles[0] != user.Office {
			t.Errorf("openings = %+v", list)
		}
		if list, _ := g.svc.Openings(ctx, office.ID, 10); len(list) != 0 {
			t.Errorf("the office's own list shows %+v", list)
		}
	})
}

func TestStatusOn(t *testing.T) {
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	day := func(s string) *time.Time { d, _ := catalog.Date(s); return &d }
	for _, c := range []struct {
		exp  *time.Time
		want Status
	}{
		{nil, Valid},
		{day("2026-03-09"), Expired},
		{day("2026-03-10"), Expiring},
		{day("2026-05-09"), Expiring}, // 60 days
		{day("2026-05-10"), Valid},
	} {
		if got := (Document{ExpiresOn: c.exp}).StatusOn(today); got != c.want {
			t.Errorf("expiry %v: %s, want %s", c.exp, got, c.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	day := func(s string) *time.Time { d, _ := catalog.Date(s); return &d }
	start, _ := catalog.Date("2026-07-01")
	end, _ := catalog.Date("2026-07-28")
	p := catalog.Period{ID: 4, StartsOn: start, EndsOn: end}
	docs := []Document{
		{ID: 1, Type: "transcript"},
		{ID: 2, Type: "passport", ExpiresOn: day("2026-06-30")},            // expired the day before
		{ID: 3, Type: "insurance", ExpiresOn: day("2026-07-01")},           // valid on day one only
		{ID: 4, Type: "insurance", ExpiresOn: day("2026-07-10")},           // longer: this one counts
		{ID: 5, Type: "immunization_record", ExpiresOn: day("2026-07-28")}, // through the last day
		{ID: 6, Type: "cv", DeletedAt: day("2026-01-01")},
		{ID: 7, Type: "nomination_letter", SupersededAt: day("2026-01-01")},
	}
	c := Evaluate(docs, []string{"transcript", "passport", "insurance", "immunization_record", "cv", "nomination_letter"}, p)
	want := map[string]struct {
		status NeedStatus
		doc    int64
	}{
		"transcript": {Ready, 1}, "passport": {ExpiredBefore, 2}, "insurance": {ExpiresDuring, 4},
		"immunization_record": {Ready, 5}, "cv": {Missing, 0}, "nomination_letter": {Missing, 0},
	}
	for _, n := range c.Needs {
		w := want[n.Type]
		var id int64
		if n.Document != nil {
			id = n.Document.ID
		}
		if n.Status != w.status || id != w.doc {
			t.Errorf("%s: %s with document %d, want %s with %d", n.Type, n.Status, id, w.status, w.doc)
		}
	}
	if got := strings.Join(c.Missing(), ","); got != "passport,cv,nomination_letter" || c.Ready() {
		t.Errorf("missing %s, ready %v", got, c.Ready())
	}
	if !Evaluate(docs, []string{"transcript"}, p).Ready() || !Evaluate(nil, nil, p).Ready() {
		t.Error("nothing missing, yet not ready")
	}
}

func TestRequirements(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		ctx := context.Background()
		names, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		cat := catalog.NewService(d, names, func() time.Time { return f.today })
		inst, err := cat.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", Country: "JP", Kind: "university"})
		if err != nil {
			t.Fatalf("institution: %v %v", err, apperr.FieldsOf(err))
		}
		e, err := cat.CreateElective(ctx, catalog.ElectiveInput{
			Direction: "outgoing", InstitutionID: inst.ID, Kind: "clinical_elective", TitleEN: "Hepatology", Specialty: "hepatology",
			Language: "en", MinYear: "5", DurationWeeks: "4", RequiredDocs: []string{"transcript", "passport", "insurance"},
			OpensOn: "2026-03-01", ClosesOn: "2026-05-01",
		})
		if err != nil {
			t.Fatalf("elective: %v %v", err, apperr.FieldsOf(err))
		}
		p, err := cat.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: "2026-07-01", EndsOn: "2026-07-28", Capacity: "2"})
		if err != nil {
			t.Fatalf("period: %v %v", err, apperr.FieldsOf(err))
		}
		owner := f.person("owner", user.Student)
		f.mustUpload(owner.ID, "transcript", "", samplePDF(3000))
		f.mustUpload(owner.ID, "passport", "2026-06-15", samplePDF(3100))
		c, err := f.svc.Requirements(ctx, owner.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.Missing(), ","); got != "passport,insurance" || c.PeriodID != p.ID {
			t.Errorf("missing %q for period %d", got, c.PeriodID)
		}
		if _, err := f.svc.Requirements(ctx, owner.ID, p.ID+99); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown period: %v", err)
		}
	})
}
