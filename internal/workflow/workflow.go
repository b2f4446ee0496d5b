// Package workflow answers the questions a transition table answers, for
// both workflows of the portal (outgoing applications and incoming
// rotation requests): may this party take this action at this stage, and
// where does it lead; what may they do now; whose turn is it. The tables
// themselves are data in their own packages.
package workflow

import (
	"errors"
	"slices"

	"portal/internal/apperr"
)

// Transition is one row of a table: from a stage, by an action, a party
// moves the case to another stage.
type Transition[S, A, P comparable] struct {
	From   S
	Action A
	To     S
	By     P
}

// Table is a workflow: its stages and actions in display order, the only
// moves there are, and the refusals of Allowed.
type Table[S, A, P comparable] struct {
	Stages      []S
	Actions     []A
	Transitions []Transition[S, A, P]
	// Unknown refuses a stage or action not in the table, NotNow an action
	// nobody may take at a stage, NotYours one another party may take.
	Unknown, NotNow, NotYours error
}

// Allowed answers whether party by may take action at stage from, and
// where it leads.
func (t Table[S, A, P]) Allowed(from S, action A, by P) (S, error) {
	var none S
	if !slices.Contains(t.Stages, from) || !slices.Contains(t.Actions, action) {
		return none, t.Unknown
	}
	someone := false
	for _, tr := range t.Transitions {
		if tr.From == from && tr.Action == action {
			if tr.By == by {
				return tr.To, nil
			}
			someone = true
		}
	}
	if someone {
		return none, t.NotYours
	}
	return none, t.NotNow
}

// ActionsAt lists the actions any of parties may take at stage, in the
// order of Actions, each once.
func (t Table[S, A, P]) ActionsAt(stage S, parties ...P) []A {
	var out []A
	for _, a := range t.Actions {
		for _, p := range parties {
			if _, err := t.Allowed(stage, a, p); err == nil && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// Turn is the party of the first transition from stage that counts, the
// one whose move the case waits for; none at a final stage.
func (t Table[S, A, P]) Turn(stage S, counts func(Transition[S, A, P]) bool) P {
	for _, tr := range t.Transitions {
		if tr.From == stage && counts(tr) {
			return tr.By
		}
	}
	var none P
	return none
}

// Final reports whether nothing more can happen at stage.
func (t Table[S, A, P]) Final(stage S) bool {
	for _, tr := range t.Transitions {
		if tr.From == stage {
			return false
		}
	}
	return true
}

// AllowedFor tries each party someone is to a case and returns the first
// the table lets take action, with where it leads. When none may, the
// refusal is the most telling one: "not yours" over "not now".
func (t Table[S, A, P]) AllowedFor(stage S, action A, parties []P) (P, S, error) {
	var refusal error
	for _, p := range parties {
		to, err := t.Allowed(stage, action, p)
		if err == nil {
			return p, to, nil
		}
		if refusal == nil || errors.Is(err, t.NotYours) {
			refusal = err
		}
	}
	var (
		noP P
		noS S
	)
	return noP, noS, refusal
}

// Parse returns the member of list named s, for stages and actions read
// from a URL or a form.
func Parse[T ~string](list []T, s string) (T, bool) {
	for _, v := range list {
		if string(v) == s {
			return v, true
		}
	}
	return "", false
}

// Rows turns a workflow's own transition rows (a local struct, so that its
// table can be written without field names) into the kernel's.
func Rows[T ~struct {
	From   S
	Action A
	To     S
	By     P
}, S, A, P comparable](ts []T) []Transition[S, A, P] {
	out := make([]Transition[S, A, P], len(ts))
	for i, t := range ts {
		out[i] = Transition[S, A, P](t)
	}
	return out
}

// NewTable is the table of a workflow whose refusals are the messages
// "<name>.err.unknown", "<name>.err.not_now" and "<name>.err.not_yours".
func NewTable[S, A, P comparable](name string, stages []S, actions []A, rows []Transition[S, A, P]) Table[S, A, P] {
	return Table[S, A, P]{Stages: stages, Actions: actions, Transitions: rows,
		Unknown:  apperr.New(apperr.Invalid, name+".err.unknown"),
		NotNow:   apperr.New(apperr.Invalid, name+".err.not_now"),
		NotYours: apperr.New(apperr.Forbidden, name+".err.not_yours"),
	}
}
