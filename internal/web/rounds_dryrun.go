package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/selection"
	"portal/internal/selection/match"
)

// A dry run as the office reads it (per period the placed and the cutoff,
// per student the outcome and why each higher choice was not given), two
// dry runs side by side, and the four CSV files anyone can check it with.

type dryRunView struct {
	Page
	RoundID, RoundPath string
	Seq                int
	Seed               int64
	At, AtISO          string
	Counts             []string // placed at choice 1, 2, 3, unplaced, seats left
	SeatsLeft          int
	Periods            []dryPeriod
	Students           []dryStudent
	Files              []roundAction
}

type dryPeriod struct {
	Label       string
	Seats, Left int
	Placed      []string
	Cutoff      string
}

type dryStudent struct {
	Position    int
	Name, Score string
	Class       int
	Outcome     string
	Placed      bool
	Why, Notes  []string
}

func (s *Server) roundDryRun(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	seq, err := idParam(c, "seq")
	if err != nil {
		return err
	}
	run, err := s.Selection.DryRun(c.Request().Context(), visitorOf(c).User, id, int(seq))
	if err != nil {
		return err
	}
	v := dryRunView{Page: s.page(c, "rounds.dry.title"), RoundPath: roundPath(id), Seq: run.Seq, Seed: run.Seed,
		At: "", AtISO: run.CreatedAt.Format(time.RFC3339)}
	v.At = v.When(run.CreatedAt)
	v.Title = v.T("rounds.dry.heading", run.Seq)
	r := run.Result
	for i := 1; i <= 3; i++ {
		v.Counts = append(v.Counts, v.T("rounds.dry.at_choice", at(r.PlacedAt, i), i))
	}
	v.Counts = append(v.Counts, v.T("rounds.dry.unplaced_count", at(r.PlacedAt, 0)))
	classOf := map[int64]int{}
	for _, a := range run.Applicants {
		classOf[a.ID] = a.Class
	}
	placedAt := map[int64][]string{}
	for pos, o := range r.Outcomes {
		person := run.People[o.ApplicantID]
		st := dryStudent{Position: pos + 1, Name: person.Name, Score: score(o.Score), Class: classOf[o.ApplicantID], Placed: o.RankGiven > 0}
		if o.RankGiven > 0 {
			st.Outcome = v.T("rounds.dry.placed_at", o.RankGiven, periodLabel(v.Page, run.Periods[o.PeriodID].PeriodOption))
			placedAt[o.PeriodID] = append(placedAt[o.PeriodID], v.T("rounds.dry.placed_person", person.Name, score(o.Score)))
		} else {
			st.Outcome = v.T("rounds.dry.unplaced")
		}
		for _, sk := range o.Skipped {
			st.Why = append(st.Why, explainSkip(v.Page, sk, run.Periods, o.Score))
		}
		for _, n := range person.Notes {
			st.Notes = append(st.Notes, v.T("rounds.note."+n))
		}
		v.Students = append(v.Students, st)
	}
	for _, seat := range run.Seats {
		p := dryPeriod{Label: periodLabel(v.Page, run.Periods[seat.PeriodID].PeriodOption), Seats: seat.CapacityLeft,
			Left: r.SeatsLeft[seat.PeriodID], Placed: placedAt[seat.PeriodID], Cutoff: "–"}
		if cut, ok := r.Cutoff[seat.PeriodID]; ok {
			p.Cutoff = score(cut)
		}
		v.SeatsLeft += p.Left
		v.Periods = append(v.Periods, p)
	}
	v.Counts = append(v.Counts, v.T("rounds.dry.seats_left", v.SeatsLeft))
	base := dryRunPath(id, run.Seq) + "/"
	for _, f := range []string{match.ApplicantsFile, match.ChoicesFile, match.SeatsFile, match.ResultFile} {
		v.Files = append(v.Files, roundAction{Path: base + f, Label: f})
	}
	return s.render.render(c, http.StatusOK, pageRoundsDryRun, v)
}

func score(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// explainSkip says why one higher choice was not given, in p's language:
// "Kumamoto University, Hepatology, 2027-04-02 to 2027-04-29, 2 seats: went
// to scores 91.2, 89.5; yours 88.1".
func explainSkip(p Page, sk match.Skip, periods map[int64]selection.Period, yours float64) string {
	per := periods[sk.PeriodID]
	label := periodLabel(p, per.PeriodOption)
	if per.PeriodID == 0 {
		label = p.T("rounds.why.unknown_period", sk.PeriodID)
	}
	scores := make([]string, len(sk.TakenBy))
	for i, f := range sk.TakenBy {
		scores[i] = score(f)
	}
	taken := strings.Join(scores, p.T("rounds.why.and"))
	switch sk.Reason {
	case match.ReasonFull:
		return p.T("rounds.why.full", label, per.Capacity, taken, score(yours))
	case match.ReasonQuota:
		return p.T("rounds.why.quota", label, taken, score(yours))
	case match.ReasonNotOffered:
		return p.T("rounds.why.not_offered", label)
	case match.IneligibleReason(selection.IneligibleYear):
		return p.T("rounds.why.year_of_study", label, per.MinYear)
	case match.IneligibleReason(selection.IneligibleLanguage):
		return p.T("rounds.why.language", label, p.T("language."+per.Language))
	case match.IneligibleReason(selection.IneligibleOverlap):
		return p.T("rounds.why.overlap", label)
	case match.IneligibleReason(selection.IneligibleNotApproved):
		return p.T("rounds.why.not_approved", label)
	}
	return p.T("rounds.why.ineligible", label)
}

// ---- two dry runs side by side

type compareView struct {
	Page
	RoundPath   string
	Runs        []int
	A, B        int
	Counts      []compareCount
	OrderChange int
	Moved       []compareMove
	Periods     []comparePeriod
}

type compareCount struct {
	Label string
	A, B  int
}

type compareMove struct{ Name, A, B string }

type comparePeriod struct {
	Label            string
	PlacedA, PlacedB int
	CutoffA, CutoffB string
}

func (s *Server) roundCompare(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, ctx := visitorOf(c).User, c.Request().Context()
	runs, err := s.Selection.DryRuns(ctx, u, id)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	a, _ := strconv.Atoi(c.QueryParam("a"))
	b, _ := strconv.Atoi(c.QueryParam("b"))
	if b == 0 {
		b = runs[0].Seq
	}
	if a == 0 {
		a = runs[len(runs)-1].Seq
		if len(runs) > 1 {
			a = runs[1].Seq
		}
	}
	ra, rb, diff, err := s.Selection.Compare(ctx, u, id, a, b)
	if err != nil {
		return err
	}
	v := compareView{Page: s.page(c, "rounds.compare.title"), RoundPath: roundPath(id), A: ra.Seq, B: rb.Seq, OrderChange: diff.OrderChange}
	for _, r := range runs {
		v.Runs = append(v.Runs, r.Seq)
	}
	for i := 1; i <= 3; i++ {
		v.Counts = append(v.Counts, compareCount{Label: v.T("rounds.compare.choice", i), A: at(diff.PlacedAtA, i), B: at(diff.PlacedAtB, i)})
	}
	v.Counts = append(v.Counts, compareCount{Label: v.T("rounds.dry.unplaced"), A: at(diff.PlacedAtA, 0), B: at(diff.PlacedAtB, 0)})
	placement := func(run *selection.Run, pl match.Placement) string {
		if pl.Position == 0 {
			return v.T("rounds.compare.absent")
		}
		if pl.RankGiven == 0 {
			return v.T("rounds.compare.unplaced", score(pl.Score))
		}
		return v.T("rounds.compare.placed", pl.RankGiven, periodLabel(v.Page, run.Periods[pl.PeriodID].PeriodOption), score(pl.Score))
	}
	for _, m := range diff.Moved {
		name := rb.People[m.ApplicantID].Name
		if name == "" {
			name = ra.People[m.ApplicantID].Name
		}
		v.Moved = append(v.Moved, compareMove{Name: name, A: placement(ra, m.A), B: placement(rb, m.B)})
	}
	for _, pc := range diff.Periods {
		per := rb.Periods[pc.PeriodID]
		if per.PeriodID == 0 {
			per = ra.Periods[pc.PeriodID]
		}
		row := comparePeriod{Label: periodLabel(v.Page, per.PeriodOption), PlacedA: pc.PlacedA, PlacedB: pc.PlacedB, CutoffA: "–", CutoffB: "–"}
		if pc.HasCutoffA {
			row.CutoffA = score(pc.CutoffA)
		}
		if pc.HasCutoffB {
			row.CutoffB = score(pc.CutoffB)
		}
		v.Periods = append(v.Periods, row)
	}
	return s.render.render(c, http.StatusOK, pageRoundsCompare, v)
}

func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

// ---- the CSV files

func (s *Server) roundFile(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	seq, err := idParam(c, "seq")
	if err != nil {
		return err
	}
	name := c.Param("file")
	run, err := s.Selection.DryRun(c.Request().Context(), visitorOf(c).User, id, int(seq))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch name {
	case match.ApplicantsFile:
		err = match.WriteApplicants(&buf, run.Applicants)
	case match.ChoicesFile:
		err = match.WriteChoices(&buf, run.Applicants)
	case match.SeatsFile:
		err = match.WriteSeats(&buf, run.Seats)
	case match.ResultFile:
		err = match.WriteResult(&buf, run.Result)
	default:
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return apperr.Internalf("write %s: %w", name, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="round-`+strconv.FormatInt(id, 10)+"-"+
		strconv.Itoa(run.Seq)+"-"+name+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
