package document

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// request makes a bare rotation request of applicant with the documents
// attached, as the rotation workflow does, and returns its id.
func (f *fixture) request(applicant int64, docs ...int64) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Raw("INSERT INTO rotation_requests (applicant_id, status, stage_since, created_at, updated_at) "+
		"VALUES (?, 'submitted', ?, ?, ?) RETURNING id", applicant, f.today, f.today, f.today).Scan(&id).Error; err != nil || id == 0 {
		f.t.Fatalf("insert a rotation request: %v", err)
	}
	for _, d := range docs {
		if err := f.db.Exec("INSERT INTO rotation_request_documents (request_id, document_id, attached_at) VALUES (?, ?, ?)",
			id, d, f.today).Error; err != nil {
			f.t.Fatal(err)
		}
	}
	return id
}

// A document attached to an incoming rotation request is kept as an
// application's is: deleting it is refused naming the request, replacing
// it keeps the attached version and its file, and the purge of old
// versions leaves it. Once the request lets go, all three go ahead.
func TestRotationRequestKeepsItsDocuments(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Options{})
		ctx := context.Background()
		owner := f.person("owner", user.Incoming)
		v1 := f.mustUpload(owner.ID, "insurance", "2027-06-30", samplePDF(3000))
		req := f.request(owner.ID, v1.ID)

		err := f.svc.Delete(ctx, owner.ID, v1.ID, audit.Meta{})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Key != "wallet.err.attached_rotation" ||
			len(ae.Args) != 1 || ae.Args[0] != RequestList([]int64{req}) {
			t.Fatalf("delete of a document a rotation request refers to: %v", err)
		}
		if n := f.rows("deleted_at IS NULL"); n != 1 || len(f.files()) != 1 {
			t.Fatalf("after the refused delete: %d live rows, files %v", n, f.files())
		}

		r, err := f.svc.Receive(ctx, File{Name: "insurance-2.pdf", Body: bytes.NewReader(samplePDF(3100))})
		if err != nil {
			t.Fatal(err)
		}
		v2, err := f.svc.Replace(ctx, owner.ID, v1.ID, Input{ExpiresOn: "2028-06-30"}, r, audit.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if n := f.rows("deleted_at IS NULL"); n != 2 || len(f.files()) != 2 {
			t.Errorf("after replacing: %d live versions and files %v, want the attached v1 kept beside v2", n, f.files())
		}
		if n, err := f.svc.PurgeSuperseded(ctx); n != 0 || err != nil {
			t.Errorf("purge while the request refers to v1: %d, %v", n, err)
		}
		// The current version is not attached, but an older one is: the
		// chain stays.
		if err := f.svc.Delete(ctx, owner.ID, v2.ID, audit.Meta{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("delete while an older version is attached: %v", err)
		}

		if err := f.db.Exec("DELETE FROM rotation_request_documents").Error; err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.PurgeSuperseded(ctx); n != 1 || err != nil {
			t.Errorf("purge once the request let go: %d, %v", n, err)
		}
		if err := f.svc.Delete(ctx, owner.ID, v2.ID, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
		if n := f.rows("deleted_at IS NULL"); n != 0 || len(f.files()) != 0 {
			t.Errorf("after the delete: %d live rows, files %v", n, f.files())
		}
	})
}
