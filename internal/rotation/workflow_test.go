package rotation_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/rotation"
)

type move struct {
	to rotation.Stage
	by []rotation.Party
}

// expected is the incoming workflow (docs/architecture.md) written out by hand,
// independently of rotation.Transitions: every allowed (stage, action) with
// where it goes and who may take it.
var expected = map[rotation.Stage]map[rotation.Action]move{
	rotation.Draft:            {rotation.Submit: {rotation.Submitted, app}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Returned:         {rotation.Resubmit: {rotation.Submitted, app}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Submitted:        {rotation.StartReview: {rotation.DepartmentReview, coo}, rotation.Return: {rotation.Returned, coo}, rotation.Reject: {rotation.Rejected, coo}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.DepartmentReview: {rotation.Forward: {rotation.OfficeReview, coo}, rotation.Return: {rotation.Returned, coo}, rotation.Reject: {rotation.Rejected, coo}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.OfficeReview:     {rotation.Accept: {rotation.Accepted, off}, rotation.Waitlist: {rotation.Waitlisted, off}, rotation.Return: {rotation.Returned, off}, rotation.Reject: {rotation.Rejected, off}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Waitlisted:       {rotation.Accept: {rotation.Accepted, off}, rotation.Reject: {rotation.Rejected, off}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Accepted:         {rotation.Confirm: {rotation.Confirmed, app}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Confirmed:        {rotation.Complete: {rotation.Completed, []rotation.Party{rotation.Coordinator, rotation.Office}}, rotation.Withdraw: {rotation.Withdrawn, app}},
	rotation.Completed:        {},
	rotation.Rejected:         {},
	rotation.Withdrawn:        {},
}

var (
	app = []rotation.Party{rotation.Applicant}
	coo = []rotation.Party{rotation.Coordinator}
	off = []rotation.Party{rotation.Office}
)

func allowedBy(st rotation.Stage, act rotation.Action, p rotation.Party) (rotation.Stage, bool) {
	m, ok := expected[st][act]
	if !ok {
		return "", false
	}
	for _, b := range m.by {
		if b == p {
			return m.to, true
		}
	}
	return "", false
}

// Every stage × action × party: Allowed agrees with the hand-written table,
// and refuses the rest as "not now" (nobody may) or forbidden (someone else
// may).
func TestAllowedEveryStageActionParty(t *testing.T) {
	if len(expected) != len(rotation.Stages) {
		t.Fatalf("the expected table covers %d stages of %d", len(expected), len(rotation.Stages))
	}
	for _, st := range rotation.Stages {
		for _, act := range rotation.Actions {
			for _, p := range rotation.Parties {
				to, err := rotation.Allowed(st, act, p)
				want, ok := allowedBy(st, act, p)
				switch {
				case ok && (err != nil || to != want):
					t.Errorf("%s/%s by %s: %q, %v; want %s", st, act, p, to, err, want)
				case !ok && err == nil:
					t.Errorf("%s/%s by %s: allowed to %s, want refused", st, act, p, to)
				case !ok:
					_, someone := expected[st][act]
					wantCode := apperr.Invalid
					if someone {
						wantCode = apperr.Forbidden
					}
					if apperr.CodeOf(err) != wantCode {
						t.Errorf("%s/%s by %s: %v, want %s", st, act, p, err, wantCode)
					}
				}
			}
		}
	}
	if _, err := rotation.Allowed("nonsense", rotation.Submit, rotation.Applicant); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unknown stage: %v", err)
	}
	if _, err := rotation.Allowed(rotation.Draft, "nonsense", rotation.Applicant); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unknown action: %v", err)
	}
}

func TestTurnAndFinal(t *testing.T) {
	for st, want := range map[rotation.Stage]rotation.Party{
		rotation.Draft: rotation.Applicant, rotation.Submitted: rotation.Coordinator, rotation.OfficeReview: rotation.Office,
		rotation.Accepted: rotation.Applicant, rotation.Confirmed: rotation.Coordinator, rotation.Completed: "",
	} {
		if got := rotation.Turn(st); got != want {
			t.Errorf("Turn(%s) = %q, want %q", st, got, want)
		}
	}
	for _, st := range rotation.Stages {
		if got, want := rotation.Final(st), len(expected[st]) == 0; got != want {
			t.Errorf("Final(%s) = %v", st, got)
		}
	}
}
