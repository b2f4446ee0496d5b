// Package workflow answers the questions a transition table answers, for
// both workflows of the portal (outgoing applications and incoming
// rotation requests): may this party take this action at this stage, and
// where does it lead; what may they do now; whose turn is it. The tables
// themselves are data in their own packages.
package workflow

import "slices"

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
