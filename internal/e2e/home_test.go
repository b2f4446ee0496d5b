package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// In Chromium: a student types a second choice and a statement on a draft
// and presses Submit without saving while a required document is missing.
// The refusal comes back with the form exactly as typed, and it was saved.
func TestApplicationSubmitKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	a, base := startPortalWith(t, nil) // no demo applications, an empty wallet
	st := newTab(t, base)
	st.signIn("student")
	opts, err := a.Applications.Options(context.Background())
	if err != nil || len(opts) < 2 {
		t.Fatalf("open choices: %d, %v", len(opts), err)
	}
	first, second := opts[0], opts[1]
	for _, o := range opts {
		if o.ElectiveID != first.ElectiveID {
			second = o
			break
		}
	}

	st.open(fmt.Sprintf("/electives/%d", first.ElectiveID))
	if status := st.click(".app-apply button[type=submit]"); status != 200 {
		t.Fatalf("apply answered %d", status)
	}
	statement := "I want to see the liver clinic, and the transplant ward if I may."
	choice2 := fmt.Sprintf("%d:%d", second.ElectiveID, second.PeriodID)
	st.fill("#statement", statement)
	st.fill("#choice-2", choice2)
	st.act("submit", 422) // documents are missing; nothing was saved by hand
	s := st.state()
	wantContains(t, "refused submit", s.Body, "Your changes are saved, but nothing else was done.")
	wantEqual(t, "statement after the refused submit", eval[string](st, `document.querySelector("#statement").value`), statement)
	wantEqual(t, "second choice after the refused submit", eval[string](st, `document.querySelector("#choice-2").value`), choice2)
	st.checkA11y("refused submit of a draft")

	var saved string
	a.DB.Raw("SELECT statement FROM applications ORDER BY id DESC LIMIT 1").Scan(&saved)
	if strings.TrimSpace(saved) != statement {
		t.Errorf("saved statement %q, want what was typed", saved)
	}
}
