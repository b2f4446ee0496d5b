package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"portal/internal/api"
	"portal/internal/rotation"
	"portal/internal/user"
)

// The pages' access matrices (TestApplicationAccessMatrix,
// TestRotationAccessMatrix, TestWalletAccessMatrix) run again over
// /api/v1, with a token of each role: who may see what does not depend on
// whether a person or a script asks. Every answer is checked against the
// OpenAPI document.

// apiToken makes a write token for the dev user subject, who must have
// signed in once, as `portal token create` does.
func apiToken(t *testing.T, p *portal, subject string) string {
	t.Helper()
	plain, _, err := api.NewService(p.App.DB, p.App.Users, api.Options{}).CreateFor(context.Background(), subject,
		api.CreateInput{Name: "matrix", Scope: string(api.Write), Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// apiIDs reads the ids of a list's items and its next cursor.
func apiIDs(t *testing.T, a apiAnswer) ([]int64, string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("a list answered %d: %s", a.status, a.body)
	}
	var l struct {
		Items []struct{ ID int64 }
		Next  string
	}
	a.decode(t, &l)
	ids := make([]int64, len(l.Items))
	for i, it := range l.Items {
		ids[i] = it.ID
	}
	return ids, l.Next
}

// apiTransitions are every action POST /api/v1/applications/{id}/{action} knows.
var apiTransitions = []string{"start_review", "approve", "return", "reject", "nominate", "promote", "host_decision",
	"accept_offer", "decline_offer", "withdraw"}

func TestTheApplicationAccessMatrixHoldsOverTheAPI(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)
		k := newContract(t, p.portal)
		owner := p.browser()
		owner.signIn("student2")
		cs := p.openChoices()
		p.grantScope("reviewer", cs[0].Specialty)
		id := p.submitted(t, owner, cs[0])
		draft := owner.apply(cs[1])
		var doc int64
		p.App.DB.Raw("SELECT document_id FROM document_attachments WHERE application_id = ? ORDER BY document_id LIMIT 1", id).Scan(&doc)

		tokens := map[string]string{}
		for _, who := range []string{"student", "reviewer2", "reviewer", "office"} {
			p.browser().signIn(who)
			tokens[who] = apiToken(t, p.portal, "demo-"+who)
		}
		tokens["student2"] = apiToken(t, p.portal, "demo-student2")
		app := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/applications/%d%s", id, rest) }

		// The owner sees both, the draft too; the reviewer in scope and
		// the office the submitted one only.
		for _, who := range []string{"student2", "reviewer", "office"} {
			if a := k.call("GET", app(id, ""), tokens[who], nil); a.status != http.StatusOK {
				t.Errorf("%s reads the application: %d %s", who, a.status, a.body)
			}
			ids, _ := apiIDs(t, k.call("GET", "/api/v1/applications", tokens[who], nil))
			if !slices.Contains(ids, id) {
				t.Errorf("%s's list lacks application %d: %v", who, id, ids)
			}
			if who != "student2" {
				if a := k.call("GET", app(draft, ""), tokens[who], nil); a.status != http.StatusNotFound {
					t.Errorf("%s reads the draft: %d", who, a.status)
				}
				if slices.Contains(ids, draft) {
					t.Errorf("%s's list shows the draft", who)
				}
			}
		}
		if a := k.call("GET", app(draft, ""), tokens["student2"], nil); a.status != http.StatusOK {
			t.Errorf("the owner reads their draft: %d", a.status)
		}

		for _, target := range []int64{id, draft} {
			before := p.state(target)
			for _, who := range []string{"student", "reviewer2"} {
				if a := k.call("GET", app(target, ""), tokens[who], nil); a.status != http.StatusNotFound || a.code(t) != "not_found" {
					t.Errorf("%s GET %s: %d, want 404", who, app(target, ""), a.status)
				}
				ids, _ := apiIDs(t, k.call("GET", "/api/v1/applications", tokens[who], nil))
				if slices.Contains(ids, target) {
					t.Errorf("%s's list shows application %d", who, target)
				}
				for _, action := range apiTransitions {
					a := k.call("POST", app(target, "/"+action), tokens[who], map[string]any{"version": before.Version, "comment": "let me in",
						"decision": "accepted", "rank": 1})
					if a.status != http.StatusNotFound {
						t.Errorf("%s POST %s: %d, want 404", who, app(target, "/"+action), a.status)
					}
				}
			}
			for _, action := range apiTransitions {
				if a := k.call("POST", app(target, "/"+action), "", map[string]any{"version": before.Version}); a.status != http.StatusUnauthorized {
					t.Errorf("anonymous POST %s: %d, want 401", action, a.status)
				}
			}
			if a := k.call("GET", app(target, ""), "", nil); a.status != http.StatusUnauthorized {
				t.Errorf("anonymous GET: %d, want 401", a.status)
			}
			if after := p.state(target); after != before {
				t.Errorf("application %d changed: %+v, was %+v", target, after, before)
			}
		}
		// The attached document's metadata: its owner reads it, outsiders
		// are told it does not exist, and it is in nobody else's wallet.
		if a := k.call("GET", fmt.Sprintf("/api/v1/documents/%d", doc), tokens["student2"], nil); a.status != http.StatusOK {
			t.Errorf("the owner reads their document's metadata: %d %s", a.status, a.body)
		}
		for _, who := range []string{"student", "reviewer2"} {
			if a := k.call("GET", fmt.Sprintf("/api/v1/documents/%d", doc), tokens[who], nil); a.status != http.StatusNotFound {
				t.Errorf("%s reads the attached document's metadata: %d", who, a.status)
			}
			if ids, _ := apiIDs(t, k.call("GET", "/api/v1/documents", tokens[who], nil)); slices.Contains(ids, doc) {
				t.Errorf("%s's wallet lists the student's document", who)
			}
		}
		if n := p.count("SELECT COUNT(*) FROM review_events WHERE comment = 'let me in'"); n != 0 {
			t.Errorf("%d events by outsiders", n)
		}
		for _, bad := range []string{"/api/v1/applications/0", "/api/v1/applications/abc", "/api/v1/applications/99999999"} {
			if a := k.call("GET", bad, tokens["student"], nil); a.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", bad, a.status)
			}
		}
	})
}

func TestTheAPIListsRotationsAndDocumentMetadataToThoseThePagesShowThemTo(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		k := newContract(t, p.portal)
		for _, who := range []string{"visitor", "visitor2", "coordinator", "coordinator2", "student", "office"} {
			p.browser().signIn(who)
		}
		p.grant("demo-coordinator", p.fm)
		p.grant("demo-coordinator2", p.id)
		p.wallet("demo-visitor")
		ctx := context.Background()
		u := &user.User{ID: p.userID("demo-visitor"), Roles: []user.Role{user.Incoming}}
		var docs []int64
		p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ? ORDER BY id", u.ID).Scan(&docs)
		r, err := p.App.Rotations.CreateDraft(ctx, u, rotation.DraftInput{Key: "api-matrix-key", Documents: docs,
			Choices: []rotation.ChoiceInput{{DepartmentID: p.fm, StartsOn: p.week(4), Weeks: "2"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = p.App.Rotations.Submit(ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: "api-matrix-submit"}); err != nil {
			t.Fatal(err)
		}
		draft, err := p.App.Rotations.CreateDraft(ctx, u, rotation.DraftInput{Key: "api-matrix-draft",
			Choices: []rotation.ChoiceInput{{DepartmentID: p.fm, StartsOn: p.week(8), Weeks: "2"}}})
		if err != nil {
			t.Fatal(err)
		}
		var letter int64 // a nomination letter: not a health record, no consent in the way
		p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ? AND type = 'nomination_letter'", u.ID).Scan(&letter)
		tok := map[string]string{}
		for _, who := range []string{"visitor", "visitor2", "coordinator", "coordinator2", "student", "office"} {
			tok[who] = apiToken(t, p.portal, "demo-"+who)
		}
		rot := func(id int64) string { return fmt.Sprintf("/api/v1/rotations/%d", id) }
		version := p.count("SELECT version FROM rotation_requests WHERE id = ?", r.ID)

		t.Run("the applicant pages through their own requests, the draft too", func(t *testing.T) {
			first, next := apiIDs(t, k.call("GET", "/api/v1/rotations?limit=1", tok["visitor"], nil))
			if len(first) != 1 || first[0] != r.ID || next == "" {
				t.Fatalf("first page %v next %q", first, next)
			}
			second, last := apiIDs(t, k.call("GET", "/api/v1/rotations?limit=1&after="+next, tok["visitor"], nil))
			if len(second) != 1 || second[0] != draft.ID || last != "" {
				t.Errorf("second page %v next %q, want the draft and the end", second, last)
			}
			a := k.call("GET", rot(r.ID), tok["visitor"], nil)
			var d struct {
				Stage   string
				Version int
				Choices []struct {
					DepartmentID int64 `json:"department_id"`
				}
				Documents []struct{ ID int64 }
				Events    []json.RawMessage
			}
			a.decode(t, &d)
			if a.status != http.StatusOK || d.Stage != "submitted" || int64(d.Version) != version || len(d.Choices) != 1 ||
				d.Choices[0].DepartmentID != p.fm || len(d.Documents) != len(docs) || len(d.Events) != 1 {
				t.Errorf("the applicant reads their request: %d %s", a.status, a.body)
			}
			ids, _ := apiIDs(t, k.call("GET", "/api/v1/documents", tok["visitor"], nil))
			if !slices.Equal(ids, docs) {
				t.Errorf("the wallet lists %v, want %v", ids, docs)
			}
			ids, _ = apiIDs(t, k.call("GET", "/api/v1/documents?type=nomination_letter", tok["visitor"], nil))
			if len(ids) != 1 || ids[0] != letter {
				t.Errorf("the type filter: %v", ids)
			}
		})

		t.Run("the department's coordinator and the office see the request, not the draft", func(t *testing.T) {
			for _, who := range []string{"coordinator", "office"} {
				ids, _ := apiIDs(t, k.call("GET", "/api/v1/rotations", tok[who], nil))
				if !slices.Contains(ids, r.ID) || slices.Contains(ids, draft.ID) {
					t.Errorf("%s lists %v", who, ids)
				}
				if a := k.call("GET", rot(r.ID), tok[who], nil); a.status != http.StatusOK {
					t.Errorf("%s reads the request: %d", who, a.status)
				}
				if a := k.call("GET", rot(draft.ID), tok[who], nil); a.status != http.StatusNotFound {
					t.Errorf("%s reads the draft: %d", who, a.status)
				}
				a := k.call("GET", fmt.Sprintf("/api/v1/documents/%d", letter), tok[who], nil)
				if a.status != http.StatusOK || !jsonHas(a, "file_name", "nomination_letter.pdf") {
					t.Errorf("%s reads the attached letter's metadata: %d %s", who, a.status, a.body)
				}
			}
			// The visitor's disclosure log says their letter's details were
			// read, not that the letter was opened.
			if n := p.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND action = 'document.described'", u.ID); n != 2 {
				t.Errorf("%d reads of the letter's details in the log, want the coordinator's and the office's", n)
			}
			if n := p.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND action = 'document.opened'", u.ID); n != 0 {
				t.Errorf("%d openings of the letter in the log, yet nobody opened it", n)
			}
			ids, _ := apiIDs(t, k.call("GET", fmt.Sprintf("/api/v1/rotations?stage=submitted&department=%d", p.fm), tok["office"], nil))
			if !slices.Contains(ids, r.ID) {
				t.Errorf("the filters drop the request: %v", ids)
			}
			for _, q := range []string{"?stage=accepted", fmt.Sprintf("?department=%d", p.id)} {
				if ids, _ := apiIDs(t, k.call("GET", "/api/v1/rotations"+q, tok["office"], nil)); slices.Contains(ids, r.ID) {
					t.Errorf("%s keeps the request", q)
				}
			}
		})

		t.Run("everyone else is told neither exists, and nothing changes", func(t *testing.T) {
			for _, who := range []string{"visitor2", "coordinator2", "student"} {
				if ids, _ := apiIDs(t, k.call("GET", "/api/v1/rotations", tok[who], nil)); slices.Contains(ids, r.ID) || slices.Contains(ids, draft.ID) {
					t.Errorf("%s lists %v", who, ids)
				}
				for _, id := range []int64{r.ID, draft.ID} {
					if a := k.call("GET", rot(id), tok[who], nil); a.status != http.StatusNotFound || a.code(t) != "not_found" {
						t.Errorf("%s GET %s: %d", who, rot(id), a.status)
					}
				}
				for _, d := range docs {
					if a := k.call("GET", fmt.Sprintf("/api/v1/documents/%d", d), tok[who], nil); a.status != http.StatusNotFound {
						t.Errorf("%s reads document %d: %d", who, d, a.status)
					}
				}
				if ids, _ := apiIDs(t, k.call("GET", "/api/v1/documents", tok[who], nil)); len(ids) != 0 {
					t.Errorf("%s's wallet lists %v", who, ids)
				}
			}
			for _, path := range []string{"/api/v1/rotations", rot(r.ID), "/api/v1/documents", fmt.Sprintf("/api/v1/documents/%d", letter)} {
				if a := k.call("GET", path, "", nil); a.status != http.StatusUnauthorized {
					t.Errorf("anonymous GET %s: %d", path, a.status)
				}
			}
			for _, q := range []string{"?stage=bogus", "?department=x", "?limit=500", "?after=abc"} {
				if a := k.call("GET", "/api/v1/rotations"+q, tok["office"], nil); a.status != http.StatusUnprocessableEntity || a.code(t) != "invalid" {
					t.Errorf("GET /api/v1/rotations%s: %d %s", q, a.status, a.body)
				}
			}
			if a := k.call("GET", "/api/v1/documents?type=diary", tok["visitor"], nil); a.status != http.StatusUnprocessableEntity {
				t.Errorf("an unknown type: %d", a.status)
			}
			if v := p.count("SELECT version FROM rotation_requests WHERE id = ?", r.ID); v != version || p.status(r.ID) != "submitted" {
				t.Errorf("the request changed: v%d %s", v, p.status(r.ID))
			}
		})
	})
}

// jsonHas reports whether the answer's object has field set to want.
func jsonHas(a apiAnswer, field, want string) bool {
	var m map[string]any
	if json.Unmarshal(a.body, &m) != nil {
		return false
	}
	return fmt.Sprint(m[field]) == want
}
