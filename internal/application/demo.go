package application

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/storage"
	"portal/internal/user"
)

// DemoPerson is a person of the demo as an identity provider knows them.
type DemoPerson struct {
	Subject, Email, Name, Locale string
	Roles                        []user.Role
	// a student's number and year of study, as the provider's claims
	// give them; none for staff
	StudentNumber string
	YearOfStudy   int
}

// Demo is what SeedDemo needs besides the workflow: the people the
// development provider signs in (created now exactly as their first
// sign-in would, so that it finds them), where their wallets' files go,
// and the messages of the catalog, which gets a past elective.
type Demo struct {
	Issuer   string // the development provider's
	Files    storage.Storage
	Bundle   *i18n.Bundle
	Student  DemoPerson // has applications at many stages
	Reviewer DemoPerson // reviews the specialties of demoScope
	Office   DemoPerson
	Admin    DemoPerson // grants the reviewers' scopes; the office when empty
	Now      time.Time  // the present of the demo; time.Now when zero
}

// demoStudents apply besides the demo student. They cannot sign in: they
// fill the queues.
var demoStudents = []DemoPerson{
	{Subject: "demo-student-2", Name: "Chang Yu-Ting 張雨婷", Locale: "zh-Hant", StudentNumber: "B10901002", YearOfStudy: 5},
	{Subject: "demo-student-3", Name: "Huang Kuan-Yu 黃冠宇", Locale: "zh-Hant", StudentNumber: "B10901003", YearOfStudy: 6},
	{Subject: "demo-student-4", Name: "Tsai Pei-Shan 蔡佩珊", Locale: "en", StudentNumber: "B10901004", YearOfStudy: 5},
	{Subject: "demo-student-5", Name: "Liu Chia-Hao 劉家豪", Locale: "zh-Hant", StudentNumber: "B10901005", YearOfStudy: 4},
	{Subject: "demo-student-6", Name: "Yang Hsin-Yi 楊心怡", Locale: "en", StudentNumber: "B10901006", YearOfStudy: 6},
	{Subject: "demo-student-7", Name: "Hsu Po-Wei 許柏維", Locale: "zh-Hant", StudentNumber: "B10901007", YearOfStudy: 5},
	{Subject: "demo-student-8", Name: "Kuo Ya-Chu 郭雅筑", Locale: "zh-Hant", StudentNumber: "B10901008", YearOfStudy: 5},
	{Subject: "demo-student-9", Name: "Cheng Tzu-Hsuan 鄭子軒", Locale: "en", StudentNumber: "B10901009", YearOfStudy: 6},
}

// demoColleague reviews the specialties the demo reviewer does not, so
// that every application has a reviewer.
var demoColleague = DemoPerson{Subject: "demo-reviewer-2", Name: "Lee Wen-Chieh 李文傑", Locale: "zh-Hant"}

// demoScope is what the demo reviewer reviews: specialties of the demo
// catalog's electives. Not hepatology, Kumamoto's: a newcomer can watch
// the reviewer's page change when an admin grants it.
var demoScope = []string{"internal_medicine", "cardiology", "pediatrics", "womens_medicine"}

// demoCase is one demo application: whose (0 the demo student, i the
// i-th of demoStudents), the stage it reaches, and how many days it has
// waited there.
type demoCase struct {
	who   int
	stage Stage
	days  int
}

var demoCases = []demoCase{
	{0, Draft, 2}, {0, DepartmentReview, 3}, {0, Returned, 9}, {0, HostAccepted, 9}, {0, Completed, 0}, {0, OfficeReview, 8},
	{1, Submitted, 1}, {1, Nominated, 10}, {1, Rejected, 4}, {1, Withdrawn, 6},
	{2, Submitted, 9}, {2, DepartmentReview, 2}, {2, Waitlisted, 5}, {2, Confirmed, 3},
	{3, Submitted, 0}, {3, OfficeReview, 2}, {3, HostRejected, 3}, {3, Declined, 2},
	{4, Submitted, 4}, {4, DepartmentReview, 11}, {4, Expired, 1}, {4, Draft, 5},
	{5, Submitted, 2}, {5, OfficeReview, 12}, {5, Nominated, 3}, {5, Confirmed, 6},
	{6, Returned, 3}, {6, DepartmentReview, 6}, {6, HostAccepted, 2}, {6, Rejected, 8},
	{7, Submitted, 13}, {7, Waitlisted, 9}, {7, Nominated, 1}, {7, Withdrawn, 1},
	{8, Draft, 0}, {8, OfficeReview, 5}, {8, HostAccepted, 5}, {8, Completed, 0},
}

// demoPaths are the moves that bring a draft to each stage.
var demoPaths = func() map[Stage][]Action {
	review := []Action{Submit, StartReview, Approve}
	nominated := append(slices.Clone(review), Nominate)
	accepted := append(slices.Clone(nominated), HostAccept)
	return map[Stage][]Action{
		Draft:            nil,
		Submitted:        {Submit},
		DepartmentReview: {Submit, StartReview},
		OfficeReview:     review,
		Returned:         {Submit, StartReview, Return},
		Rejected:         {Submit, StartReview, Reject},
		Withdrawn:        {Submit, StartReview, Withdraw},
		Nominated:        nominated,
		Waitlisted:       append(slices.Clone(nominated), HostWaitlist),
		HostRejected:     append(slices.Clone(nominated), HostReject),
		HostAccepted:     accepted,
		Declined:         append(slices.Clone(accepted), DeclineOffer),
		Expired:          append(slices.Clone(accepted), Expire),
		Confirmed:        append(slices.Clone(accepted), AcceptOffer),
		Completed:        append(slices.Clone(accepted), AcceptOffer, Recognise),
	}
}()

// demoWords are what people write with each move.
var demoWords = map[Action]string{
	StartReview:  "Picked up for department review.",
	Approve:      "Transcript and recommendation in order; a clear, well-argued statement. Recommended.",
	Return:       "Please add your language certificate and shorten the statement to one page.",
	Reject:       "The host requires year 5 or above; please apply again next year.",
	Nominate:     "Nominated within the agreement's quota for this academic year.",
	HostAccept:   "The host confirmed a place by e-mail.",
	HostWaitlist: "The host put the application on its waiting list.",
	HostReject:   "The host has no place left for these dates.",
	DeclineOffer: "I accepted a research placement at home instead.",
	Withdraw:     "My clinical rotation schedule changed.",
}

// demoClock is the demo's present, moved back and forth as each
// application's history is written.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *demoClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// demoSlot is a period a demo application may choose.
type demoSlot struct {
	e catalog.Elective
	p catalog.Period
}

// SeedDemo fills an empty workflow with a few dozen applications of the
// demo students at every stage, each with its history, moved through the
// real operations at past times of a clock of its own: the histories,
// seats and quotas are what people would have made. It creates the demo
// people, their wallets and the reviewers' scopes first, and a past
// elective for placements already done. It announces nothing: the
// histories are old news. All of it is one transaction (each operation's
// own is a savepoint in it), which keeps the start of dev mode fast and
// leaves no half demo behind. It returns false, doing nothing, when there
// are applications already.
func (s *Service) SeedDemo(ctx context.Context, d Demo) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Application{}).Count(&n).Error; err != nil {
		return false, wrap(err, "count applications")
	}
	if n > 0 {
		return false, nil
	}
	now := d.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		in := &db.DB{DB: tx, Dialect: s.db.Dialect}
		seed := &demoSeed{Demo: d, now: now, clock: &demoClock{t: now}, taken: map[int64]int{}, quota: map[int64]int{},
			users: user.NewStore(in), docs: document.NewService(in, d.Files, document.Options{}), cat: catalog.NewService(in, d.Bundle, nil)}
		seed.s = NewService(in, Options{Now: seed.clock.now, OfferDays: s.offerDays, Zone: s.zone})
		return seed.run(ctx)
	})
	if err != nil {
		return false, fmt.Errorf("demo applications: %w", err)
	}
	return true, nil
}

// demoSeed is one run of SeedDemo.
type demoSeed struct {
	Demo
	s     *Service
	users *user.Store
	docs  *document.Service
	cat   *catalog.Service
	now   time.Time
	clock *demoClock

	students              []*user.User // [0] the demo student
	reviewer, colleague   *user.User
	office                *user.User
	early, scoped, late   []demoSlot // what applications at each kind of stage choose
	past                  demoSlot   // of the elective that is over
	taken, quota          map[int64]int
	nextEarly, nextScoped int
	nextLate              int
	over                  bool // placing the placements over (demo_over.go)
}

func (d *demoSeed) run(ctx context.Context) error {
	if err := d.people(ctx); err != nil {
		return err
	}
	if err := d.slots(ctx); err != nil {
		return err
	}
	if err := d.wallets(ctx); err != nil {
		return err
	}
	// Confirmed placements last: a student's others were submitted while
	// they held none to overlap.
	cases := slices.Clone(demoCases)
	slices.SortStableFunc(cases, func(a, b demoCase) int {
		return boolInt(a.stage == Confirmed) - boolInt(b.stage == Confirmed)
	})
	for i, c := range cases {
		if err := d.apply(ctx, i, c); err != nil {
			return fmt.Errorf("case %d (%s): %w", i, c.stage, err)
		}
	}
	if err := d.applyOver(ctx, len(cases)); err != nil { // demo_over.go
		return err
	}
	d.clock.set(d.now)
	return d.cat.Retire(ctx, catalog.KindElective, d.past.e.ID)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// person creates p as their first sign-in would.
func (d *demoSeed) person(ctx context.Context, p DemoPerson, roles ...user.Role) (*user.User, error) {
	if len(p.Roles) > 0 {
		roles = p.Roles
	}
	email := p.Email
	if email == "" {
		email = strings.TrimPrefix(p.Subject, "demo-") + "@demo.portal.test"
	}
	return d.users.SignIn(ctx, user.Identity{Issuer: d.Issuer, Subject: p.Subject, Email: email, Name: p.Name, Locale: p.Locale, Roles: roles,
		StudentNumber: p.StudentNumber, YearOfStudy: p.YearOfStudy}, d.now)
}

// people creates the demo people and the reviewers' scopes.
func (d *demoSeed) people(ctx context.Context) error {
	var err error
	if d.reviewer, err = d.person(ctx, d.Reviewer, user.Reviewer); err != nil {
		return err
	}
	if d.colleague, err = d.person(ctx, demoColleague, user.Reviewer); err != nil {
		return err
	}
	if d.office, err = d.person(ctx, d.Office, user.Office); err != nil {
		return err
	}
	granter := d.office
	if d.Admin.Subject != "" {
		if granter, err = d.person(ctx, d.Admin, user.Admin); err != nil {
			return err
		}
	}
	for _, sp := range catalog.Specialties {
		who := d.colleague
		if slices.Contains(demoScope, sp) {
			who = d.reviewer
		}
		if err := d.s.GrantScope(ctx, who.ID, sp, granter.ID, audit.Meta{}); err != nil {
			return err
		}
	}
	for _, p := range append([]DemoPerson{d.Student}, demoStudents...) {
		u, err := d.person(ctx, p, user.Student)
		if err != nil {
			return err
		}
		d.students = append(d.students, u)
	}
	return nil
}

// wallets fills every demo student's wallet with what the demo's
// electives require. The files are stored side by side first, since each
// waits on the disk, and then added to the wallets in the transaction.
func (d *demoSeed) wallets(ctx context.Context) error {
	var types []string
	for _, sl := range append(append(slices.Clone(d.early), d.late...), d.past) {
		for _, t := range sl.e.RequiredDocList() {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	type upload struct {
		owner *user.User
		typ   string
		r     *document.Received
		err   error
	}
	var ups []*upload
	for _, u := range d.students {
		for _, t := range types {
			ups = append(ups, &upload{owner: u, typ: t})
		}
	}
	var wg sync.WaitGroup
	limit := make(chan struct{}, 8)
	for _, up := range ups {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			body := fmt.Sprintf("%%PDF-1.4\n%% demo %s of %s\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n", up.typ, up.owner.Name)
			up.r, up.err = d.docs.Receive(ctx, document.File{Name: up.typ + ".pdf", DeclaredType: "application/pdf", Body: strings.NewReader(body)})
		})
	}
	wg.Wait()
	var failed error
	for _, up := range ups {
		if up.err != nil {
			failed = fmt.Errorf("demo %s: %w", up.typ, up.err)
			continue
		}
		if failed != nil {
			d.docs.Discard(ctx, up.r)
			continue
		}
		in := document.Input{Type: up.typ}
		if document.HasExpiry(up.typ) {
			in.ExpiresOn = d.now.AddDate(1, 6, 0).Format(time.DateOnly)
		}
		if _, _, err := d.docs.Add(ctx, up.owner.ID, in, up.r, audit.Meta{}); err != nil {
			d.docs.Discard(ctx, up.r)
			failed = fmt.Errorf("demo %s: %w", up.typ, err)
		}
	}
	return failed
}

// slots reads the live outgoing electives and their periods, and makes the
// past elective. Applications that go no further than review may choose
// any; those that reach a host avoid Kumamoto (the elective a newcomer
// tries first keeps its seats and quota) and periods of one seat.
func (d *demoSeed) slots(ctx context.Context) error {
	q := d.s.db.WithContext(ctx)
	var es []catalog.Elective
	if err := q.Where("direction = ? AND retired_at IS NULL", catalog.Outgoing).Order("id").Find(&es).Error; err != nil {
		return err
	}
	var kumamoto []int64
	if err := q.Model(&catalog.Institution{}).Where("identifier = ?", "kumamoto-u.ac.jp").Pluck("id", &kumamoto).Error; err != nil {
		return err
	}
	today := catalog.Day(d.now)
	for _, e := range es {
		var ps []catalog.Period
		if err := q.Where("elective_id = ? AND retired_at IS NULL", e.ID).Order("starts_on").Find(&ps).Error; err != nil {
			return err
		}
		open := !today.Before(catalog.Day(e.OpensOn).AddDate(0, 0, 28)) && !today.After(catalog.Day(e.ClosesOn))
		for _, p := range ps {
			if !open || !catalog.Day(p.StartsOn).After(today) {
				continue
			}
			sl := demoSlot{e, p}
			d.early = append(d.early, sl)
			if slices.Contains(demoScope, e.Specialty) {
				d.scoped = append(d.scoped, sl)
			}
			if !slices.Contains(kumamoto, e.InstitutionID) && p.Capacity >= 2 {
				d.late = append(d.late, sl)
			}
		}
	}
	if len(d.early) == 0 || len(d.scoped) == 0 || len(d.late) == 0 || len(kumamoto) == 0 {
		return fmt.Errorf("the demo catalog has no open electives to apply for")
	}
	// A placement already done: last spring's edition of an elective.
	e, err := d.cat.CreateElective(ctx, catalog.ElectiveInput{
		Direction: catalog.Outgoing, InstitutionID: kumamoto[0], Kind: "clinical_elective",
		TitleEN: "Gastroenterology Clinical Elective (spring)", TitleZH: "消化內科臨床選修（春季）", Specialty: "internal_medicine",
		DescriptionEN: "Endoscopy unit and gastroenterology wards of Kumamoto University Hospital.",
		DescriptionZH: "於熊本大學醫院內視鏡室與消化內科病房見習。",
		Language:      "en", LanguageLevel: "B2", MinYear: "5", DurationWeeks: "4",
		RequiredDocs: d.early[0].e.RequiredDocList(),
		OpensOn:      d.now.AddDate(0, -9, 0).Format(time.DateOnly), ClosesOn: d.now.AddDate(0, -7, 0).Format(time.DateOnly),
	})
	if err != nil {
		return err
	}
	start := d.now.AddDate(0, -5, 0)
	p, err := d.cat.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: start.Format(time.DateOnly),
		EndsOn: start.AddDate(0, 0, 27).Format(time.DateOnly), Capacity: "3"})
	if err != nil {
		return err
	}
	d.past = demoSlot{*e, *p}
	return nil
}

// reachesHost reports whether an application at stage went to a host.
func reachesHost(stage Stage) bool { return slices.Contains(demoPaths[stage], Nominate) }

// choose picks the choices of an application that reaches stage: the
// past elective for a completed placement; for one that goes to a host,
// periods with a seat and a quota place to spare; for one waiting for the
// reviewers, mostly the demo reviewer's specialties.
func (d *demoSeed) choose(ctx context.Context, i int, stage Stage) ([]demoSlot, error) {
	switch {
	case stage == Completed || d.over:
		return []demoSlot{d.past}, nil
	case reachesHost(stage):
		var out []demoSlot
		for range len(d.late) {
			sl := d.late[d.nextLate%len(d.late)]
			d.nextLate++
			ok, err := d.fits(ctx, sl)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, sl)
				break
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		if stage == HostRejected || i%3 == 0 {
			// A second choice, which the office may nominate next.
			out = append(out, d.nextEarlySlot(out[0]))
		}
		if stage != HostRejected {
			d.quota[agreementOf(out[0])]++
			if stage == HostAccepted || stage == Confirmed {
				d.taken[out[0].p.ID]++
			}
		}
		return out, nil
	case (stage == Submitted || stage == DepartmentReview || stage == Returned) && i%4 != 3:
		sl := d.scoped[d.nextScoped%len(d.scoped)]
		d.nextScoped++
		return []demoSlot{sl}, nil
	}
	out := []demoSlot{d.nextEarlySlot(demoSlot{})}
	if i%2 == 0 {
		out = append(out, d.nextEarlySlot(out[0]))
	}
	return out, nil
}

func (d *demoSeed) nextEarlySlot(not demoSlot) demoSlot {
	for {
		sl := d.early[d.nextEarly%len(d.early)]
		d.nextEarly++
		if sl.p.ID != not.p.ID {
			return sl
		}
	}
}

func agreementOf(sl demoSlot) int64 {
	if sl.e.AgreementID == nil {
		return 0
	}
	return *sl.e.AgreementID
}

// fits reports whether one more demo nomination to sl leaves a seat of its
// period and a place of its agreement's quota free.
func (d *demoSeed) fits(ctx context.Context, sl demoSlot) (bool, error) {
	if d.taken[sl.p.ID]+1 >= sl.p.Capacity {
		return false, nil
	}
	ag := agreementOf(sl)
	if ag == 0 {
		return true, nil
	}
	var a catalog.Agreement
	if err := d.s.db.WithContext(ctx).Take(&a, ag).Error; err != nil {
		return false, err
	}
	return d.quota[ag]+1 < a.QuotaOut, nil
}

// schedule is when each move of path happens so that the last leaves the
// application days in its stage: a few days apart, an offer lapsing
// after the offer days, everything after the window opened (four weeks
// ago at most); a completed placement after its period.
func (d *demoSeed) schedule(i int, c demoCase, path []Action) (time.Time, []time.Time) {
	jitter := time.Duration((i*7)%10) * time.Hour
	if c.stage == Completed || d.over {
		t := catalog.Day(d.past.e.OpensOn).AddDate(0, 0, 10+i%5).Add(9*time.Hour + jitter)
		var at []time.Time
		for _, a := range path {
			if a == Recognise {
				t = catalog.Day(d.past.p.EndsOn).AddDate(0, 0, 6).Add(10 * time.Hour)
			} else {
				t = t.Add(time.Duration(3+i%3) * 24 * time.Hour)
			}
			at = append(at, t)
		}
		return catalog.Day(d.past.e.OpensOn).AddDate(0, 0, 8).Add(jitter), at
	}
	end := d.now.Add(-time.Duration(c.days)*24*time.Hour - jitter)
	if c.days == 0 {
		end = d.now.Add(-time.Duration(1+i%5) * time.Hour)
	}
	gaps := make([]time.Duration, len(path))
	var fixed, flexible time.Duration
	for k, a := range path {
		if a == Expire {
			// An offer runs to the end of a local day: a day more.
			gaps[k] = time.Duration(d.s.offerDays+1)*24*time.Hour + 3*time.Hour
			fixed += gaps[k]
			continue
		}
		gaps[k] = time.Duration(36+(i+k)%3*24) * time.Hour
		flexible += gaps[k]
	}
	// The draft was started a day before its first move, within the window.
	room := max(end.Sub(d.now.AddDate(0, 0, -26))-fixed-24*time.Hour, time.Duration(len(path))*time.Hour)
	if flexible > room && flexible > 0 {
		for k, a := range path {
			if a != Expire {
				gaps[k] = time.Duration(float64(gaps[k]) * float64(room) / float64(flexible))
			}
		}
	}
	at := make([]time.Time, len(path))
	t := end
	for k := len(path) - 1; k >= 0; k-- {
		at[k] = t
		t = t.Add(-gaps[k])
	}
	return t.Add(-24 * time.Hour), at
}

// apply writes demo application i of c through the workflow.
func (d *demoSeed) apply(ctx context.Context, i int, c demoCase) error {
	student := d.students[c.who]
	choices, err := d.choose(ctx, i, c.stage)
	if err != nil || len(choices) == 0 {
		return err
	}
	path := demoPaths[c.stage]
	created, at := d.schedule(i, c, path)
	d.clock.set(created)
	a, err := d.s.CreateDraft(ctx, student, StartInput{Key: fmt.Sprintf("demo-%03d-start", i), ElectiveID: choices[0].e.ID, PeriodID: choices[0].p.ID})
	if err != nil {
		return err
	}
	in := DraftInput{Version: a.Version, Statement: demoStatement(choices[0].e)}
	for _, sl := range choices {
		in.Choices = append(in.Choices, ChoiceInput{ElectiveID: sl.e.ID, PeriodID: sl.p.ID})
	}
	d.clock.add(40 * time.Minute)
	if a, err = d.s.SaveDraft(ctx, student, a.ID, in); err != nil {
		return err
	}
	for k, act := range path {
		d.clock.set(at[k])
		if a, err = d.move(ctx, i, student, a, act); err != nil {
			return fmt.Errorf("%s: %w", act, err)
		}
		if act == Approve && i%3 == 1 {
			// A word among reviewers that the student never sees.
			d.clock.add(20 * time.Minute)
			note := NoteInput{Comment: "Discussed with the department head: supports a nomination if the quota allows.", Internal: true}
			if _, err := d.s.AddNote(ctx, d.reviewerOf(a), a.ID, note); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *demoSeed) reviewerOf(a *Application) *user.User {
	if slices.Contains(demoScope, a.Specialty) {
		return d.reviewer
	}
	return d.colleague
}

// move makes one move of the demo, by whoever makes it.
func (d *demoSeed) move(ctx context.Context, i int, student *user.User, a *Application, act Action) (*Application, error) {
	v := a.Version
	review := ReviewInput{Version: v, Comment: demoWords[act]}
	if act == StartReview || act == Nominate || (act == Approve && i%2 == 0) {
		review.Comment = ""
	}
	host := func(decision string) (*Application, error) {
		return d.s.RecordHostDecision(ctx, d.office, a.ID, HostDecisionInput{Version: v, Rank: a.CurrentChoice, Decision: decision,
			Comment: demoWords[act], Internal: true})
	}
	answer := AnswerInput{Version: v, Comment: demoWords[act]}
	switch act {
	case Submit, Resubmit:
		return d.s.Submit(ctx, student, a.ID, SubmitInput{Version: v, Key: fmt.Sprintf("demo-%03d-submit-%d", i, v)})
	case StartReview:
		return d.s.StartReview(ctx, d.reviewerOf(a), a.ID, review)
	case Approve:
		return d.s.Approve(ctx, d.reviewerOf(a), a.ID, review)
	case Return:
		return d.s.ReturnForChanges(ctx, d.reviewerOf(a), a.ID, review)
	case Reject:
		return d.s.Reject(ctx, d.reviewerOf(a), a.ID, review)
	case Nominate:
		return d.s.Nominate(ctx, d.office, a.ID, review)
	case HostAccept:
		return host(HostDecisionAccepted)
	case HostWaitlist:
		return host(HostDecisionWaitlisted)
	case HostReject:
		return host(HostDecisionRejected)
	case AcceptOffer:
		return d.s.AcceptOffer(ctx, student, a.ID, AnswerInput{Version: v})
	case DeclineOffer:
		return d.s.DeclineOffer(ctx, student, a.ID, answer)
	case Withdraw:
		return d.s.Withdraw(ctx, student, a.ID, answer)
	case Recognise:
		// The recognition row is internal/evaluation's table; the demo
		// writes the one line a completed placement has there.
		return d.s.Recognise(ctx, d.office, a.ID, v, func(tx *gorm.DB, a *Application, now time.Time) error {
			return tx.Exec("INSERT INTO recognitions (application_id, home_course, credits, grade, recognised_on, recognised_by, created_at) "+
				"VALUES (?, ?, ?, ?, ?, ?, ?)", a.ID, "Clinical elective (MED 6001)", "4", "Pass", now.UTC().Truncate(24*time.Hour), d.office.ID, now).Error
		})
	case Expire:
		if _, err := d.s.ExpireOffers(ctx, d.clock.now()); err != nil {
			return nil, err
		}
		var out Application
		return &out, d.s.db.WithContext(ctx).Take(&out, a.ID).Error
	}
	return nil, fmt.Errorf("no demo move %s", act)
}

// demoStatement is a student's statement for an elective.
func demoStatement(e catalog.Elective) string {
	return fmt.Sprintf("I am a fifth-year medical student and would like to join the %s. "+
		"I hope to see how the host's teams work, present a case in English, and bring back what I learn to our own wards. "+
		"My transcript and my supervisor's recommendation are attached.", e.TitleEN)
}
