package mentor_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/mentor"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test: a Saturday.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

// world is two departments, a partner school, the office, a coordinator
// of surgery and the mentor service on one database.
type world struct {
	t                 *testing.T
	ctx               context.Context
	d                 *db.DB
	clock             *testutil.Clock
	svc               *mentor.Service
	surgery, peds     int64
	kyoto             int64
	office, coord     *user.User
	counter, requests int
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start)}
	w.svc = mentor.NewService(d, mentor.Options{Now: w.clock.Now})
	w.surgery = w.insert("departments", map[string]any{"code": "SUR", "name_en": "Surgery", "name_zh": "外科", "created_at": start, "updated_at": start})
	w.peds = w.insert("departments", map[string]any{"code": "PED", "name_en": "Pediatrics", "name_zh": "小兒科", "created_at": start, "updated_at": start})
	w.kyoto = w.insert("institutions", map[string]any{"name_en": "Kyoto University", "name_local": "京都大学", "country": "JP", "kind": "university",
		"identifier": "kyoto-u.ac.jp", "created_at": start, "updated_at": start})
	w.office = w.person("office", user.Office)
	w.coord = w.person("coordinator", user.Coordinator)
	w.must(d.Table("rotation_coordinators").Create(map[string]any{"user_id": w.coord.ID, "department_id": w.surgery, "granted_at": start}).Error, "coordinator")
	return w
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func (w *world) insert(table string, row map[string]any) int64 {
	w.t.Helper()
	w.must(w.d.Table(table).Create(row).Error, table)
	var id int64
	w.must(w.d.Table(table).Select("MAX(id)").Scan(&id).Error, table+" id")
	return id
}

func (w *world) person(name string, roles ...user.Role) *user.User {
	w.t.Helper()
	w.counter++
	u := &user.User{Issuer: "test", Subject: fmt.Sprintf("%s-%d", name, w.counter), Name: name, Email: name + "@test", CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// signUp makes a new person of role a mentor.
func (w *world) signUp(name string, role user.Role, in mentor.SignupInput) (*user.User, *mentor.Profile) {
	w.t.Helper()
	u := w.person(name, role)
	p, err := w.svc.SignUp(w.ctx, u, in)
	w.must(err, "sign up "+name)
	return u, p
}

// student is an incoming student with a request accepted for dep from
// the Monday after `from` days for weeks weeks, home at home (0: none),
// opted in with langs and interests.
func (w *world) student(name string, dep int64, from, weeks int, home int64, langs []string, interests string) (*user.User, int64) {
	w.t.Helper()
	u := w.person(name, user.Incoming)
	w.requests++
	id := w.insert("rotation_requests", map[string]any{"applicant_id": u.ID, "status": "accepted", "version": 3, "accepted_choice": 1,
		"stage_since": start, "created_at": start, "updated_at": start})
	monday := start.AddDate(0, 0, from)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	w.must(w.d.Table("rotation_choices").Create(map[string]any{"request_id": id, "rank": 1, "department_id": dep,
		"starts_on": monday, "weeks": weeks}).Error, "choice")
	prof := map[string]any{"user_id": u.ID, "name_latin": name, "nationality": "JP", "year_of_study": 5, "updated_at": start}
	if home > 0 {
		prof["home_institution_id"] = home
	}
	w.must(w.d.Table("incoming_profiles").Create(prof).Error, "profile")
	w.must(w.svc.OptIn(w.ctx, u, id, mentor.OptInInput{Languages: langs, Interests: interests}), "opt in "+name)
	return u, id
}

func signup(deps []int64, langs []string, interests, capacity string, from, until int) mentor.SignupInput {
	return mentor.SignupInput{Kind: "staff", Departments: deps, Languages: langs, Interests: interests, Capacity: capacity,
		AvailableFrom: day(from), AvailableUntil: day(until)}
}

func fieldKey(err error, field string) string { return apperr.FieldsOf(err)[field].Key }

// The proposals keep the hard filters (department, dates, capacity) and
// rank by the soft scores, each part shown; the coordinator confirms one,
// then all; overrides need a reason; capacity holds even for an override;
// both get the mail; feedback opens after the last day, to the two
// people alone.
func TestMentorsAreProposedByFiltersAndScoresConfirmedWithinCapacityAndRated(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		w := newWorld(t, d)

		// A sign-up is refused whole with a message per field.
		nobody := w.person("visitor", user.Incoming)
		if _, err := w.svc.SignUp(w.ctx, nobody, signup([]int64{w.surgery}, []string{"en"}, "", "1", 0, 90)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("an incoming student signs up as a mentor: %v", err)
		}
		_, err := w.svc.SignUp(w.ctx, w.person("bad", user.Student), mentor.SignupInput{Kind: "wizard", Languages: []string{"xx"},
			Capacity: "0", AvailableFrom: day(30), AvailableUntil: day(10)})
		for field, key := range map[string]string{"kind": "mentors.err.kind", "languages": "mentors.err.language", "capacity": "mentors.err.capacity",
			"available_until": "mentors.err.until_before_from", "departments": "mentors.err.departments_required"} {
			if got := fieldKey(err, field); got != key {
				t.Errorf("sign-up field %s: %q, want %q (%v)", field, got, key, err)
			}
		}

		// Aiko: surgery, Japanese, went to Kyoto, likes research: the best
		// for Kyoto students. Ben: surgery, English, room for one. Chen:
		// pediatrics only. Dora: surgery but away until next year.
		aikoIn := signup([]int64{w.surgery}, []string{"en", "ja"}, "Research, Hiking", "1", 0, 200)
		aikoIn.ExchangeID = w.kyoto
		aiko, aikoP := w.signUp("Aiko", user.Student, aikoIn)
		_, benP := w.signUp("Ben", user.Reviewer, signup([]int64{w.surgery}, []string{"en"}, "surgery", "1", 0, 200))
		w.signUp("Chen", user.Coordinator, signup([]int64{w.peds}, []string{"en", "ja"}, "research", "3", 0, 200))
		w.signUp("Dora", user.Office, signup([]int64{w.surgery}, []string{"en", "ja"}, "research", "3", 100, 200))

		haru, haruReq := w.student("Haru", w.surgery, 14, 4, w.kyoto, []string{"ja", "en"}, "research, cooking")
		_, liReq := w.student("Li", w.surgery, 21, 2, 0, []string{"en"}, "surgery")
		_, maxReq := w.student("Max", w.surgery, 28, 2, 0, []string{"en"}, "")
		pending := w.person("Pending", user.Incoming)
		pendReq := w.insert("rotation_requests", map[string]any{"applicant_id": pending.ID, "status": "office_review", "version": 2,
			"stage_since": start, "created_at": start, "updated_at": start})
		w.must(w.svc.OptIn(w.ctx, pending, pendReq, mentor.OptInInput{Languages: []string{"en"}}), "opt in pending")
		if err := w.svc.OptIn(w.ctx, haru, liReq, mentor.OptInInput{Languages: []string{"en"}}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a student opts in on another's request: %v", err)
		}

		b, err := w.svc.Board(w.ctx, w.office)
		w.must(err, "board")
		got := map[int64]string{}
		for _, p := range b.Proposals {
			var parts []string
			for _, part := range p.Parts {
				parts = append(parts, fmt.Sprintf("%s+%d:%s", part.Code, part.Points, strings.Join(part.Shared, "/")))
			}
			got[p.RequestID] = fmt.Sprintf("%s %d %s", p.Mentor.Name, p.Score, strings.Join(parts, " "))
		}
		want := map[int64]string{
			haruReq: "Aiko 8 languages+4:en/ja exchange+3:Kyoto University interests+1:research",
			liReq:   "Ben 3 languages+2:en interests+1:surgery",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("proposals:\n got %v\nwant %v", got, want)
		}
		nones := map[int64]string{}
		for _, p := range b.Unmatched {
			nones[p.RequestID] = p.None
		}
		if nones[maxReq] != mentor.NoneFull || nones[pendReq] != mentor.NoneNotAccepted || len(nones) != 2 {
			t.Errorf("unmatched: %v, want Max full and Pending not accepted", nones)
		}

		// A coordinator sees only their department's students; a student
		// sees nothing.
		if _, err := w.svc.Board(w.ctx, haru); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a student sees the board: %v", err)
		}
		peds := w.person("peds coordinator", user.Coordinator)
		pb, err := w.svc.Board(w.ctx, peds)
		w.must(err, "peds board")
		if len(pb.Proposals)+len(pb.Unmatched) != 0 {
			t.Errorf("a coordinator of another department sees %d students", len(pb.Proposals)+len(pb.Unmatched))
		}
		if _, err := w.svc.Confirm(w.ctx, peds, haruReq, aikoP.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a coordinator of another department confirms: %v", err)
		}

		// Confirm one: both get the mail.
		m, err := w.svc.Confirm(w.ctx, w.coord, haruReq, aikoP.ID)
		w.must(err, "confirm")
		var mails []struct {
			RecipientUserID int64
			Data            string
		}
		w.must(d.Table("outbox").Where("kind = 'mentor_introduction'").Order("recipient_user_id").Scan(&mails).Error, "mails")
		if len(mails) != 2 || mails[0].RecipientUserID != aiko.ID || mails[1].RecipientUserID != haru.ID ||
			!strings.Contains(mails[0].Data, "Haru") || !strings.Contains(mails[1].Data, "Aiko") {
			t.Fatalf("introduction mails: %+v", mails)
		}
		if _, err := w.svc.Confirm(w.ctx, w.coord, haruReq, benP.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a second mentor for one student: %v", err)
		}

		// An override needs a reason, and never passes capacity.
		_, err = w.svc.Override(w.ctx, w.office, maxReq, aikoP.ID, "  ")
		if fieldKey(err, "reason") == "" {
			t.Errorf("an override without a reason: %v", err)
		}
		_, err = w.svc.Override(w.ctx, w.office, maxReq, aikoP.ID, "Max asked for Aiko.")
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("an override past Aiko's capacity: %v", err)
		}
		if _, err := w.svc.Confirm(w.ctx, w.office, maxReq, aikoP.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a confirmation past capacity: %v", err)
		}

		// Confirm all takes Ben for Li; Max stays unmatched; Aiko and Ben
		// are at capacity.
		n, err := w.svc.ConfirmAll(w.ctx, w.office)
		w.must(err, "confirm all")
		b, err = w.svc.Board(w.ctx, w.office)
		w.must(err, "board again")
		var full []string
		for _, c := range b.AtCapacity {
			full = append(full, c.Name)
		}
		if n != 1 || len(b.Proposals) != 0 || len(b.Unmatched) != 2 || strings.Join(full, ",") != "Aiko,Ben" {
			t.Errorf("after confirm all: %d confirmed, %d proposals, %d unmatched, at capacity %v", n, len(b.Proposals), len(b.Unmatched), full)
		}

		// The override of a mentor outside the filters, with a reason: Chen
		// (pediatrics) takes Max, audited with the reason.
		var chen int64
		for _, c := range b.Candidates {
			if c.Name == "Chen" {
				chen = c.ID
			}
		}
		if _, err := w.svc.Confirm(w.ctx, w.office, maxReq, chen); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a proposal outside the department confirmed: %v", err)
		}
		om, err := w.svc.Override(w.ctx, w.office, maxReq, chen, "Max is also interested in pediatrics.")
		w.must(err, "override")
		var detail string
		w.must(d.Table("audit_events").Where("action = 'mentor.match.override'").Select("detail").Scan(&detail).Error, "audit")
		if !om.Manual || !strings.Contains(detail, "pediatrics") {
			t.Errorf("override: manual %v, audit %q", om.Manual, detail)
		}

		// Feedback: not before the last day, not by another person.
		fb := mentor.FeedbackInput{Rating: "5", Comment: "Aiko showed me the wards."}
		if err := w.svc.Feedback(w.ctx, haru, m.ID, fb); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("feedback before the end: %v", err)
		}
		w.clock.Set(m.EndsOn.Add(24 * time.Hour))
		if err := w.svc.Feedback(w.ctx, w.person("Eve", user.Incoming), m.ID, fb); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("feedback by a stranger: %v", err)
		}
		if err := w.svc.Feedback(w.ctx, haru, m.ID, mentor.FeedbackInput{Rating: "6"}); fieldKey(err, "rating") != "mentors.err.rating" {
			t.Errorf("a rating of 6: %v", err)
		}
		w.must(w.svc.Feedback(w.ctx, haru, m.ID, fb), "student feedback")
		w.must(w.svc.Feedback(w.ctx, aiko, m.ID, mentor.FeedbackInput{Rating: "4", Comment: "Keen student."}), "mentor feedback")
		mv, err := w.svc.MatchOf(w.ctx, w.office, m.ID)
		w.must(err, "match")
		if mv.StudentRating == nil || *mv.StudentRating != 5 || mv.MentorRating == nil || *mv.MentorRating != 4 || mv.MentorComment != "Keen student." {
			t.Errorf("feedback kept: %+v", mv.Match)
		}
		if _, err := w.svc.MatchOf(w.ctx, peds, m.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another department's coordinator opens the match: %v", err)
		}
		// Once Haru's rotation ended, Aiko has room again.
		b, err = w.svc.Board(w.ctx, w.office)
		w.must(err, "board after the end")
		for _, c := range b.AtCapacity {
			if c.Name == "Aiko" {
				t.Errorf("Aiko still at capacity after the rotation ended")
			}
		}
	})
}

// Two coordinators confirming at once for one mentor never pass the
// mentor's capacity: the mentor's row is the lock.
func TestConcurrentConfirmationsNeverExceedAMentorsCapacity(t *testing.T) {
	t.Parallel()
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	_, p := w.signUp("Aiko", user.Student, signup([]int64{w.surgery}, []string{"en"}, "", "2", 0, 200))
	var reqs []int64
	for i := range 8 {
		_, id := w.student(fmt.Sprintf("student %d", i), w.surgery, 14, 2, 0, []string{"en"}, "")
		reqs = append(reqs, id)
	}
	coords := []*user.User{w.office, w.coord}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, full := 0, 0
	for i, id := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.Confirm(w.ctx, coords[i%2], id, p.ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) == apperr.Conflict:
				full++
			default:
				t.Errorf("confirm %d: %v", id, err)
			}
		}()
	}
	wg.Wait()
	var n int64
	w.must(d.Table("mentor_matches").Where("mentor_id = ?", p.ID).Count(&n).Error, "count")
	if ok != 2 || full != 6 || n != 2 {
		t.Fatalf("%d confirmed, %d refused, %d matches: want 2, 6, 2", ok, full, n)
	}
}
