package application_test

import (
	"fmt"
	"testing"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// someone is a person trying an action, and who they are to the
// application under test ("" when nobody: another student, a reviewer of
// another specialty, a person without a role).
type someone struct {
	name  string
	u     *user.User
	party application.Party
}

func (w *world) cast(applicant *user.User) []someone {
	return []someone{
		{"applicant", applicant, application.Applicant},
		{"reviewer", w.reviewer, application.Reviewer},
		{"office", w.office, application.Office},
		{"admin", w.admin, application.Office},
		{"another student", w.student, ""},
		{"reviewer of surgery", w.outsider, ""},
		{"nobody", w.nobody, ""},
	}
}

// serviceAllows is the table as the service exposes it: Submit is one
// method for submitting a draft and resubmitting a returned application.
func serviceAllows(st application.Stage, act application.Action, p application.Party) (application.Stage, bool) {
	if act == application.Submit && st == application.Returned {
		act = application.Resubmit
	}
	m, ok := expected[st][act]
	return m.to, ok && m.by == p && p != ""
}

// Every (stage, action, person) through the service: each allowed move
// succeeds on a fresh application, moves it where the table says and
// writes exactly one review event; every other attempt is refused as
// invalid, forbidden or not found and changes nothing. Resubmit is Submit's
// own method; the system's expiry has no method a person can call.
func TestServiceOverEveryStageActionAndPerson(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, st := range application.Stages {
			applicant := w.applicant()
			a := w.at(applicant, st)
			for _, act := range application.Actions {
				if act == application.Resubmit || act == application.Expire {
					continue
				}
				for _, who := range w.cast(applicant) {
					if to, ok := serviceAllows(st, act, who.party); ok {
						w.run(fmt.Sprintf("%s/%s/%s", st, act, who.name), func(t *testing.T) {
							applicant := w.applicant()
							wantMove(t, w, w.at(applicant, st), act, who.userOr(applicant), who.party, to)
						})
						continue
					}
					before, events, sent := w.reload(a), len(w.events(a.ID)), w.out.count()
					_, err := w.do(act, who.u, a)
					switch apperr.CodeOf(err) {
					case apperr.Invalid, apperr.Forbidden, apperr.NotFound:
					default:
						t.Errorf("%s: %s by %s: %v; want a refusal", st, act, who.name, err)
					}
					after := w.reload(a)
					if after.Status != before.Status || after.Version != before.Version || len(w.events(a.ID)) != events || w.out.count() != sent {
						t.Errorf("%s: refused %s by %s changed the application: %s v%d -> %s v%d", st, act, who.name,
							before.Status, before.Version, after.Status, after.Version)
					}
				}
			}
		}
		w.run("expire/system", func(t *testing.T) {
			wantMove(t, w, w.at(w.applicant(), application.HostAccepted), application.Expire, nil, application.System, application.Expired)
		})
	})
}

func (s someone) userOr(applicant *user.User) *user.User {
	if s.party == application.Applicant {
		return applicant
	}
	return s.u
}

// wantMove takes act on a as u and checks the move and its one event.
func wantMove(t *testing.T, w *world, a *application.Application, act application.Action, u *user.User, by application.Party, to application.Stage) {
	t.Helper()
	sent := w.out.count()
	got, err := w.do(act, u, a)
	if err != nil {
		t.Fatalf("%s by %s at %s: %v (fields %v)", act, by, a.Status, err, apperr.FieldsOf(err))
	}
	if got.Status != to || got.Version != a.Version+1 {
		t.Fatalf("%s: %s v%d, want %s v%d", act, got.Status, got.Version, to, a.Version+1)
	}
	events := w.events(a.ID)
	last := events[len(events)-1]
	wantAction := act
	if act == application.Submit && a.Status == application.Returned {
		wantAction = application.Resubmit
	}
	if len(events) != len(path[a.Status])+1 || last.Action != wantAction || last.FromStage != a.Status || last.ToStage != to || last.Role != by {
		t.Errorf("events after %s: %d, last %+v", act, len(events), last)
	}
	if (u == nil) != (last.ActorID == nil) || (u != nil && *last.ActorID != u.ID) {
		t.Errorf("event actor %v, want %v", last.ActorID, u)
	}
	if w.out.count() != sent+1 {
		t.Errorf("%s enqueued %d notifications, want 1", act, w.out.count()-sent)
	}
}
