package watch_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// A student stars and unstars electives and sees them listed, soonest
// closing first; only students keep stars, and only of live electives.
func TestStudentsStarElectivesAndSeeThemListed(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		late := w.elective("Dermatology elective", "", -5, 40)
		early := w.elective("Pediatrics elective", "小兒科選修", -5, 10)
		lin := w.person("Lin Mei-Hua", "zh-Hant", user.Student)
		reviewer := w.person("Reviewer", "en", user.Reviewer)

		w.must(w.s.Star(w.ctx, lin, late.ID), "star")
		w.must(w.s.Star(w.ctx, lin, late.ID), "star again")
		w.must(w.s.Star(w.ctx, lin, early.ID), "star")
		list, err := w.s.Starred(w.ctx, lin)
		w.must(err, "starred")
		if len(list) != 2 || list[0].ElectiveID != early.ID || list[1].ElectiveID != late.ID {
			t.Fatalf("starred %+v, want the pediatrics elective, then dermatology", list)
		}
		if list[0].SeatsLeft != 5 || list[0].NextStart == nil || list[0].InstitutionNameLocal != "熊本大学" {
			t.Errorf("a starred card lacks its seats or partner: %+v", list[0].Card)
		}
		if n, _ := w.s.StarCount(w.ctx, lin); n != 2 {
			t.Errorf("star count %d, want 2", n)
		}
		on, err := w.s.StarredAmong(w.ctx, lin, []int64{early.ID, late.ID, 999})
		w.must(err, "starred among")
		if !on[early.ID] || !on[late.ID] || on[999] {
			t.Errorf("starred among: %v", on)
		}

		w.must(w.s.Unstar(w.ctx, lin, late.ID), "unstar")
		if n, _ := w.s.StarCount(w.ctx, lin); n != 1 {
			t.Errorf("after unstarring, count %d, want 1", n)
		}
		if err := w.s.Star(w.ctx, reviewer, early.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer starring: %v, want forbidden", err)
		}
		if err := w.s.Star(w.ctx, lin, 999999); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("starring a missing elective: %v, want not found", err)
		}
	})
}

// Saved searches are a student's own: a name used twice is refused on the
// name field and nothing is saved; another student's search cannot be
// deleted.
func TestSavedSearchesBelongToTheirStudent(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lin := w.person("Lin Mei-Hua", "zh-Hant", user.Student)
		emily := w.person("Emily Huang", "en", user.Student)

		s, err := w.s.SaveSearch(w.ctx, lin, "  Japan cardiology  ", "country=JP&specialty=cardiology")
		w.must(err, "save")
		if s.Name != "Japan cardiology" {
			t.Errorf("name %q, want it trimmed", s.Name)
		}
		_, err = w.s.SaveSearch(w.ctx, lin, "japan CARDIOLOGY", "q=heart")
		if f := apperr.FieldsOf(err); f["name"].Key != "watch.err.name_taken" {
			t.Errorf("the same name again: %v (%v), want name_taken", err, f)
		}
		_, err = w.s.SaveSearch(w.ctx, lin, "", "q=heart")
		if f := apperr.FieldsOf(err); f["name"].Key != "form.required" {
			t.Errorf("no name: %v, want required", err)
		}
		_, err = w.s.SaveSearch(w.ctx, emily, "Japan cardiology", "country=JP")
		w.must(err, "another student may use the same name")

		list, err := w.s.Searches(w.ctx, lin)
		w.must(err, "searches")
		if len(list) != 1 || list[0].Query != "country=JP&specialty=cardiology" {
			t.Fatalf("Lin's searches %+v, want the one saved", list)
		}
		if err := w.s.DeleteSearch(w.ctx, emily, list[0].ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deleting another's search: %v, want not found", err)
		}
		w.must(w.s.DeleteSearch(w.ctx, lin, list[0].ID), "delete")
		if list, _ := w.s.Searches(w.ctx, lin); len(list) != 0 {
			t.Errorf("after deleting, %d searches", len(list))
		}
	})
}
