package application_test

import (
	"slices"
	"testing"

	"portal/internal/apperr"
	. "portal/internal/application"
)

// move is one expected move: who may take an action at a stage, and the
// stage it leads to.
type move struct {
	by Party
	to Stage
}

// expected is the outgoing workflow of docs/architecture.md written out again, stage by
// stage, independently of the Transitions table it checks.
var expected = map[Stage]map[Action]move{
	Draft:            {Submit: {Applicant, Submitted}, Withdraw: {Applicant, Withdrawn}},
	Returned:         {Resubmit: {Applicant, Submitted}, Withdraw: {Applicant, Withdrawn}},
	Submitted:        {StartReview: {Reviewer, DepartmentReview}, Return: {Reviewer, Returned}, Reject: {Reviewer, Rejected}, Withdraw: {Applicant, Withdrawn}},
	DepartmentReview: {Approve: {Reviewer, OfficeReview}, Return: {Reviewer, Returned}, Reject: {Reviewer, Rejected}, Withdraw: {Applicant, Withdrawn}},
	OfficeReview:     {Nominate: {Office, Nominated}, Return: {Office, Returned}, Reject: {Office, Rejected}, Withdraw: {Applicant, Withdrawn}},
	Nominated:        {HostAccept: {Office, HostAccepted}, HostWaitlist: {Office, Waitlisted}, HostReject: {Office, HostRejected}, Withdraw: {Applicant, Withdrawn}},
	Waitlisted:       {Promote: {Office, HostAccepted}, HostReject: {Office, HostRejected}, Withdraw: {Applicant, Withdrawn}},
	HostRejected:     {Nominate: {Office, Nominated}, Withdraw: {Applicant, Withdrawn}},
	HostAccepted:     {AcceptOffer: {Applicant, Confirmed}, DeclineOffer: {Applicant, Declined}, Expire: {System, Expired}, Withdraw: {Applicant, Withdrawn}},
	Confirmed:        {Recognise: {Office, Completed}, Withdraw: {Applicant, Withdrawn}},
	Completed:        {},
	Declined:         {},
	Expired:          {},
	Rejected:         {},
	Withdrawn:        {},
}

var parties = []Party{Applicant, Reviewer, Office, System}

// Every (stage, action, party): the allowed moves lead where the design
// says; an action someone else may take now is forbidden; any other is
// "not now".
func TestAllowedOverEveryStageActionAndParty(t *testing.T) {
	if len(expected) != len(Stages) {
		t.Fatalf("the test knows %d stages, the package %d", len(expected), len(Stages))
	}
	allowed := 0
	for _, st := range Stages {
		for _, act := range Actions {
			for _, p := range parties {
				to, err := Allowed(st, act, p)
				want, ok := expected[st][act]
				switch {
				case ok && want.by == p:
					allowed++
					if err != nil || to != want.to {
						t.Errorf("Allowed(%s, %s, %s) = %q, %v; want %s", st, act, p, to, err, want.to)
					}
				case ok && p == System && act == Nominate && want.by == Office:
					// A selection round's nomination: the system rows below.
				case ok:
					wantRefusal(t, err, apperr.Forbidden, "application.err.not_yours", st, act, p)
				default:
					wantRefusal(t, err, apperr.Invalid, "application.err.not_now", st, act, p)
				}
			}
		}
	}
	// The host's rows repeat the office's answers for the host party,
	// which answers through a dossier link (internal/host).
	hostRows := 0
	for _, tr := range Transitions {
		if tr.By != Host {
			continue
		}
		hostRows++
		if want, ok := expected[tr.From][tr.Action]; !ok || want.by != Office || want.to != tr.To {
			t.Errorf("the host may %s from %s to %s, which the office may not", tr.Action, tr.From, tr.To)
		}
		if to, err := Allowed(tr.From, tr.Action, Host); err != nil || to != tr.To {
			t.Errorf("Allowed(%s, %s, host) = %q, %v; want %s", tr.From, tr.Action, to, err, tr.To)
		}
	}
	if hostRows == 0 {
		t.Error("the host answers no nomination")
	}
	// The system's nominations repeat the office's for a published
	// selection round (internal/selection/auto.go).
	systemRows := 0
	for _, tr := range Transitions {
		if tr.By != System || tr.Action != Nominate {
			continue
		}
		systemRows++
		if want, ok := expected[tr.From][tr.Action]; !ok || want.by != Office || want.to != tr.To {
			t.Errorf("the system may %s from %s to %s, which the office may not", tr.Action, tr.From, tr.To)
		}
	}
	if systemRows != 2 {
		t.Errorf("the system nominates from %d stages, want 2 (office_review, host_rejected)", systemRows)
	}
	if allowed+hostRows+systemRows != len(Transitions) {
		t.Errorf("%d moves allowed, %d of the host and %d of the system, the table has %d rows", allowed, hostRows, systemRows, len(Transitions))
	}
}

func wantRefusal(t *testing.T, err error, code apperr.Code, key string, st Stage, act Action, p Party) {
	t.Helper()
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Code != code || ae.Key != key {
		t.Errorf("Allowed(%s, %s, %s) = %v; want %s %s", st, act, p, err, code, key)
	}
}

// A forged stage or action (anything a form could carry) is refused as
// unknown, never matched loosely.
func TestAllowedRefusesForgedNames(t *testing.T) {
	cases := []struct {
		stage  Stage
		action Action
	}{
		{"confirmed ", Withdraw}, {"CONFIRMED", Withdraw}, {"", Submit}, {"approved", Approve},
		{Draft, "submit;"}, {Draft, ""}, {Submitted, Note}, {OfficeReview, "Nominate"},
	}
	for _, c := range cases {
		for _, p := range append(parties, "", "admin") {
			if _, err := Allowed(c.stage, c.action, p); apperr.CodeOf(err) != apperr.Invalid || err.(*apperr.Error).Key != "application.err.unknown" {
				t.Errorf("Allowed(%q, %q, %q) = %v; want unknown", c.stage, c.action, p, err)
			}
		}
	}
	for _, s := range []string{"", "Draft", "draft ", "complete", "1"} {
		if _, ok := ParseStage(s); ok {
			t.Errorf("ParseStage(%q) accepted", s)
		}
	}
	for _, st := range Stages {
		if got, ok := ParseStage(string(st)); !ok || got != st {
			t.Errorf("ParseStage(%q) = %q, %v", st, got, ok)
		}
	}
	for _, a := range Actions {
		if got, ok := ParseAction(string(a)); !ok || got != a {
			t.Errorf("ParseAction(%q) = %q, %v", a, got, ok)
		}
	}
}

func TestActionsTurnAndFinal(t *testing.T) {
	cases := []struct {
		stage   Stage
		parties []Party
		want    []Action
	}{
		{Draft, []Party{Applicant}, []Action{Submit, Withdraw}},
		{Submitted, []Party{Reviewer}, []Action{StartReview, Return, Reject}},
		{Submitted, []Party{Reviewer, Office}, []Action{StartReview, Return, Reject}},
		{Submitted, []Party{Office}, nil},
		{OfficeReview, []Party{Office}, []Action{Nominate, Return, Reject}},
		{Nominated, []Party{Office}, []Action{HostAccept, HostWaitlist, HostReject}},
		{HostAccepted, []Party{Applicant}, []Action{AcceptOffer, DeclineOffer, Withdraw}},
		{HostAccepted, []Party{System}, []Action{Expire}},
		{Completed, []Party{Applicant, Reviewer, Office, System}, nil},
	}
	for _, c := range cases {
		if got := ActionsAt(c.stage, c.parties...); !slices.Equal(got, c.want) {
			t.Errorf("ActionsAt(%s, %v) = %v, want %v", c.stage, c.parties, got, c.want)
		}
	}
	turns := map[Stage]Party{
		Draft: Applicant, Returned: Applicant, Submitted: Reviewer, DepartmentReview: Reviewer, OfficeReview: Office,
		Nominated: Office, Waitlisted: Office, HostRejected: Office, HostAccepted: Applicant, Confirmed: Office, // recognition
		Completed: "", Declined: "", Expired: "", Rejected: "", Withdrawn: "",
	}
	for st, want := range turns {
		if got := Turn(st); got != want {
			t.Errorf("Turn(%s) = %q, want %q", st, got, want)
		}
		if Final(st) != (want == "") {
			t.Errorf("Final(%s) = %v", st, Final(st))
		}
	}
}
