package rotation

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
)

// Demo is what SeedDemo needs: the development provider's issuer, under
// which the demo people are created as their first sign-in would create
// them, and the wallet, which gets the applicants' documents.
type Demo struct {
	Issuer    string
	Users     *user.Store
	Documents *document.Service
	Now       time.Time // the present of the demo; time.Now when zero
}

// demoRules are the departments of the demo catalog that take rotations,
// by code, with their rules and seats per week.
var demoRules = []struct {
	code                 string
	min, max, lead, seat int
	blackout             int // a closed week, counted from this week; 0 for none
}{
	{"IM", 2, 8, 30, 3, 10},
	{"PED", 2, 6, 30, 2, 0},
	{"SURG", 4, 8, 45, 2, 13},
	{"OBGYN", 2, 4, 60, 2, 0},
}

// demoApplicants are foreign students who fill the calendars and the
// queue. The first is the dev provider's demo `incoming` user (same
// subject, email and name as devoidc.DemoUsers), who signs in with one
// click to find a completed and an accepted rotation of their own; the
// others cannot sign in (the dev provider does not know them).
var demoApplicants = []struct{ subject, email, name, locale string }{
	{"demo-incoming", "incoming@demo.portal.test", "Yamada Hanako 山田花子", "en"},
	{"demo-incoming-2", "minjun.kim@demo.portal.test", "Kim Min-jun 김민준", "en"},
	{"demo-incoming-3", "emma.schmidt@demo.portal.test", "Emma Schmidt", "en"},
	{"demo-incoming-4", "lan.nguyen@demo.portal.test", "Nguyen Thi Lan", "en"},
	{"demo-incoming-5", "lucas.martin@demo.portal.test", "Lucas Martin", "en"},
	{"demo-incoming-6", "jiwoo.park@demo.portal.test", "Park Ji-woo 박지우", "en"},
}

// demoRequest is one demo request: whose, the stage it reaches, and its
// choices as department code, first week (weeks from this week) and length.
type demoRequest struct {
	who     int
	stage   Stage
	choices []demoChoice
}

// demoClose is a demo request with what its coordinator records of the
// rotation's close (assessment.go).
type demoClose struct {
	demoRequest
	close []Action
}

// The coordinator's records of a rotation's close, as demo steps.
const (
	demoAttend   Action = "demo_attend"
	demoEvaluate Action = "demo_evaluate"
	demoMidterm  Action = "demo_midterm"
)

type demoChoice struct {
	code          string
	offset, weeks int
}

var demoRequests = []demoRequest{
	{0, Completed, []demoChoice{{"IM", -4, 2}}},
	{0, Accepted, []demoChoice{{"PED", 6, 2}}},
	{1, Confirmed, []demoChoice{{"IM", 7, 3}}},
	{1, Draft, []demoChoice{{"SURG", 8, 4}}},
	{2, Submitted, []demoChoice{{"IM", 8, 2}, {"PED", 8, 2}}},
	{2, Returned, []demoChoice{{"PED", 11, 2}}},
	{3, DepartmentReview, []demoChoice{{"IM", 11, 4}}},
	{3, Rejected, []demoChoice{{"PED", 12, 2}}},
	{4, OfficeReview, []demoChoice{{"PED", 9, 2}, {"IM", 6, 2}}},
	{4, Withdrawn, []demoChoice{{"IM", 12, 2}}},
	{5, Waitlisted, []demoChoice{{"IM", 7, 2}}},
	{5, Submitted, []demoChoice{{"OBGYN", 12, 2}}},
}

// demoCloses are the demo's rotations at the close (issue 16): one over
// whose certificate waits for attendance and the evaluation, and a long
// one under way with its attendance so far and mid-rotation feedback.
// (The completed one above was evaluated before its certificate.)
var demoCloses = []demoClose{
	{demoRequest{2, Confirmed, []demoChoice{{"IM", -3, 2}}}, nil},
	{demoRequest{3, Confirmed, []demoChoice{{"PED", -2, 4}}}, []Action{demoAttend, demoMidterm}},
}

// SeedDemo fills, once, the rotations of `portal dev`: the rules and 24
// weeks of seats (8 past, 16 to come) of four departments, the demo
// coordinator's scope over internal medicine and pediatrics, and requests
// of six applicants at every stage, moved through the workflow on a clock
// that starts in the past so that one rotation is already completed. It
// returns false, doing nothing, when any department has rules already or
// the catalog has none of the demo departments.
func (s *Service) SeedDemo(ctx context.Context, d Demo) (bool, error) {
	q := s.db.WithContext(ctx)
	var n int64
	if err := q.Model(&Rules{}).Count(&n).Error; err != nil || n > 0 {
		return false, wrap(err, "count rules")
	}
	var deps []catalog.Department
	codes := make([]string, len(demoRules))
	for i, r := range demoRules {
		codes[i] = r.code
	}
	if err := q.Where("code IN ? AND retired_at IS NULL", codes).Find(&deps).Error; err != nil || len(deps) == 0 {
		return false, wrap(err, "demo departments")
	}
	now := d.Now
	if now.IsZero() {
		now = s.clock()
	}
	today := Day(now)
	week0 := Monday(today)
	byCode := map[string]int64{}
	for _, dep := range deps {
		byCode[dep.Code] = dep.ID
	}
	for _, r := range demoRules {
		id, ok := byCode[r.code]
		if !ok {
			continue
		}
		if err := q.Create(&Rules{DepartmentID: id, MinWeeks: r.min, MaxWeeks: r.max, LeadDays: r.lead, UpdatedAt: now}).Error; err != nil {
			return false, wrap(err, "demo rules")
		}
		blocks := make([]Block, 0, 24)
		for i := -8; i < 16; i++ {
			blocks = append(blocks, Block{DepartmentID: id, Week: week0.AddDate(0, 0, 7*i), Seats: r.seat, Blackout: i == r.blackout && r.blackout != 0, UpdatedAt: now})
		}
		if err := q.Create(&blocks).Error; err != nil {
			return false, wrap(err, "demo blocks")
		}
	}
	person := func(subject, email, name, locale string, roles ...user.Role) (*user.User, error) {
		return d.Users.SignIn(ctx, user.Identity{Issuer: d.Issuer, Subject: subject, Email: email, Name: name, Locale: locale, Roles: roles}, now)
	}
	coord, err := person("demo-coordinator", "coordinator@demo.portal.test", "Wang Shu-Fen 王淑芬", "zh-Hant", user.Coordinator)
	if err != nil {
		return false, err
	}
	office, err := person("demo-office", "office@demo.portal.test", "Emily Huang 黃怡君", "en", user.Office)
	if err != nil {
		return false, err
	}
	for _, code := range []string{"IM", "PED"} {
		if id, ok := byCode[code]; ok {
			if err := s.GrantCoordinator(ctx, coord.ID, id); err != nil {
				return false, err
			}
		}
	}
	// The workflow runs on its own clock: from ten weeks ago, so that the
	// first request could be made then and completed by now.
	past := today.AddDate(0, 0, -70).Add(9 * time.Hour)
	clock := past
	ds := NewService(s.db, Options{Now: func() time.Time { return clock }})
	var people []*user.User
	for _, a := range demoApplicants {
		u, err := person(a.subject, a.email, a.name, a.locale, user.Incoming)
		if err != nil {
			return false, err
		}
		if err := demoWallet(ctx, d.Documents, u, today); err != nil {
			return false, err
		}
		people = append(people, u)
	}
	all := make([]demoClose, 0, len(demoRequests)+len(demoCloses))
	for _, r := range demoRequests {
		all = append(all, demoClose{demoRequest: r})
	}
	for i, r := range append(all, demoCloses...) {
		// A request starts early enough that its last move is behind us:
		// each move takes a day and two hours, and none may be dated after
		// now (a history is what has happened).
		clock = now.Add(-time.Duration(len(demoPath(r.stage))+1)*26*time.Hour - time.Duration(len(all)+len(demoCloses)-i)*time.Hour)
		if r.choices[0].offset < 0 {
			clock = past
		}
		var in []ChoiceInput
		for _, c := range r.choices {
			id, ok := byCode[c.code]
			if !ok {
				break
			}
			in = append(in, ChoiceInput{DepartmentID: id, StartsOn: week0.AddDate(0, 0, 7*c.offset).Format(time.DateOnly), Weeks: fmt.Sprint(c.weeks)})
		}
		if len(in) < len(r.choices) {
			continue
		}
		if err := ds.demoMove(ctx, people[r.who], coord, office, in, r.stage, &clock, now, r.close); err != nil {
			return false, fmt.Errorf("demo rotation %d (%s): %w", i, r.stage, err)
		}
	}
	return true, nil
}

// demoMove makes a request of u with choices and moves it to stage.
func (s *Service) demoMove(ctx context.Context, u, coord, office *user.User, choices []ChoiceInput, stage Stage, clock *time.Time, now time.Time, close []Action) error {
	var docs []int64
	if err := s.db.WithContext(ctx).Model(&document.Document{}).Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", u.ID).
		Order("id").Pluck("id", &docs).Error; err != nil {
		return err
	}
	r, err := s.CreateDraft(ctx, u, DraftInput{Key: demoKey(u.ID, choices), Choices: choices, Documents: docs,
		Statement: "I would like to learn how your department runs its wards and clinics."})
	if err != nil {
		return err
	}
	path := demoPath(stage)
	if stage == Completed {
		// The certificate waits for attendance and the evaluation.
		path = append(path[:len(path)-1], demoAttend, demoEvaluate, Complete)
	}
	for _, a := range append(path, close...) {
		*clock = clock.Add(26 * time.Hour)
		switch a {
		case demoAttend, demoEvaluate, demoMidterm:
			// The close is recorded this morning, and always before the
			// certificate below (at 08:00, or an hour ago).
			if *clock = Day(now).Add(7 * time.Hour); clock.After(now.Add(-2 * time.Hour)) {
				*clock = now.Add(-2 * time.Hour)
			}
		}
		in := ReviewInput{Version: r.Version}
		switch a {
		case Submit:
			r, err = s.Submit(ctx, u, r.ID, SubmitInput{Version: r.Version, Key: demoKey(u.ID, choices) + "-s"})
		case StartReview:
			r, err = s.StartReview(ctx, coord, r.ID, in)
		case Forward:
			in.Comment = "Our ward can take this student."
			r, err = s.Forward(ctx, coord, r.ID, in)
		case Waitlist:
			in.Comment = "The weeks asked for are in demand; we will come back to you."
			r, err = s.Waitlist(ctx, office, r.ID, in)
		case Accept:
			r, err = s.Accept(ctx, office, r.ID, AcceptInput{Version: r.Version, Rank: 1})
		case Onboard:
			start, _ := time.Parse(time.DateOnly, choices[0].StartsOn)
			r, err = s.SaveOnboarding(ctx, u, r.ID, OnboardingInput{Version: r.Version,
				ArrivalOn: start.AddDate(0, 0, -2).Format(time.DateOnly), VisaLetter: "yes", Housing: "yes"})
		case Confirm:
			r, err = s.Confirm(ctx, u, r.ID, r.Version)
		case Complete:
			// Completed this morning, or an hour ago when the morning
			// has not come yet.
			if *clock = Day(now).Add(8 * time.Hour); clock.After(now) {
				*clock = now.Add(-time.Hour)
			}
			r, err = s.Complete(ctx, coord, r.ID, in)
		case demoAttend:
			weeks, _ := strconv.Atoi(choices[0].Weeks)
			days := fmt.Sprint(5 * weeks)
			if stage != Completed {
				days = "5" // the first week, so far
			}
			err = s.RecordAttendance(ctx, coord, r.ID, AttendanceInput{DaysPresent: days, DaysExpected: days, Confirm: stage == Completed})
		case demoEvaluate:
			err = s.RecordEvaluation(ctx, coord, r.ID, EvaluationInput{Grade: "high_pass",
				Ratings:  map[string]string{"medical_knowledge": "4", "clinical_skills": "4", "professionalism": "5", "communication": "4", "initiative": "5"},
				Comments: "Prepared for every ward round and well liked by the patients."})
		case demoMidterm:
			err = s.RecordMidterm(ctx, coord, r.ID, "Good progress in the first weeks; take more part in the morning handover.")
		case Return:
			in.Comment = "Please attach a nomination letter signed by your dean."
			r, err = s.ReturnForChanges(ctx, coord, r.ID, in)
		case Reject:
			in.Comment = "Our surgical rotations are full with our own students in these weeks."
			r, err = s.Reject(ctx, coord, r.ID, in)
		case Withdraw:
			r, err = s.Withdraw(ctx, u, r.ID, r.Version)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	return nil
}

// demoPath is the moves that take a new request to stage.
func demoPath(stage Stage) []Action {
	return map[Stage][]Action{
		Draft: {}, Submitted: {Submit}, DepartmentReview: {Submit, StartReview}, OfficeReview: {Submit, StartReview, Forward},
		Waitlisted: {Submit, StartReview, Forward, Waitlist}, Accepted: {Submit, StartReview, Forward, Accept},
		Confirmed: {Submit, StartReview, Forward, Accept, Onboard, Confirm}, Completed: {Submit, StartReview, Forward, Accept, Onboard, Confirm, Complete},
		Returned: {Submit, Return}, Rejected: {Submit, StartReview, Reject}, Withdrawn: {Submit, Withdraw},
	}[stage]
}

func demoKey(userID int64, choices []ChoiceInput) string {
	return strings.ReplaceAll(fmt.Sprintf("demo-%d-%d-%s", userID, choices[0].DepartmentID, choices[0].StartsOn), " ", "")
}

// demoWallet gives u the documents a request needs, once; the insurance
// runs for a year and a half.
func demoWallet(ctx context.Context, docs *document.Service, u *user.User, today time.Time) error {
	if docs == nil {
		return nil
	}
	have, err := docs.Current(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, t := range append(slices.Clone(RequiredDocs), "transcript") {
		if slices.ContainsFunc(have, func(d document.Document) bool { return d.Type == t }) {
			continue
		}
		body := fmt.Sprintf("%%PDF-1.4\n%% demo %s of %s\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n", t, u.Name)
		r, err := docs.Receive(ctx, document.File{Name: t + ".pdf", DeclaredType: "application/pdf", Body: strings.NewReader(body)})
		if err != nil {
			return fmt.Errorf("demo %s: %w", t, err)
		}
		in := document.Input{Type: t}
		if document.HasExpiry(t) {
			in.ExpiresOn = today.AddDate(1, 6, 0).Format(time.DateOnly)
		}
		if _, _, err := docs.Add(ctx, u.ID, in, r, audit.Meta{}); err != nil {
			docs.Discard(ctx, r)
			return fmt.Errorf("demo %s: %w", t, err)
		}
	}
	return nil
}
