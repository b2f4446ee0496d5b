package selection_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/selection"
	"portal/internal/sheet"
	"portal/internal/testutil"
	"portal/internal/user"
)

func (w *world) studentNumber(a *application.Application, n string) {
	w.t.Helper()
	w.must(w.d.Model(&user.User{}).Where("id = ?", a.ApplicantID).Update("student_number", n).Error, "student number")
}

// upload reads a file as the upload page does and keeps it for its preview.
func (w *world) upload(f *selection.Full, name string, data []byte) (int64, *selection.ScorePreview) {
	w.t.Helper()
	rec, err := selection.ParseScores(name, data)
	w.must(err, "parse "+name)
	imp, err := w.sel.SaveScoreImport(w.ctx, w.office, f.ID, name, rec)
	w.must(err, "save "+name)
	pv, err := w.sel.PreviewScoreImport(w.ctx, w.office, f.ID, imp.ID)
	w.must(err, "preview "+name)
	return imp.ID, pv
}

func (w *world) values(f *selection.Full, a *application.Application) map[int64]int {
	w.t.Helper()
	_, list, err := w.sel.Applicants(w.ctx, w.office, f.ID)
	w.must(err, "applicants")
	for _, ap := range list {
		if ap.ApplicationID == a.ID {
			return ap.Values
		}
	}
	w.t.Fatalf("application %d is not in the round", a.ID)
	return nil
}

func TestAScoreFileIsPreviewedRowByRowAndCommittedAllOrNothingWithEveryChangeAudited(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p1)
		ben := w.approved("Ben", w.p1, w.p2)
		w.studentNumber(ann, "B11001")
		w.studentNumber(ben, "B11002")
		w.approved("Cy", w.p3) // no student number: left out of the sheet, scored by hand
		f := w.round()
		grades, oral := f.Components[0].ID, f.Components[1].ID
		w.score(f, w.office, ann, "80", "5")

		// The sheet the office downloads imports back as it is: nothing to
		// change, and Cy, whom a file cannot name, is not in it.
		tab, err := w.sel.ScoreSheet(w.ctx, w.office, f.ID)
		w.must(err, "score sheet")
		var buf bytes.Buffer
		w.must(sheet.WriteCSV(&buf, tab), "write sheet")
		if _, pv := w.upload(f, "round.csv", buf.Bytes()); pv.FileError != nil || pv.ErrorCount != 0 || len(pv.Changes) != 0 || pv.Rows != 2 {
			t.Fatalf("the downloaded sheet previews as %+v", pv)
		}

		// Three bad rows among good ones: each is named, and nothing is written.
		bad := "student_number,name,Grades,口試\r\nB11001,Ann,90,11\r\nB19999,,50,5\r\nB11002,Ben,abc,\r\nB11001,Ann,91,\r\n"
		id, pv := w.upload(f, "bad.csv", []byte(bad))
		if pv.ErrorCount != 4 || pv.BadRows != 4 {
			t.Fatalf("bad file: %d problems on %d rows (%+v), want 4 on 4", pv.ErrorCount, pv.BadRows, pv.Errors)
		}
		want := []struct {
			line int
			key  string
		}{{2, "selection.err.value_range"}, {3, "selection_after.import.err.not_applicant"},
			{4, "selection_after.import.err.not_number"}, {5, "selection_after.import.err.duplicate"}}
		for i, e := range pv.Errors {
			if e.Line != want[i].line || e.Key != want[i].key {
				t.Fatalf("problem %d is line %d %s, want line %d %s", i, e.Line, e.Key, want[i].line, want[i].key)
			}
		}
		res, err := w.sel.CommitScoreImport(w.ctx, w.office, f.ID, id)
		w.must(err, "commit bad file")
		if res.Committed || w.values(f, ann)[grades] != 8000 {
			t.Fatalf("a file with problems was committed (%+v), Ann's grades %d", res, w.values(f, ann)[grades])
		}

		// A header with a typo refuses the whole file rather than drop a component.
		if _, pv := w.upload(f, "typo.csv", []byte("student_number,Grade\nB11001,90\n")); pv.FileError == nil ||
			pv.FileError.Key != "selection_after.import.err.unknown_column" {
			t.Fatalf("a misspelt component: %+v", pv.FileError)
		}

		// A reviewer neither previews nor commits a file.
		if _, err := w.sel.PreviewScoreImport(w.ctx, w.reviewer, f.ID, id); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a reviewer previewed an import: %v", err)
		}

		run, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "dry run")
		w.clock.Advance(time.Minute)

		// A good workbook: a blank cell keeps Ann's oral exam; Ben gets both.
		var xl bytes.Buffer
		w.must(sheet.WriteXLSX(&xl, sheet.Table{Name: "scores", Columns: []string{"Student number", "Grades", "Oral exam"},
			Numeric: map[string]bool{"Grades": true, "Oral exam": true},
			Rows:    [][]string{{"B11001", "92.5", ""}, {"B11002", "70", "6"}}}), "workbook")
		id, pv = w.upload(f, "scores.xlsx", xl.Bytes())
		if pv.ErrorCount != 0 || pv.FileError != nil || len(pv.Changes) != 2 || pv.Values != 3 {
			t.Fatalf("good workbook previews as %d problems %v, %d changes, %d values", pv.ErrorCount, pv.Errors, len(pv.Changes), pv.Values)
		}
		res, err = w.sel.CommitScoreImport(w.ctx, w.office, f.ID, id)
		w.must(err, "commit")
		if !res.Committed || res.Applicants != 2 || res.Values != 3 {
			t.Fatalf("commit: %+v", res)
		}
		if v := w.values(f, ann); v[grades] != 9250 || v[oral] != 500 {
			t.Fatalf("Ann's values after the import: %v", v)
		}
		if v := w.values(f, ben); v[grades] != 7000 || v[oral] != 600 {
			t.Fatalf("Ben's values after the import: %v", v)
		}
		if res, err := w.sel.CommitScoreImport(w.ctx, w.office, f.ID, id); err != nil || !res.AlreadyCommitted || res.Committed {
			t.Fatalf("a second click: %+v, %v", res, err)
		}
		var set, files int64
		w.must(d.Model(&audit.Event{}).Where("action = ? AND object_id = ?", "selection.score.set", strconv.FormatInt(f.ID, 10)).Count(&set).Error, "audit")
		w.must(d.Model(&audit.Event{}).Where("action = ? AND object_id = ?", "selection.score.import", strconv.FormatInt(f.ID, 10)).Count(&files).Error, "audit")
		if set != 2+3 || files != 1 {
			t.Fatalf("%d score changes and %d files audited, want 5 and 1", set, files)
		}

		// The dry run before the import no longer stands for the round.
		if _, err := w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID)); apperr.CodeOf(err) != apperr.Invalid || run.Seq != 1 {
			t.Fatalf("publishing a dry run older than an import: %v", err)
		}
	})
}
