package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/db"
	"portal/internal/user"
)

// AppSizes says how many outgoing applications GenerateApplications adds,
// from how many of the generated students, over how many electives.
type AppSizes struct {
	Applications int
	Students     int // the first this many student users apply
	Electives    int // choices go to periods of the first this many live outgoing electives
}

// AppData is what GenerateApplications added.
type AppData struct {
	Applications, Choices, Events int
}

// appChunk applications are made, inserted and forgotten at a time, so
// that a million of them never sit in memory together.
const appChunk = 10000

// step is one transition of a generated history.
type step struct {
	action application.Action
	to     application.Stage
	by     application.Party
}

// mainPath is the way an application goes when nobody says no.
var mainPath = []step{
	{application.Submit, application.Submitted, application.Applicant},
	{application.StartReview, application.DepartmentReview, application.Reviewer},
	{application.Approve, application.OfficeReview, application.Reviewer},
	{application.Nominate, application.Nominated, application.Office},
	{application.HostAccept, application.HostAccepted, application.Office},
	{application.AcceptOffer, application.Confirmed, application.Applicant},
	{application.Recognise, application.Completed, application.Office},
}

// stageMix is how generated applications spread over the stages: the
// weight of each, and its history as the steps of mainPath it took and
// the step that left the path, if any. Most are done or waiting for a
// reviewer, as in a queue at the height of the application season.
var stageMix = []struct {
	stage  application.Stage
	weight int
	along  int
	off    *step
}{
	{application.Draft, 3, 0, nil},
	{application.Submitted, 12, 1, nil},
	{application.DepartmentReview, 12, 2, nil},
	{application.OfficeReview, 10, 3, nil},
	{application.Nominated, 8, 4, nil},
	{application.Waitlisted, 3, 4, &step{application.HostWaitlist, application.Waitlisted, application.Office}},
	{application.HostAccepted, 4, 5, nil},
	{application.HostRejected, 2, 4, &step{application.HostReject, application.HostRejected, application.Office}},
	{application.Confirmed, 10, 6, nil},
	{application.Completed, 20, 7, nil},
	{application.Returned, 4, 2, &step{application.Return, application.Returned, application.Reviewer}},
	{application.Declined, 2, 5, &step{application.DeclineOffer, application.Declined, application.Applicant}},
	{application.Expired, 1, 5, &step{application.Expire, application.Expired, application.System}},
	{application.Rejected, 4, 3, &step{application.Reject, application.Rejected, application.Office}},
	{application.Withdrawn, 5, 2, &step{application.Withdraw, application.Withdrawn, application.Applicant}},
}

// benchPeriod is a period applications can choose, with its elective.
type benchPeriod struct {
	ID, ElectiveID int64
	Specialty      string
}

// GenerateApplications adds outgoing applications with their choices and
// full review histories to a database Generate filled: applicants are its
// students, reviewers and office staff its reviewers and office users.
// Calling it again adds more (a run grows the table from 100,000 to
// 1,000,000 between measurements). Seats are not reserved: periods keep
// the counts Generate gave them, which no page measured here reads.
func GenerateApplications(ctx context.Context, d *db.DB, sizes AppSizes, seed uint64, now time.Time) (AppData, error) {
	var out AppData
	tx := d.WithContext(ctx)
	var students, reviewers, office []int64
	for _, r := range []struct {
		role  user.Role
		limit int
		ids   *[]int64
	}{{user.Student, sizes.Students, &students}, {user.Reviewer, 1000, &reviewers}, {user.Office, 1000, &office}} {
		// Generate gives each user one role, as the claims of its sign-in.
		err := tx.Table("users").Where("claim_roles = ?", string(r.role)).Order("id").Limit(r.limit).Pluck("id", r.ids).Error
		if err != nil {
			return out, err
		}
	}
	var periods []benchPeriod
	err := tx.Table("periods AS p").Select("p.id, p.elective_id, e.specialty").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Where("p.elective_id IN (?)", tx.Table("electives").Select("id").
			Where("direction = ? AND retired_at IS NULL", "outgoing").Order("id").Limit(sizes.Electives)).
		Where("p.retired_at IS NULL").Order("p.id").Scan(&periods).Error
	if err != nil {
		return out, err
	}
	if len(students) == 0 || len(reviewers) == 0 || len(office) == 0 || len(periods) < application.MaxChoices {
		return out, fmt.Errorf("bench: applications need students, reviewers, office users and %d periods (have %d, %d, %d, %d)",
			application.MaxChoices, len(students), len(reviewers), len(office), len(periods))
	}
	total := 0
	for _, s := range stageMix {
		total += s.weight
	}
	rng := newRand(seed + 2)
	g := appGen{rng: rng, now: now, students: students, reviewers: reviewers, office: office, periods: periods, totalWeight: total}
	for made := 0; made < sizes.Applications; made += appChunk {
		n := min(appChunk, sizes.Applications-made)
		err := tx.Transaction(func(tx *gorm.DB) error {
			apps, drawn := make([]application.Application, n), make([]draw, n)
			for i := range apps {
				apps[i], drawn[i] = g.application()
			}
			if err := insert(tx, "applications", apps); err != nil {
				return err
			}
			var choices []application.Choice
			var events []application.Event
			for i := range apps {
				cs, es := g.history(&apps[i], drawn[i])
				choices, events = append(choices, cs...), append(events, es...)
			}
			if err := insert(tx, "application choices", choices); err != nil {
				return err
			}
			if err := insert(tx, "review events", events); err != nil {
				return err
			}
			out.Applications += n
			out.Choices += len(choices)
			out.Events += len(events)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	// A production table is vacuumed by autovacuum soon enough for its
	// visibility map to let the queue's counts read the index alone.
	analyze := []string{"ANALYZE"}
	if d.Dialector.Name() == "postgres" {
		// The counters behind the queue's tabs (application_stage_counts)
		// and the reports' per-period counts (period_application_counts)
		// are a few thousand rows that the triggers rewrote on every insert
		// statement above: their dead versions spread them over hundreds
		// of pages, which VACUUM empties but does not give back. Moves one
		// at a time, as the workflow makes them, keep them on a few pages
		// (HOT pruning); a bulk load has to compact them. The per-period
		// deltas were all written and deleted by the load's transactions.
		// The pipeline's histogram (application_stage_days) and the
		// nominations' outcomes are rewritten the same way.
		analyze = []string{"VACUUM ANALYZE applications, application_choices, review_events, period_application_count_deltas",
			"VACUUM FULL ANALYZE application_stage_counts, period_application_counts, application_stage_days, nomination_outcome_counts"}
	}
	for _, q := range analyze {
		if err := tx.Exec(q).Error; err != nil {
			return out, fmt.Errorf("%s: %w", q, err)
		}
	}
	return out, nil
}

// appGen makes applications one at a time from one randomness.
type appGen struct {
	rng                         *rand.Rand
	now                         time.Time
	students, reviewers, office []int64
	periods                     []benchPeriod
	totalWeight                 int
}

// draw is what was drawn for one application: its place in stageMix and
// the periods it chose, kept until its history is made after the insert.
type draw struct {
	mix   int
	picks []benchPeriod
}

func (g *appGen) application() (application.Application, draw) {
	var dr draw
	w := g.rng.IntN(g.totalWeight)
	for i, s := range stageMix {
		if w < s.weight {
			dr.mix = i
			break
		}
		w -= s.weight
	}
	for n := 1 + g.rng.IntN(application.MaxChoices); len(dr.picks) < n; {
		p := g.periods[g.rng.IntN(len(g.periods))]
		dup := false
		for _, q := range dr.picks {
			dup = dup || q.ID == p.ID
		}
		if !dup {
			dr.picks = append(dr.picks, p)
		}
	}
	s := stageMix[dr.mix]
	since := g.now.Add(-time.Duration(g.rng.IntN(40*24*60)) * time.Minute)
	steps := s.along
	if s.off != nil {
		steps++
	}
	a := application.Application{
		ApplicantID: g.students[g.rng.IntN(len(g.students))], Direction: "outgoing", Status: s.stage,
		Version: 1 + steps, Statement: "I would like to learn how " + dr.picks[0].Specialty + " is practised abroad.",
		Specialty: dr.picks[0].Specialty, CurrentChoice: 1, StageSince: since,
		CreatedAt: since.Add(-time.Duration(steps+1) * 72 * time.Hour), UpdatedAt: since,
	}
	if steps > 0 {
		at := a.CreatedAt.Add(24 * time.Hour)
		a.SubmittedAt = &at
	}
	return a, dr
}

// history makes the choices and review events of a, just inserted: one
// event every three days up to StageSince.
func (g *appGen) history(a *application.Application, dr draw) ([]application.Choice, []application.Event) {
	s := stageMix[dr.mix]
	path := append([]step(nil), mainPath[:s.along]...)
	if s.off != nil {
		path = append(path, *s.off)
	}
	choices := make([]application.Choice, len(dr.picks))
	for i, p := range dr.picks {
		choices[i] = application.Choice{ApplicationID: a.ID, Rank: i + 1, ElectiveID: p.ElectiveID, PeriodID: p.ID}
	}
	events := make([]application.Event, len(path))
	from := application.Draft
	for i, st := range path {
		at := a.StageSince.Add(-time.Duration(len(path)-1-i) * 72 * time.Hour)
		e := application.Event{ApplicationID: a.ID, Role: st.by, FromStage: from, ToStage: st.to, Action: st.action, At: at}
		switch st.by {
		case application.Applicant:
			e.ActorID = &a.ApplicantID
		case application.Reviewer:
			e.ActorID = &g.reviewers[g.rng.IntN(len(g.reviewers))]
		case application.Office:
			e.ActorID = &g.office[g.rng.IntN(len(g.office))]
		}
		switch st.action {
		case application.Return:
			e.Comment = "Please attach a transcript in English."
		case application.Nominate:
			e.Choice = 1
			choices[0].NominatedAt = &at
		case application.HostAccept, application.HostWaitlist, application.HostReject:
			e.Choice = 1
			choices[0].DecidedAt = &at
			choices[0].HostDecision = map[application.Action]string{application.HostAccept: application.HostDecisionAccepted,
				application.HostWaitlist: application.HostDecisionWaitlisted, application.HostReject: application.HostDecisionRejected}[st.action]
		}
		events[i] = e
		from = st.to
	}
	return choices, events
}
