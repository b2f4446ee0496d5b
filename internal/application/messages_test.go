package application_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"portal/internal/application"
	"portal/internal/i18n"
)

// Every message the package can produce, and every stage, action, party
// and host decision a page names, is translated in every language.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"application.changed.saved": true, "error.not_found": true}
	for _, st := range application.Stages {
		keys["application.stage."+string(st)] = true
	}
	for _, a := range append(application.Actions, application.Note) {
		keys["application.action."+string(a)] = true
		if a != application.Note {
			keys["application.changed."+string(a)] = true
		}
	}
	for p := range application.PartyRoles {
		keys["application.party."+string(p)] = true
	}
	keys["application.party."+string(application.System)] = true
	for _, d := range application.HostDecisions {
		keys["application.host_decision."+d] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile(`"((?:application\.err|form)\.[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 60 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for k := range keys {
		for _, o := range i18n.Options {
			if got := b.T(o.Lang, k); got == k || got == "" {
				t.Errorf("%s has no %s message", k, o.Lang)
			}
		}
	}
}
