package application_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

func (w *world) holder(u *user.User, id int64) *application.ClaimState {
	w.t.Helper()
	st, err := w.s.ClaimOf(w.ctx, u, id)
	w.must(err, "claim of")
	return st
}

// stored gives the world's people their roles in the database too (the
// factory keeps them in memory only): whom an application can be assigned
// to is read from there.
func (w *world) stored(people ...*user.User) {
	w.t.Helper()
	for _, u := range people {
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		w.must(w.d.Model(&user.User{}).Where("id = ?", u.ID).Update("claim_roles", strings.Join(roles, ",")).Error, "roles")
	}
}

func (w *world) audited(id int64, action string) int64 {
	w.t.Helper()
	var n int64
	w.must(w.d.Model(&audit.Event{}).Where("object_type = 'application' AND object_id = ? AND action = ?", strconv.FormatInt(id, 10), action).Count(&n).Error, "audit")
	return n
}

func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || ae.Key != key {
		t.Fatalf("got %v, want %s %s", err, code, key)
	}
}

// A reviewer takes an application; a colleague is told who has it; the
// holder lets it go; the office gives it to the colleague, whose "mine"
// then lists it with their name on the row. Every change is audited, and
// nobody outside the scope learns it exists.
func TestClaimReleaseAndAssign(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.stored(w.reviewer, w.reviewer2, w.outsider, w.office, w.admin)
		a := w.at(w.student, application.Submitted)
		m := audit.Meta{}

		w.must(w.s.Claim(w.ctx, w.reviewer, a.ID, m), "claim")
		w.must(w.s.Claim(w.ctx, w.reviewer, a.ID, m), "claim again") // a double click changes nothing
		st := w.holder(w.reviewer2, a.ID)
		if st.Holder == nil || st.Holder.Name != "reviewer" || st.CanClaim || st.CanRelease || st.Mine {
			t.Fatalf("the colleague sees %+v (holder %+v)", st, st.Holder)
		}
		wantErr(t, w.s.Claim(w.ctx, w.reviewer2, a.ID, m), apperr.Conflict, "claim.err.held")
		wantErr(t, w.s.Claim(w.ctx, w.outsider, a.ID, m), apperr.NotFound, "error.not_found")
		wantErr(t, w.s.Release(w.ctx, w.reviewer2, a.ID, m), apperr.Forbidden, "claim.err.not_holder")
		wantErr(t, w.s.Claim(w.ctx, w.office, a.ID, m), apperr.Invalid, "claim.err.not_your_turn") // the department's turn

		rows := w.queue(w.reviewer2, application.QueueFilter{Mine: true}).Rows
		if len(rows) != 1 || rows[0].HolderName != "reviewer" || rows[0].HolderID != w.reviewer.ID {
			t.Fatalf("the colleague's queue shows %+v", rows)
		}
		if ids := queueIDs(w.queue(w.reviewer2, application.QueueFilter{Mine: true, Claim: application.ClaimFree})); len(ids) != 0 {
			t.Errorf("unclaimed lists %v", ids)
		}

		w.must(w.s.Release(w.ctx, w.reviewer, a.ID, m), "release")
		if st := w.holder(w.reviewer2, a.ID); st.Holder != nil || !st.CanClaim {
			t.Fatalf("after release: %+v", st)
		}

		// The office assigns it to a person in scope, never outside it.
		st = w.holder(w.office, a.ID)
		if !st.CanAssign || !slices.ContainsFunc(st.Assignees, func(p application.Assignee) bool { return p.ID == w.reviewer2.ID }) ||
			slices.ContainsFunc(st.Assignees, func(p application.Assignee) bool { return p.ID == w.outsider.ID }) {
			t.Fatalf("the office may assign to %+v", st.Assignees)
		}
		err := w.s.Assign(w.ctx, w.office, a.ID, w.outsider.ID, application.ClaimInput{}, m)
		if f := apperr.FieldsOf(err); f["assignee"].Key != "claim.err.assignee" {
			t.Fatalf("assigning outside the scope: %v", err)
		}
		w.must(w.s.Assign(w.ctx, w.office, a.ID, w.reviewer2.ID, application.ClaimInput{}, m), "assign")
		// An assignment over a holder the assigner did not see is refused.
		wantErr(t, w.s.Assign(w.ctx, w.office, a.ID, w.reviewer.ID, application.ClaimInput{}, m), apperr.Conflict, "claim.err.held")

		mine := w.queue(w.reviewer2, application.QueueFilter{Mine: true, Claim: application.ClaimMine})
		if ids := queueIDs(mine); !slices.Equal(ids, []int64{a.ID}) || mine.Rows[0].HolderName != "second reviewer" {
			t.Errorf("the assignee's mine lists %v", ids)
		}
		if ids := queueIDs(w.queue(w.reviewer, application.QueueFilter{Mine: true, Claim: application.ClaimMine})); len(ids) != 0 {
			t.Errorf("the first reviewer's mine lists %v", ids)
		}
		if st := w.holder(w.reviewer2, a.ID); !st.Mine || st.Holder.AssignedBy != "office" {
			t.Errorf("the assignee sees %+v", st.Holder)
		}
		for _, action := range []string{application.ClaimTaken, application.ClaimReleased, application.ClaimAssigned} {
			if w.audited(a.ID, action) != 1 {
				t.Errorf("%s audited %d times, want once", action, w.audited(a.ID, action))
			}
		}
	})
}

// A claim lasts as long as the stage: one who held a submitted
// application keeps it through starting the review, and it ends when the
// application moves on. Deciding on one held by someone else asks the
// decider to take it over, and says so in the audit.
func TestClaimEndsWithItsStageAndDecisionsTakeOver(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.at(w.student, application.Submitted)
		w.must(w.s.Claim(w.ctx, w.reviewer, a.ID, audit.Meta{}), "claim")
		a, err := w.s.StartReview(w.ctx, w.reviewer, a.ID, application.ReviewInput{Version: a.Version})
		w.must(err, "start review")
		if st := w.holder(w.reviewer, a.ID); !st.Mine {
			t.Fatalf("the starter no longer holds it: %+v", st)
		}

		// Starting a claimed one over its holder: the starter holds it now.
		b := w.at(w.applicant(), application.Submitted)
		w.must(w.s.Claim(w.ctx, w.reviewer, b.ID, audit.Meta{}), "claim b")
		_, err = w.s.StartReview(w.ctx, w.reviewer2, b.ID, application.ReviewInput{Version: b.Version, TakeOver: true})
		w.must(err, "start b, taking over")
		if st := w.holder(w.reviewer2, b.ID); !st.Mine {
			t.Errorf("the one who took b over does not hold it: %+v", st.Holder)
		}

		_, err = w.s.Approve(w.ctx, w.reviewer2, a.ID, application.ReviewInput{Version: a.Version})
		wantErr(t, err, apperr.Conflict, "claim.err.held_decide")
		if got := w.reload(a); got.Status != application.DepartmentReview {
			t.Fatalf("a refused decision moved it to %s", got.Status)
		}
		a, err = w.s.Approve(w.ctx, w.reviewer2, a.ID, application.ReviewInput{Version: a.Version, TakeOver: true})
		w.must(err, "approve, taking over")
		if w.audited(a.ID, application.ClaimTakeOver) != 1 {
			t.Error("the take-over is not audited")
		}
		if st := w.holder(w.office, a.ID); st.Holder != nil || !st.CanClaim {
			t.Errorf("at office review the claim is %+v", st.Holder)
		}
		var n int64
		w.must(w.d.Table("application_claims").Where("application_id = ?", a.ID).Count(&n).Error, "claims")
		if n != 0 {
			t.Errorf("%d claim rows left after the stage moved", n)
		}
		// The office's own stage: the office takes it, and its next move
		// ends the claim too.
		w.must(w.s.Claim(w.ctx, w.office, a.ID, audit.Meta{}), "office claims")
		wantErr(t, w.s.Claim(w.ctx, w.reviewer, a.ID, audit.Meta{}), apperr.Invalid, "claim.err.not_your_turn")
		a, err = w.s.Nominate(w.ctx, w.office, a.ID, application.ReviewInput{Version: a.Version})
		w.must(err, "nominate")
		if st := w.holder(w.office, a.ID); st.Holder != nil {
			t.Errorf("after nominating the claim is %+v", st.Holder)
		}
		// Whoever moves it, the claim ends: here its student withdraws it.
		someone := w.applicant()
		c := w.at(someone, application.DepartmentReview)
		w.must(w.s.Claim(w.ctx, w.reviewer, c.ID, audit.Meta{}), "claim c")
		_, err = w.s.Withdraw(w.ctx, someone, c.ID, application.AnswerInput{Version: c.Version})
		w.must(err, "withdraw c")
		w.must(w.d.Table("application_claims").Where("application_id = ?", c.ID).Count(&n).Error, "claims of c")
		if n != 0 {
			t.Error("a withdrawn application is still claimed")
		}
	})
}

// Reviewers claiming the same application at the same moment: exactly
// one holds it, every other is told who does. Repeated to meet the race
// in several interleavings; run under -race on both dialects.
func TestReviewersClaimAtOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		team := []*user.User{w.reviewer, w.reviewer2}
		for range 6 {
			u := w.person("reviewer "+key()[:6], user.Reviewer)
			w.grant(u, "internal_medicine")
			team = append(team, u)
		}
		for range 10 {
			a := w.at(w.applicant(), application.DepartmentReview)
			errs := together(len(team), func(i int) error { return w.s.Claim(w.ctx, team[i], a.ID, audit.Meta{}) })
			if ok := tally(t, errs, apperr.Conflict, "claim.err.held"); ok != 1 {
				t.Fatalf("%d claims succeeded, want 1", ok)
			}
			winner := team[slices.IndexFunc(errs, func(err error) bool { return err == nil })]
			if st := w.holder(w.office, a.ID); st.Holder == nil || st.Holder.UserID != winner.ID {
				t.Fatalf("the winner is %s but the holder is %+v", winner.Name, st.Holder)
			}
			if w.audited(a.ID, application.ClaimTaken) != 1 {
				t.Fatalf("%d claims audited", w.audited(a.ID, application.ClaimTaken))
			}
		}
	})
}
