package mentor

import (
	"cmp"
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"portal/internal/selection/match"
	"portal/internal/user"
)

// The soft scores of a pair, each part shown with the proposal.
const (
	PointsLanguage = 2 // each language both speak
	PointsExchange = 3 // the mentor went on exchange to the student's home school
	PointsInterest = 1 // each interest both share
)

// Why an opted-in student has no proposal.
const (
	NoneNotAccepted = "not_accepted" // the request holds no seats yet: no department, no dates
	NoneDepartment  = "department"   // no active mentor welcomes the department
	NoneDates       = "dates"        // none of those is available on the rotation's days
	NoneFull        = "full"         // every fitting mentor is at capacity
)

// Student is an opted-in request as the matching sees it.
type Student struct {
	RequestID, StudentID int64
	Name, Email          string
	Status               string // the request's stage
	DepartmentID         int64  // 0 before acceptance
	DepartmentEN         string
	DepartmentZH         string
	StartsOn, EndsOn     time.Time `gorm:"-"`
	HomeID               *int64
	HomeName             string
	Languages, Interests string
}

// Candidate is a mentor as the matching sees it.
type Candidate struct {
	Mentor
	Name, Email   string
	Departments   []int64 `gorm:"-"`
	Load          int     `gorm:"-"` // current matches: those whose rotation has not ended
	ExchangeName  string  // the partner of the mentor's own exchange
	ExchangeOther string
}

// Left is how many more students the mentor may take now.
func (c Candidate) Left() int { return max(c.Capacity-c.Load, 0) }

// Part is one reason of a score: a code, the points, what was shared.
type Part struct {
	Code   string // languages, exchange, interests
	Points int
	Shared []string
}

// Pair is one possible mentor of one student, with its score's parts.
type Pair struct {
	MentorID int64
	Score    int
	Parts    []Part
}

// Proposal is the matching's answer for one student.
type Proposal struct {
	Student
	Mentor *Candidate // nil: none, see None
	Score  int
	Parts  []Part
	None   string
	Rank   int // which of the student's fitting mentors, 1 = their best
}

// Board is the coordinator's page: proposals, the students left without
// one, and the mentors at capacity.
type Board struct {
	Proposals  []Proposal // one per student placed with a mentor
	Unmatched  []Proposal // opted in, unmatched, and no proposal (None says why)
	Candidates []Candidate
	AtCapacity []Candidate
}

// score is the soft score of mentor m for student st.
func score(m Candidate, st Student) Pair {
	p := Pair{MentorID: m.ID}
	if shared := intersect(split(m.Languages), split(st.Languages)); len(shared) > 0 {
		p.Parts = append(p.Parts, Part{Code: "languages", Points: PointsLanguage * len(shared), Shared: shared})
	}
	if m.ExchangeInstitutionID != nil && st.HomeID != nil && *m.ExchangeInstitutionID == *st.HomeID {
		p.Parts = append(p.Parts, Part{Code: "exchange", Points: PointsExchange, Shared: []string{st.HomeName}})
	}
	if shared := intersect(split(m.Interests), split(st.Interests)); len(shared) > 0 {
		p.Parts = append(p.Parts, Part{Code: "interests", Points: PointsInterest * len(shared), Shared: shared})
	}
	for _, part := range p.Parts {
		p.Score += part.Points
	}
	return p
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// fits is the hard filter: the mentor welcomes the student's department
// and is available on at least one day of the rotation; nobody mentors
// themselves. It answers why not, "" when the pair fits.
func fits(m Candidate, st Student) string {
	switch {
	case m.UserID == st.StudentID || !slices.Contains(m.Departments, st.DepartmentID):
		return NoneDepartment
	case m.AvailableFrom.After(st.EndsOn) || m.AvailableUntil.Before(st.StartsOn):
		return NoneDates
	}
	return ""
}

// Propose computes the proposals for students among candidates. It uses
// the selection rounds' engine (selection/match.Run, serial dictatorship):
// each student is an applicant whose choices are the mentors who pass the
// hard filters, ranked by soft score (then the mentor's id, so the order
// is deterministic); each mentor is a "period" whose seats are the
// students they may still take. The service order puts the students with
// the fewest fitting mentors first (the class), so that the hard to place
// are served before those with many options, then the best score, then
// the request's id. Nobody is moved once placed; a student whose fitting
// mentors are all taken gets none (NoneFull).
func Propose(students []Student, candidates []Candidate) (props, none []Proposal) {
	pairs := map[int64]map[int64]Pair{}
	byID := map[int64]*Candidate{}
	seats := make([]match.Seat, 0, len(candidates))
	for i := range candidates {
		c := &candidates[i]
		byID[c.ID] = c
		seats = append(seats, match.Seat{PeriodID: c.ID, CapacityLeft: c.Left()})
	}
	why := map[int64]string{}
	var applicants []match.Applicant
	for _, st := range students {
		if st.DepartmentID == 0 {
			none = append(none, Proposal{Student: st, None: NoneNotAccepted})
			continue
		}
		var ps []Pair
		reason := NoneDepartment
		for _, c := range candidates {
			switch fits(c, st) {
			case "":
				ps = append(ps, score(c, st))
			case NoneDates:
				reason = NoneDates
			}
		}
		if len(ps) == 0 {
			none = append(none, Proposal{Student: st, None: reason})
			continue
		}
		slices.SortFunc(ps, func(a, b Pair) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			return cmp.Compare(a.MentorID, b.MentorID)
		})
		pairs[st.RequestID] = map[int64]Pair{}
		a := match.Applicant{ID: st.RequestID, Class: len(ps), Score: float64(ps[0].Score)}
		for i, p := range ps {
			pairs[st.RequestID][p.MentorID] = p
			a.Choices = append(a.Choices, match.Choice{Rank: i + 1, PeriodID: p.MentorID, Eligible: true})
		}
		applicants = append(applicants, a)
		why[st.RequestID] = NoneFull
	}
	byReq := map[int64]Student{}
	for _, st := range students {
		byReq[st.RequestID] = st
	}
	res := match.Run(applicants, seats)
	for _, o := range res.Outcomes {
		st := byReq[o.ApplicantID]
		if o.PeriodID == 0 {
			none = append(none, Proposal{Student: st, None: why[st.RequestID]})
			continue
		}
		p := pairs[st.RequestID][o.PeriodID]
		props = append(props, Proposal{Student: st, Mentor: byID[o.PeriodID], Score: p.Score, Parts: p.Parts, Rank: o.RankGiven})
	}
	order := func(a, b Proposal) int {
		if c := a.StartsOn.Compare(b.StartsOn); c != 0 {
			return c
		}
		return cmp.Compare(a.RequestID, b.RequestID)
	}
	slices.SortFunc(props, order)
	slices.SortFunc(none, order)
	return props, none
}

// openStudents are the opted-in requests in deps (nil: all) without a
// match whose rotation has not ended, with their accepted department and
// days when they hold seats.
func (s *Service) openStudents(tx *gorm.DB, deps []int64, only int64) ([]Student, error) {
	q := tx.Table("mentor_optins o").
		Select(`o.request_id, o.student_id, u.name, u.email, r.status, COALESCE(c.department_id, 0) AS department_id,
			COALESCE(d.name_en, '') AS department_en, COALESCE(d.name_zh, '') AS department_zh, c.starts_on AS choice_start, c.weeks,
			p.home_institution_id AS home_id, COALESCE(i.name_en, p.home_institution_name, '') AS home_name, o.languages, o.interests`).
		Joins("JOIN rotation_requests r ON r.id = o.request_id").
		Joins("JOIN users u ON u.id = o.student_id").
		Joins("LEFT JOIN rotation_choices c ON c.request_id = r.id AND c.rank = r.accepted_choice AND r.status IN ('accepted', 'confirmed')").
		Joins("LEFT JOIN departments d ON d.id = c.department_id").
		Joins("LEFT JOIN incoming_profiles p ON p.user_id = o.student_id").
		Joins("LEFT JOIN institutions i ON i.id = p.home_institution_id").
		Where("r.status IN ('submitted', 'department_review', 'office_review', 'waitlisted', 'accepted', 'confirmed')").
		Where("NOT EXISTS (SELECT 1 FROM mentor_matches m WHERE m.request_id = o.request_id)").
		Order("o.request_id")
	if only > 0 {
		q = q.Where("o.request_id = ?", only)
	}
	var rows []struct {
		Student
		ChoiceStart *time.Time
		Weeks       int
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	today := s.today()
	var out []Student
	for _, r := range rows {
		st := r.Student
		if r.ChoiceStart != nil && st.DepartmentID > 0 {
			st.StartsOn = dateOf(*r.ChoiceStart)
			st.EndsOn = st.StartsOn.AddDate(0, 0, 7*r.Weeks-1)
			if st.EndsOn.Before(today) {
				continue
			}
		} else {
			st.DepartmentID = 0
		}
		if deps != nil && (st.DepartmentID == 0 || !inScope(deps, st.DepartmentID)) {
			// A coordinator sees the students of their departments only;
			// before acceptance a request has none, so the office alone sees it.
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// dateOf is t's calendar day as dates are kept (midnight UTC); SQLite may
// hand a DATE back in another location.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// candidates are the mentors with their departments and current load;
// active only when all is false.
func (s *Service) candidates(tx *gorm.DB, all bool, only int64) ([]Candidate, error) {
	q := tx.Table("mentors m").Select("m.*, u.name, u.email, COALESCE(i.name_en, '') AS exchange_name, COALESCE(i.name_local, '') AS exchange_other").
		Joins("JOIN users u ON u.id = m.user_id").Joins("LEFT JOIN institutions i ON i.id = m.exchange_institution_id").Order("m.id")
	if !all {
		q = q.Where("m.active")
	}
	if only > 0 {
		q = q.Where("m.id = ?", only)
	}
	var rows []Candidate
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	var deps []mentorDepartment
	if err := tx.Order("mentor_id, department_id").Find(&deps).Error; err != nil {
		return nil, err
	}
	var loads []struct {
		MentorID int64
		N        int
	}
	if err := tx.Model(&Match{}).Select("mentor_id, COUNT(*) AS n").Where("ends_on >= ?", s.today()).Group("mentor_id").Scan(&loads).Error; err != nil {
		return nil, err
	}
	idx := map[int64]int{}
	for i := range rows {
		idx[rows[i].ID] = i
		rows[i].AvailableFrom, rows[i].AvailableUntil = dateOf(rows[i].AvailableFrom), dateOf(rows[i].AvailableUntil)
	}
	for _, d := range deps {
		if i, ok := idx[d.MentorID]; ok {
			rows[i].Departments = append(rows[i].Departments, d.DepartmentID)
		}
	}
	for _, l := range loads {
		if i, ok := idx[l.MentorID]; ok {
			rows[i].Load = l.N
		}
	}
	return rows, nil
}

// Board computes the proposals u may confirm now: the office sees every
// department, a coordinator theirs. Nothing changes.
func (s *Service) Board(ctx context.Context, u *user.User) (*Board, error) {
	if !isMatcher(u) {
		return nil, errNotFound
	}
	b := &Board{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		deps, err := scope(tx, u)
		if err != nil {
			return err
		}
		students, err := s.openStudents(tx, deps, 0)
		if err != nil {
			return err
		}
		all, err := s.candidates(tx, true, 0)
		if err != nil {
			return err
		}
		var active []Candidate
		for _, c := range all {
			if c.Active {
				active = append(active, c)
			}
			if c.Load >= c.Capacity {
				b.AtCapacity = append(b.AtCapacity, c)
			}
		}
		b.Candidates = all
		b.Proposals, b.Unmatched = Propose(students, active)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "mentor board")
	}
	return b, nil
}
