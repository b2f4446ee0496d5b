package rotation_test

import (
	"testing"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/user"
)

type someone struct {
	name  string
	u     *user.User
	party rotation.Party // "" when nobody to the request
}

func (w *world) cast(applicant *user.User) []someone {
	return []someone{
		{"applicant", applicant, rotation.Applicant},
		{"coordinator", w.coord, rotation.Coordinator},
		{"office", w.office, rotation.Office},
		{"admin", w.admin, rotation.Office},
		{"another applicant", w.other, ""},
		{"coordinator of another department", w.outsider, ""},
		{"outgoing student", w.student, ""},
		{"nobody", w.nobod, ""},
		{"anonymous", nil, ""},
	}
}

// do takes act on r as u through the service's named operation.
func (w *world) do(act rotation.Action, u *user.User, r *rotation.Request) (*rotation.Request, error) {
	in := rotation.ReviewInput{Version: r.Version, Comment: "a reason"}
	switch act {
	case rotation.Submit, rotation.Resubmit:
		return w.s.Submit(w.ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
	case rotation.StartReview:
		return w.s.StartReview(w.ctx, u, r.ID, in)
	case rotation.Forward:
		return w.s.Forward(w.ctx, u, r.ID, in)
	case rotation.Return:
		return w.s.ReturnForChanges(w.ctx, u, r.ID, in)
	case rotation.Reject:
		return w.s.Reject(w.ctx, u, r.ID, in)
	case rotation.Accept:
		return w.s.Accept(w.ctx, u, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 1})
	case rotation.Waitlist:
		return w.s.Waitlist(w.ctx, u, r.ID, in)
	case rotation.Confirm:
		if u != nil && u.ID == r.ApplicantID && r.Status == rotation.Accepted {
			r = w.onboard(u, r)
		}
		return w.s.Confirm(w.ctx, u, r.ID, r.Version)
	case rotation.Complete:
		defer w.clock.Set(w.clock.Now())
		w.clock.Set(start.AddDate(0, 0, 120))
		if r.Status == rotation.Confirmed {
			w.recordClose(r) // the certificate waits for it (assessment_test.go)
		}
		return w.s.Complete(w.ctx, u, r.ID, in)
	case rotation.Withdraw:
		return w.s.Withdraw(w.ctx, u, r.ID, r.Version)
	}
	w.t.Fatalf("no method for %s", act)
	return nil, nil
}

func (w *world) reload(r *rotation.Request) rotation.Request {
	w.t.Helper()
	var out rotation.Request
	w.must(w.d.Take(&out, r.ID).Error, "reload")
	return out
}

// Every (stage, action, person) through the service: an allowed move
// succeeds on a fresh request, goes where the table says and writes one
// event; anything else is refused (invalid, forbidden or not found) and
// changes nothing, seats included.
func TestServiceOverEveryStageActionAndPerson(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, st := range rotation.Stages {
			applicant := w.incoming("applicant " + string(st))
			r := w.at(st, applicant)
			for _, act := range rotation.Actions {
				if act == rotation.Resubmit {
					continue // Submit's own case
				}
				for _, who := range w.cast(applicant) {
					wantAct := act
					if act == rotation.Submit && st == rotation.Returned {
						wantAct = rotation.Resubmit
					}
					if to, ok := allowedBy(st, wantAct, who.party); ok && who.party != "" {
						fresh := w.at(st, applicant)
						events := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", fresh.ID)
						got, err := w.do(act, who.u, fresh)
						if err != nil {
							t.Errorf("%s/%s by %s: %v (fields %v)", st, act, who.name, err, apperr.FieldsOf(err))
							continue
						}
						after := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", fresh.ID)
						if got.Status != to || after < events+1 {
							t.Errorf("%s/%s by %s: %s with %d new events, want %s", st, act, who.name, got.Status, after-events, to)
						}
						continue
					}
					before := w.reload(r)
					events := w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", r.ID)
					taken := w.count("SELECT COALESCE(SUM(taken), 0) FROM rotation_blocks")
					_, err := w.do(act, who.u, r)
					switch apperr.CodeOf(err) {
					case apperr.Invalid, apperr.Forbidden, apperr.NotFound:
					default:
						t.Errorf("%s: %s by %s: %v; want a refusal", st, act, who.name, err)
					}
					after := w.reload(r)
					if after.Status != before.Status || after.Version != before.Version ||
						w.count("SELECT COUNT(*) FROM rotation_events WHERE request_id = ?", r.ID) != events ||
						w.count("SELECT COALESCE(SUM(taken), 0) FROM rotation_blocks") != taken {
						t.Errorf("%s: refused %s by %s changed the request: %s v%d -> %s v%d", st, act, who.name,
							before.Status, before.Version, after.Status, after.Version)
					}
					if who.party == "" && apperr.CodeOf(err) != apperr.NotFound {
						t.Errorf("%s: %s by %s (nobody to it): %v, want not found", st, act, who.name, err)
					}
				}
			}
		}
	})
}
