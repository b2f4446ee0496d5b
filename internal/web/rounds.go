package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/selection"
)

// Selection rounds (issue 14): the office's list of rounds, a round's form
// and page, and its state changes. Scores are rounds_scores.go, dry runs,
// comparisons and the CSV files rounds_dryrun.go.

type roundsView struct {
	Page
	Rows   []roundRow
	Office bool
}

type roundRow struct {
	Name, Term, State, Deadline, DeadlineISO, Path string
	Periods, Applicants                            int
}

func (s *Server) roundsList(c echo.Context) error {
	u := visitorOf(c).User
	rows, err := s.Selection.List(c.Request().Context(), u)
	if err != nil {
		return err
	}
	v := roundsView{Page: s.page(c, "rounds.title"), Office: isOfficeUser(c)}
	for _, r := range rows {
		v.Rows = append(v.Rows, roundRow{Name: r.Name, Term: r.Term, State: v.T("rounds.state." + string(r.State)),
			Deadline: v.When(r.Deadline), DeadlineISO: r.Deadline.Format(time.RFC3339), Path: roundPath(r.ID),
			Periods: r.Periods, Applicants: r.Applicants})
	}
	return s.render.render(c, http.StatusOK, pageRounds, v)
}

func isOfficeUser(c echo.Context) bool { return office.admits(visitorOf(c).User) }

func roundPath(id int64) string { return "/rounds/" + strconv.FormatInt(id, 10) }

// ---- the round's form

type roundFormView struct {
	Page
	Heading, Action string
	Version         int
	In              selection.RoundInput
	Components      []componentRow
	Periods         []periodChoice
	TieOptions      []tieOption
	Tiebreaks       []tieSlot
	Errors          map[string]string
	Refusal         string
}

type componentRow struct {
	N                                int
	ID                               int64
	NameEN, NameZH, Weight, Min, Max string
	Error                            string
}

type periodChoice struct {
	ID      int64
	Label   string
	Seats   string
	Checked bool
}

type tieOption struct{ Value, Label string }

// tieSlot is one of the three tie-break selects.
type tieSlot struct {
	N      int
	Chosen string
}

// roundFormRows is how many component rows the form offers.
const roundFormRows = 5

func (s *Server) roundNew(c echo.Context) error {
	in := selection.RoundInput{AppealDays: "7", OfferDays: strconv.Itoa(selection.DefaultOfferDays), AutoPromote: true, RuleMinYear: true, RuleLanguage: true, RulePrior: true,
		Components: []selection.ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "60", MinValue: "0", MaxVal: "100"},
			{NameEN: "Oral exam", NameZH: "口試", Weight: "25", MinValue: "0", MaxVal: "10"},
			{NameEN: "Language test", NameZH: "語言測驗", Weight: "15", MinValue: "0", MaxVal: "100"}},
		Tiebreaks: []string{"component:2", "submitted"}}
	return s.roundForm(c, http.StatusOK, 0, in, nil)
}

func (s *Server) roundCreate(c echo.Context) error {
	in, err := bindRound(c)
	if err != nil {
		return err
	}
	r, err := s.Selection.Create(c.Request().Context(), visitorOf(c).User, in)
	if invalid(err) {
		return s.roundForm(c, http.StatusUnprocessableEntity, 0, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "rounds_saved", roundPath(r.ID))
}

func (s *Server) roundEdit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f, err := s.Selection.Get(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	offerDays := f.OfferDays
	if offerDays <= 0 {
		offerDays = selection.DefaultOfferDays
	}
	in := selection.RoundInput{Version: f.Version, Name: f.Name, Term: f.Term, Deadline: s.Zone.Date(f.Deadline),
		AppealDays: strconv.Itoa(f.AppealDays), OfferDays: strconv.Itoa(offerDays),
		AutoPromote: f.AutoPromote, RuleMinYear: f.RuleMinYear,
		RuleLanguage: f.RuleLanguage, RulePrior: f.RulePriorClass}
	for _, p := range f.Periods {
		in.PeriodIDs = append(in.PeriodIDs, p.PeriodID)
	}
	row := map[int64]int{}
	for i, comp := range f.Components {
		row[comp.ID] = i + 1
		in.Components = append(in.Components, selection.ComponentInput{ID: comp.ID, NameEN: comp.NameEN, NameZH: comp.NameZH,
			Weight: strconv.Itoa(comp.Weight), MinValue: strconv.Itoa(comp.MinValue), MaxVal: strconv.Itoa(comp.MaxValue)})
	}
	for _, t := range f.Tiebreaks {
		if t.Kind == selection.TieSubmitted {
			in.Tiebreaks = append(in.Tiebreaks, selection.TieSubmitted)
		} else if t.ComponentID != nil {
			in.Tiebreaks = append(in.Tiebreaks, "component:"+strconv.Itoa(row[*t.ComponentID]))
		}
	}
	return s.roundForm(c, http.StatusOK, id, in, nil)
}

func (s *Server) roundUpdate(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := bindRound(c)
	if err != nil {
		return err
	}
	_, err = s.Selection.Update(c.Request().Context(), visitorOf(c).User, id, in)
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict {
		return s.roundForm(c, statusOf[code], id, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "rounds_saved", roundPath(id))
}

// bindRound reads the round's form; anything unreadable is left for the
// service to refuse by field.
func bindRound(c echo.Context) (selection.RoundInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return selection.RoundInput{}, apperr.New(apperr.Invalid, "form.invalid")
	}
	in := selection.RoundInput{Name: form.Get("name"), Term: form.Get("term"), Deadline: form.Get("deadline"),
		AppealDays: form.Get("appeal_days"), OfferDays: form.Get("offer_days"), AutoPromote: form.Get("auto_promote") == "1",
		RuleMinYear: form.Get("rule_min_year") == "1", RuleLanguage: form.Get("rule_language") == "1",
		RulePrior: form.Get("rule_prior") == "1"}
	in.Version, _ = strconv.Atoi(form.Get("version"))
	for _, p := range form["period"] {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil && id > 0 {
			in.PeriodIDs = append(in.PeriodIDs, id)
		}
	}
	for i := 1; i <= roundFormRows; i++ {
		n := strconv.Itoa(i)
		id, _ := strconv.ParseInt(form.Get("c"+n+"_id"), 10, 64)
		in.Components = append(in.Components, selection.ComponentInput{ID: id, NameEN: form.Get("c" + n + "_name_en"),
			NameZH: form.Get("c" + n + "_name_zh"), Weight: form.Get("c" + n + "_weight"),
			MinValue: form.Get("c" + n + "_min"), MaxVal: form.Get("c" + n + "_max")})
	}
	for i := 1; i <= 3; i++ {
		in.Tiebreaks = append(in.Tiebreaks, form.Get("tie"+strconv.Itoa(i)))
	}
	return in, nil
}

// roundForm is the round's new (id 0) or edit page, with the refusal of
// err and everything typed.
func (s *Server) roundForm(c echo.Context, status int, id int64, in selection.RoundInput, err error) error {
	u := visitorOf(c).User
	v := roundFormView{Page: s.page(c, "rounds.new"), Action: "/rounds", In: in, Errors: map[string]string{}}
	v.Heading = v.T("rounds.new")
	if id != 0 {
		v.Title, v.Heading, v.Action = v.T("rounds.edit"), v.T("rounds.edit"), roundPath(id)
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
		for f, m := range ae.Fields {
			v.Errors[f] = v.T(m.Key, m.Args...)
		}
	}
	opts, oerr := s.Selection.PeriodOptions(c.Request().Context(), u)
	if oerr != nil {
		return oerr
	}
	chosen := map[int64]bool{}
	for _, p := range in.PeriodIDs {
		chosen[p] = true
	}
	seen := map[int64]bool{}
	add := func(p selection.PeriodOption) {
		if seen[p.PeriodID] {
			return
		}
		seen[p.PeriodID] = true
		v.Periods = append(v.Periods, periodChoice{ID: p.PeriodID, Label: periodLabel(v.Page, p),
			Seats: v.T("rounds.seats", p.Capacity-p.Taken, p.Capacity), Checked: chosen[p.PeriodID]})
	}
	if id != 0 { // the round's own periods, even if started since
		if f, gerr := s.Selection.Get(c.Request().Context(), u, id); gerr == nil {
			for _, p := range f.Periods {
				add(p)
			}
		}
	}
	for _, p := range opts {
		add(p)
	}
	for i := 0; i < roundFormRows; i++ {
		row := componentRow{N: i + 1}
		if i < len(in.Components) {
			ci := in.Components[i]
			row.ID, row.NameEN, row.NameZH, row.Weight, row.Min, row.Max = ci.ID, ci.NameEN, ci.NameZH, ci.Weight, ci.MinValue, ci.MaxVal
		}
		row.Error = v.Errors["component"+strconv.Itoa(i+1)]
		v.Components = append(v.Components, row)
		v.TieOptions = append(v.TieOptions, tieOption{Value: "component:" + strconv.Itoa(i+1), Label: v.T("rounds.tie.component", i+1)})
	}
	v.TieOptions = append(v.TieOptions, tieOption{Value: selection.TieSubmitted, Label: v.T("rounds.tie.submitted")})
	for i := range 3 {
		slot := tieSlot{N: i + 1}
		if i < len(in.Tiebreaks) {
			slot.Chosen = in.Tiebreaks[i]
		}
		v.Tiebreaks = append(v.Tiebreaks, slot)
	}
	v.Version = in.Version
	return s.render.render(c, status, pageRoundsForm, v)
}

// periodLabel names a period as the explanations do: "Kumamoto
// University, Hepatology, 2027-04-02 to 2027-04-29".
func periodLabel(p Page, o selection.PeriodOption) string {
	inst, title := o.InstitutionEN, o.ElectiveEN
	if p.Lang == i18n.TraditionalChinese {
		if o.InstitutionLocal != "" {
			inst = o.InstitutionLocal
		}
		if o.ElectiveZH != "" {
			title = o.ElectiveZH
		}
	}
	return p.T("rounds.period_label", inst, title, dateString(o.StartsOn), dateString(o.EndsOn))
}

// ---- the round's page

type roundView struct {
	Page
	ID                                       int64
	Name, Term, State, Deadline, DeadlineISO string
	Seed                                     int64
	AppealDays                               int
	AutoPromote                              bool
	Rules                                    []string
	Components                               []rubricRow
	Tiebreaks                                []string
	Periods                                  []roundPeriodRow
	Actions                                  []roundAction
	Office, Editable                         bool
	Version                                  int
	DryRuns                                  []dryRunRow
	CompareA, CompareB                       int
	Refusal                                  string
	Tally                                    string            // a published round's outcome
	Appeals                                  *roundAppealsView // rounds_appeals.go

	Auto *roundAutoView // what happens after publication (rounds_auto.go)
}

type rubricRow struct {
	Name             string
	Weight, Min, Max int
}

type roundPeriodRow struct {
	ID              int64
	Label           string
	Capacity, Taken int
}

type roundAction struct{ Path, Label string }

type dryRunRow struct {
	Seq                int
	At, AtISO, Path    string
	Applicants, Placed int
}

func (s *Server) roundShow(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.roundPage(c, http.StatusOK, id, nil)
}

// roundPage is the round's page, with the refusal of refused if any.
func (s *Server) roundPage(c echo.Context, status int, id int64, refused error) error {
	return s.roundPageWith(c, status, id, refused, nil)
}

// roundPageWith is the round's page; auto, when not nil, is the automatic
// handling's form as typed, refused being its refusal (rounds_auto.go).
func (s *Server) roundPageWith(c echo.Context, status int, id int64, refused error, auto *selection.AutoInput) error {
	u := visitorOf(c).User
	f, err := s.Selection.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	v := roundView{Page: s.page(c, "rounds.title"), ID: f.ID, Name: f.Name, Term: f.Term, Seed: f.Seed,
		AppealDays: f.AppealDays, AutoPromote: f.AutoPromote, Office: f.Office, Editable: selection.Editable(f.State),
		Version: f.Version, Deadline: "", DeadlineISO: f.Deadline.Format(time.RFC3339)}
	v.Title = f.Name
	v.State = v.T("rounds.state." + string(f.State))
	v.Deadline = v.When(f.Deadline)
	for _, r := range []struct {
		on  bool
		key string
	}{{f.RuleMinYear, "rounds.rule.min_year"}, {f.RuleLanguage, "rounds.rule.language"}, {f.RulePriorClass, "rounds.rule.prior"}} {
		if r.on {
			v.Rules = append(v.Rules, v.T(r.key))
		}
	}
	names := map[int64]string{}
	for _, comp := range f.Components {
		names[comp.ID] = componentName(v.Page, comp)
		v.Components = append(v.Components, rubricRow{Name: names[comp.ID], Weight: comp.Weight, Min: comp.MinValue, Max: comp.MaxValue})
	}
	for _, t := range f.Tiebreaks {
		if t.Kind == selection.TieSubmitted {
			v.Tiebreaks = append(v.Tiebreaks, v.T("rounds.tie.submitted"))
		} else if t.ComponentID != nil {
			v.Tiebreaks = append(v.Tiebreaks, names[*t.ComponentID])
		}
	}
	v.Tiebreaks = append(v.Tiebreaks, v.T("rounds.tie.lottery", f.Seed))
	for _, p := range f.Periods {
		v.Periods = append(v.Periods, roundPeriodRow{ID: p.PeriodID, Label: periodLabel(v.Page, p), Capacity: p.Capacity, Taken: p.Taken})
	}
	for _, a := range f.Actions {
		v.Actions = append(v.Actions, roundAction{Path: roundPath(id) + "/" + string(a), Label: v.T("rounds.action." + string(a))})
	}
	if f.Office {
		runs, err := s.Selection.DryRuns(c.Request().Context(), u, id)
		if err != nil {
			return err
		}
		for _, r := range runs {
			v.DryRuns = append(v.DryRuns, dryRunRow{Seq: r.Seq, At: v.When(r.CreatedAt), AtISO: r.CreatedAt.Format(time.RFC3339),
				Path: dryRunPath(id, r.Seq), Applicants: r.Applicants, Placed: r.Placed})
		}
		if len(runs) >= 2 {
			v.CompareA, v.CompareB = runs[1].Seq, runs[0].Seq
		}
		if f.State == selection.Published || f.State == selection.Closed {
			t, err := s.Selection.Published(c.Request().Context(), u, id)
			if err != nil {
				return err
			}
			v.Tally = v.T("rounds.tally", t.Nominated, t.Placed, t.Waitlisted, t.Unplaced)
		}
	}
	offers := 0
	if f.Office && f.State == selection.Published {
		if offers, err = s.Selection.OpenOffers(c.Request().Context(), u, id); err != nil {
			return err
		}
	}
	if auto != nil {
		v.Auto, refused = roundAuto(v.Page, f, offers, auto, refused), nil
	} else {
		v.Auto = roundAuto(v.Page, f, offers, nil, nil)
	}
	if v.Appeals, err = s.roundAppealsOf(c, v.Page, f); err != nil {
		return err
	}
	var ae *apperr.Error
	if errors.As(refused, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
	}
	return s.render.render(c, status, pageRoundsShow, v)
}

func componentName(p Page, c selection.Component) string {
	if p.Lang == i18n.TraditionalChinese && c.NameZH != "" {
		return c.NameZH
	}
	return c.NameEN
}

func dryRunPath(id int64, seq int) string { return roundPath(id) + "/dry-runs/" + strconv.Itoa(seq) }

// roundAct takes one of the round's moves: start scoring, back to
// scoring, close; a dry run and publication have their own handlers.
func (s *Server) roundAct(action selection.Action) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(c.FormValue("version"))
		u, ctx := visitorOf(c).User, c.Request().Context()
		flash := "rounds_" + string(action)
		to := roundPath(id)
		switch action {
		case selection.RunDry:
			var run *selection.Run
			if run, err = s.Selection.RunDryRun(ctx, u, id, version); err == nil {
				to = dryRunPath(id, run.Seq)
			}
		case selection.Publish:
			_, err = s.Selection.Publish(ctx, u, id, version)
		default:
			_, err = s.Selection.Act(ctx, u, id, action, version)
		}
		if code := apperr.CodeOf(err); err != nil && (code == apperr.Invalid || code == apperr.Conflict) {
			// The page again says why: a stale version, a state that
			// moved, no dry run to publish.
			return s.roundPage(c, statusOf[code], id, err)
		}
		if err != nil {
			return err
		}
		return s.done(c, flash, to)
	}
}
