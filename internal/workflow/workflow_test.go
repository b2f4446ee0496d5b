package workflow

import (
	"errors"
	"slices"
	"testing"
)

var (
	errUnknown  = errors.New("unknown")
	errNotNow   = errors.New("not now")
	errNotYours = errors.New("not yours")
)

// A door: the tenant opens and closes it, the landlord may also lock it.
var door = Table[string, string, string]{
	Stages:  []string{"closed", "open", "locked"},
	Actions: []string{"open", "close", "lock"},
	Transitions: []Transition[string, string, string]{
		{"closed", "open", "open", "tenant"},
		{"open", "close", "closed", "tenant"},
		{"closed", "lock", "locked", "landlord"},
		{"closed", "lock", "locked", "tenant"},
	},
	Unknown: errUnknown, NotNow: errNotNow, NotYours: errNotYours,
}

func TestTable(t *testing.T) {
	for _, c := range []struct {
		from, action, by, to string
		err                  error
	}{
		{"closed", "open", "tenant", "open", nil},
		{"closed", "lock", "landlord", "locked", nil},
		{"closed", "open", "landlord", "", errNotYours},
		{"open", "lock", "tenant", "", errNotNow},
		{"locked", "open", "tenant", "", errNotNow},
		{"ajar", "open", "tenant", "", errUnknown},
		{"closed", "kick", "tenant", "", errUnknown},
	} {
		to, err := door.Allowed(c.from, c.action, c.by)
		if to != c.to || !errors.Is(err, c.err) {
			t.Errorf("%s %s by %s: %q, %v; want %q, %v", c.from, c.action, c.by, to, err, c.to, c.err)
		}
	}
	if got := door.ActionsAt("closed", "landlord", "tenant"); !slices.Equal(got, []string{"open", "lock"}) {
		t.Errorf("actions at closed: %v", got)
	}
	if got := door.Turn("closed", func(tr Transition[string, string, string]) bool { return tr.Action != "open" }); got != "landlord" {
		t.Errorf("turn at closed, opening aside: %q", got)
	}
	if got := door.Turn("locked", func(Transition[string, string, string]) bool { return true }); got != "" {
		t.Errorf("turn at locked: %q", got)
	}
	if !door.Final("locked") || door.Final("open") {
		t.Error("only locked is final")
	}
}
