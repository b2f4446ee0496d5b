package rotation_test

import (
	"testing"

	"gorm.io/gorm"

	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/user"
)

// The wallet's scope: the coordinator of a department the submitted
// request asks for, and the office, may open its attached documents;
// nobody may while it is a draft; another department's coordinator and
// another applicant never may; a document not attached stays private.
func TestDocumentScope(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.draft(w.applicant, choice(w.im.ID, 6, 2))
		loose := w.doc(w.applicant, "transcript", 0) // in the wallet, attached to nothing
		var attached document.Document
		w.must(d.Where("owner_id = ? AND type = 'insurance'", w.applicant.ID).Take(&attached).Error, "insurance")
		may := func(u *user.User, doc *document.Document) bool {
			t.Helper()
			var ok bool
			w.must(d.Transaction(func(tx *gorm.DB) error {
				var err error
				ok, err = w.s.DocumentScope(w.ctx, tx, u, doc)
				return err
			}), "scope")
			return ok
		}
		for _, u := range []*user.User{w.coord, w.office, w.outsider, w.other} {
			if may(u, &attached) {
				t.Errorf("%s may open a draft's document", u.Name)
			}
		}
		_, err := w.s.Submit(w.ctx, w.applicant, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
		w.must(err, "submit")
		for u, want := range map[*user.User]bool{w.coord: true, w.office: true, w.admin: true, w.outsider: false, w.other: false, w.student: false, w.nobod: false} {
			if got := may(u, &attached); got != want {
				t.Errorf("%s may open the attached document: %v, want %v", u.Name, got, want)
			}
			if may(u, loose) {
				t.Errorf("%s may open a document attached to nothing", u.Name)
			}
		}
	})
}
