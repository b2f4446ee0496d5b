package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/scholarship"
	"portal/internal/user"
)

// Scholarship calls (issue 14, "scholarships the same way"): the office
// opens calls on the catalog's funding, scores requests, runs a dry run
// and awards within the budget; students request funding tied to their
// placement and download their award letter. The register lists who
// received what, with a CSV export.

// scholars are who see the calls: students, who request, and the office.
var scholars = guard{name: "scholars", roles: []user.Role{user.Student, user.Office, user.Admin}}

// scholarshipRoutes lists the calls' routes (one line in pageRoutes).
func (s *Server) scholarshipRoutes(r router) {
	if s.Scholarships == nil {
		return
	}
	r.area("/scholarships", scholars)
	r.get("/scholarships", scholars, s.scholarshipList)
	r.get("/scholarships/new", office, s.scholarshipNew)
	r.post("/scholarships", office, s.scholarshipCreate)
	r.get("/scholarships/register", office, s.scholarshipRegister)
	r.get("/scholarships/register.csv", office, s.scholarshipRegisterCSV)
	r.get("/scholarships/awards/:id/letter", scholars, s.scholarshipLetter)
	r.post("/scholarships/awards/:id/paid", office, s.scholarshipStatus(scholarship.StatusPaid))
	r.post("/scholarships/awards/:id/returned", office, s.scholarshipStatus(scholarship.StatusReturned))
	r.get("/scholarships/:id", scholars, s.scholarshipShow)
	r.post("/scholarships/:id/request", students, s.scholarshipRequestSave)
	r.post("/scholarships/:id/withdraw", students, s.scholarshipWithdraw)
	r.post("/scholarships/:id/scores/:req", office, s.scholarshipScores)
	r.post("/scholarships/:id/award", office, s.scholarshipAward)
	r.post("/scholarships/:id/close", office, s.scholarshipClose)
}

func scholarshipPath(id int64) string { return "/scholarships/" + strconv.FormatInt(id, 10) }

// fundingName is the funding's name in the page's language.
func fundingName(p Page, en, zh string) string {
	if p.Lang == i18n.TraditionalChinese && zh != "" {
		return zh
	}
	return en
}

// budgetText says what a call can give: "2 awards of 60,000 TWD", "up to
// 500,000 TWD in all".
func budgetText(p Page, c scholarship.Call) string {
	var parts []string
	if c.PerAward > 0 {
		parts = append(parts, p.T("scholarships.budget.per_award", scholarship.FormatAmount(c.PerAward, c.Currency)))
	} else {
		parts = append(parts, p.T("scholarships.budget.asked"))
	}
	if c.MaxAwards > 0 {
		parts = append(parts, p.N("scholarships.budget.awards", c.MaxAwards))
	}
	if c.Total > 0 {
		parts = append(parts, p.T("scholarships.budget.total", scholarship.FormatAmount(c.Total, c.Currency)))
	}
	return strings.Join(parts, p.T("scholarships.list_separator"))
}

// ---- the list

type scholarshipsView struct {
	Page
	Office bool
	Rows   []scholarshipRow
	Awards []myAwardRow
}

type scholarshipRow struct {
	Path, Name, Funding, Budget, State, Deadline, DeadlineISO string
	Requests, Awards                                          int
}

type myAwardRow struct {
	Call, Amount, Status, Letter string
}

func (s *Server) scholarshipList(c echo.Context) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	rows, err := s.Scholarships.List(ctx, u)
	if err != nil {
		return err
	}
	v := scholarshipsView{Page: s.page(c, "scholarships.title"), Office: isOfficeUser(c)}
	for _, r := range rows {
		v.Rows = append(v.Rows, scholarshipRow{Path: scholarshipPath(r.ID), Name: r.Name, Funding: fundingName(v.Page, r.FundingEN, r.FundingZH),
			Budget: budgetText(v.Page, r.Call), State: v.T("scholarships.state." + string(r.State)), Deadline: v.When(r.Deadline),
			DeadlineISO: r.Deadline.Format(time.RFC3339), Requests: r.Requests, Awards: r.Awards})
	}
	if !v.Office {
		mine, err := s.Scholarships.MyAwards(ctx, u)
		if err != nil {
			return err
		}
		for _, a := range mine {
			v.Awards = append(v.Awards, myAwardRow{Call: a.CallName, Amount: scholarship.FormatAmount(a.Amount, a.Currency),
				Status: v.T("scholarships.status." + string(a.Status)), Letter: awardLetterPath(a.ID)})
		}
	}
	return s.render.render(c, http.StatusOK, pageScholarships, v)
}

func awardLetterPath(id int64) string {
	return "/scholarships/awards/" + strconv.FormatInt(id, 10) + "/letter"
}

// ---- the call's form

type scholarshipFormView struct {
	Page
	In         scholarship.CallInput
	Fundings   []fundingChoice
	Components []scholarshipComponentRow
	TieOptions []tieOption // scholarships_ties.go
	Tiebreaks  []tieSlot
	Errors     map[string]string
	Refusal    string
}

type fundingChoice struct {
	ID       int64
	Label    string
	Selected bool
}

type scholarshipComponentRow struct {
	N                           int
	NameEN, NameZH, Weight, Max string
	Error                       string
}

const scholarshipFormRows = 4

func (s *Server) scholarshipNew(c echo.Context) error {
	in := scholarship.CallInput{Year: strconv.Itoa(time.Now().Year() + 1), MaxAwards: "5",
		Components: []scholarship.ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "70", MaxValue: "100"},
			{NameEN: "Interview", NameZH: "面談", Weight: "30", MaxValue: "10"}}, Tiebreaks: []string{"component:1", scholarship.TieSubmitted}}
	return s.scholarshipForm(c, http.StatusOK, in, nil)
}

func (s *Server) scholarshipCreate(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	in := scholarship.CallInput{Name: form.Get("name"), Year: form.Get("year"), Deadline: form.Get("deadline"),
		PerAward: form.Get("per_award"), MaxAwards: form.Get("max_awards"), Total: form.Get("total"),
		NeedPlacement: form.Get("need_placement") == "1"}
	in.FundingID, _ = strconv.ParseInt(form.Get("funding"), 10, 64)
	for i := 1; i <= scholarshipFormRows; i++ {
		n := strconv.Itoa(i)
		in.Components = append(in.Components, scholarship.ComponentInput{NameEN: form.Get("c" + n + "_name_en"),
			NameZH: form.Get("c" + n + "_name_zh"), Weight: form.Get("c" + n + "_weight"), MaxValue: form.Get("c" + n + "_max")})
	}
	in.Tiebreaks = bindCallTies(form)
	call, err := s.Scholarships.Create(c.Request().Context(), visitorOf(c).User, in)
	if invalid(err) {
		return s.scholarshipForm(c, http.StatusUnprocessableEntity, in, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "scholarships_saved", scholarshipPath(call.ID))
}

func (s *Server) scholarshipForm(c echo.Context, status int, in scholarship.CallInput, err error) error {
	v := scholarshipFormView{Page: s.page(c, "scholarships.new"), In: in, Errors: map[string]string{}}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
		for f, m := range ae.Fields {
			v.Errors[f] = v.T(m.Key, m.Args...)
		}
	}
	funds, ferr := s.Scholarships.Fundings(c.Request().Context(), visitorOf(c).User)
	if ferr != nil {
		return ferr
	}
	for _, f := range funds {
		v.Fundings = append(v.Fundings, fundingChoice{ID: f.ID, Selected: f.ID == in.FundingID,
			Label: fundingName(v.Page, f.NameEN, f.NameZH) + " (" + f.Sponsor + ", " + scholarship.FormatAmount(int64(f.Amount), f.Currency) + ")"})
	}
	for i := range scholarshipFormRows {
		row := scholarshipComponentRow{N: i + 1, Error: v.Errors["component"+strconv.Itoa(i+1)]}
		if i < len(in.Components) {
			ci := in.Components[i]
			row.NameEN, row.NameZH, row.Weight, row.Max = ci.NameEN, ci.NameZH, ci.Weight, ci.MaxValue
		}
		v.Components = append(v.Components, row)
	}
	v.TieOptions, v.Tiebreaks = callTieChoices(v.Page, scholarshipFormRows, in.Tiebreaks)
	return s.render.render(c, status, pageScholarshipsForm, v)
}

// ---- the call's page

type scholarshipView struct {
	Page
	ID                                                  int64
	Name, Funding, Budget, State, Deadline, DeadlineISO string
	Year                                                int
	Rubric                                              []string
	Tiebreaks                                           []string // in order, the lottery last (scholarships_ties.go)
	Eligibility                                         string
	Office, Open, Closed                                bool
	Version                                             int
	Refusal                                             string
	Errors                                              map[string]string
	// The student's part.
	Mine       *myRequestView
	Placements []fundingChoice
	AskAmount  bool
	In         scholarship.RequestInput
	// The office's part.
	Entries    []entryRow
	Components []scholarship.Component
	Plan       *planView
	Left       string
	Awards     []awardRow
}

type myRequestView struct {
	State, Amount, Motivation, Letter string
	Version                           int
	Draft, Withdrawable               bool
}

type entryRow struct {
	ID                    int64
	Student, Number       string
	Amount, Score, Status string
	Path                  string
	Values                []valueCell
	Error                 string
}

type valueCell struct {
	ID           int64
	Label, Value string
	Max          int
}

type planView struct {
	Rows   []planRow
	Cutoff string
	Tally  string
}

type planRow struct {
	Rank            int
	Student, Score  string
	Amount, Outcome string
	Awarded         bool
}

type awardRow struct {
	ID                            int64
	Student, Amount, Status, Code string
	Letter, Next, NextLabel       string
	Version                       int
}

func (s *Server) scholarshipShow(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.scholarshipPage(c, http.StatusOK, id, nil, nil, 0)
}

// scholarshipPage is the call's page; in is what the student typed on a
// refused request, entry the request whose refused scores come back.
func (s *Server) scholarshipPage(c echo.Context, status int, id int64, refused error, in *scholarship.RequestInput, entry int64) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	f, err := s.Scholarships.Get(ctx, u, id)
	if err != nil {
		return err
	}
	v := scholarshipView{Page: s.page(c, "scholarships.title"), ID: id, Name: f.Name, Year: f.Year, Office: f.Office, Open: f.State == scholarship.Open, Closed: f.State == scholarship.Closed, Version: f.Version, Errors: map[string]string{},
		DeadlineISO: f.Deadline.Format(time.RFC3339)}
	v.Title, v.Funding = f.Name, fundingName(v.Page, f.FundingEN, f.FundingZH)
	v.Budget, v.State, v.Deadline = budgetText(v.Page, f.Call), v.T("scholarships.state."+string(f.State)), v.When(f.Deadline)
	v.Eligibility = v.T("scholarships.eligibility.nominated")
	if f.NeedPlacement {
		v.Eligibility = v.T("scholarships.eligibility.placement")
	}
	for _, comp := range f.Components {
		v.Rubric = append(v.Rubric, v.T("scholarships.rubric_row", scholarshipComponentName(v.Page, comp), comp.Weight, comp.MaxValue))
	}
	v.Tiebreaks = callTies(v.Page, f)
	var ae *apperr.Error
	if errors.As(refused, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
		for k, m := range ae.Fields {
			v.Errors[k] = v.T(m.Key, m.Args...)
		}
	}
	if f.Office {
		if err := s.scholarshipOffice(c, &v, f, entry); err != nil {
			return err
		}
		return s.render.render(c, status, pageScholarshipsShow, v)
	}
	v.AskAmount = f.PerAward == 0
	mine, err := s.Scholarships.Mine(ctx, u, id)
	if err != nil {
		return err
	}
	if in != nil {
		v.In = *in
	} else if mine != nil {
		v.In = scholarship.RequestInput{Version: mine.Version, ApplicationID: mine.ApplicationID, Motivation: mine.Motivation}
		if v.AskAmount && mine.Amount > 0 {
			v.In.Amount = strconv.FormatInt(mine.Amount, 10)
		}
	}
	if mine != nil {
		m := &myRequestView{State: v.T("scholarships.request." + string(mine.State)), Amount: scholarship.FormatAmount(mine.Amount, f.Currency),
			Motivation: mine.Motivation, Version: mine.Version, Draft: mine.State == scholarship.Draft,
			Withdrawable: mine.State != scholarship.Withdrawn && f.State != scholarship.Closed}
		awards, err := s.Scholarships.MyAwards(ctx, u)
		if err != nil {
			return err
		}
		for _, a := range awards {
			if a.RequestID == mine.ID {
				m.State = v.T("scholarships.status."+string(a.Status)) + " · " + scholarship.FormatAmount(a.Amount, a.Currency)
				m.Letter, m.Withdrawable = awardLetterPath(a.ID), false
			}
		}
		v.Mine = m
	}
	if v.Open && (mine == nil || mine.State == scholarship.Draft) {
		ps, err := s.Scholarships.Placements(ctx, u, id)
		if err != nil {
			return err
		}
		for _, p := range ps {
			inst := p.InstitutionEN
			title := p.TitleEN
			if v.Lang == i18n.TraditionalChinese {
				if p.InstitutionLocal != "" {
					inst = p.InstitutionLocal
				}
				if p.TitleZH != "" {
					title = p.TitleZH
				}
			}
			v.Placements = append(v.Placements, fundingChoice{ID: p.ApplicationID, Selected: p.ApplicationID == v.In.ApplicationID,
				Label: v.T("scholarships.placement_label", inst, title, v.Day(p.StartsOn), v.Day(p.EndsOn), v.T("application.stage."+string(p.Status)))})
		}
	}
	return s.render.render(c, status, pageScholarshipsShow, v)
}

func scholarshipComponentName(p Page, c scholarship.Component) string {
	if p.Lang == i18n.TraditionalChinese && c.NameZH != "" {
		return c.NameZH
	}
	return c.NameEN
}

// scholarshipOffice fills the office's part of the call's page: the
// requests with their scores, the dry run as it stands, the awards.
func (s *Server) scholarshipOffice(c echo.Context, v *scholarshipView, f *scholarship.Full, refusedEntry int64) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	entries, err := s.Scholarships.Entries(ctx, u, f.ID)
	if err != nil {
		return err
	}
	v.Components = f.Components
	form, _ := c.FormParams()
	for _, e := range entries {
		row := entryRow{ID: e.ID, Student: e.StudentName, Number: e.StudentNumber, Amount: scholarship.FormatAmount(e.Amount, f.Currency),
			Score: fmt.Sprintf("%.2f", e.Score), Status: v.T("application.stage." + string(e.Status)),
			Path: scholarshipPath(f.ID) + "/scores/" + strconv.FormatInt(e.ID, 10)}
		for _, comp := range f.Components {
			cell := valueCell{ID: comp.ID, Label: scholarshipComponentName(v.Page, comp), Max: comp.MaxValue}
			if x, ok := e.Values[comp.ID]; ok {
				cell.Value = strconv.FormatFloat(float64(x)/100, 'f', -1, 64)
			}
			key := "c" + strconv.FormatInt(comp.ID, 10)
			if e.ID == refusedEntry {
				cell.Value = form.Get(key)
				if m, ok := v.Errors[key]; ok {
					row.Error = m
				}
			}
			row.Values = append(row.Values, cell)
		}
		v.Entries = append(v.Entries, row)
	}
	if f.State != scholarship.Closed {
		p, err := s.Scholarships.DryRun(ctx, u, f.ID)
		if err != nil {
			return err
		}
		pv := &planView{Tally: v.T("scholarships.plan.tally", p.Awarded, scholarship.FormatAmount(p.Spent, f.Currency))}
		if p.Awarded > 0 {
			pv.Cutoff = v.T("scholarships.plan.cutoff", fmt.Sprintf("%.2f", p.Cutoff))
		}
		for _, o := range p.Outcomes {
			row := planRow{Rank: o.Rank, Student: o.StudentName, Score: fmt.Sprintf("%.2f", o.Score), Awarded: o.Awarded,
				Amount: scholarship.FormatAmount(o.Entry.Amount, f.Currency)}
			if o.Awarded {
				row.Outcome = v.T("scholarships.outcome.awarded")
			} else {
				reason := o.Reason
				if i := strings.IndexByte(reason, ':'); i > 0 {
					reason = reason[:i]
				}
				row.Outcome = v.T("scholarships.outcome." + reason)
			}
			pv.Rows = append(pv.Rows, row)
		}
		v.Plan = pv
	}
	var left []string
	if f.MaxAwards > 0 {
		left = append(left, v.N("scholarships.left.awards", max(f.MaxAwards-f.Given, 0)))
	}
	if f.Total > 0 {
		left = append(left, v.T("scholarships.left.money", scholarship.FormatAmount(max(f.Total-f.Spent, 0), f.Currency)))
	}
	v.Left = strings.Join(left, v.T("scholarships.list_separator"))
	rows, err := s.Scholarships.Register(ctx, u, 0, f.ID)
	if err != nil {
		return err
	}
	for _, a := range rows {
		row := awardRow{ID: a.ID, Student: a.StudentName, Amount: scholarship.FormatAmount(a.Amount, a.Currency),
			Status: v.T("scholarships.status." + string(a.Status)), Code: letter.FormatCode(a.Code), Letter: awardLetterPath(a.ID), Version: a.Version}
		switch a.Status {
		case scholarship.StatusAwarded:
			row.Next, row.NextLabel = "/scholarships/awards/"+strconv.FormatInt(a.ID, 10)+"/paid", v.T("scholarships.mark.paid")
		case scholarship.StatusPaid:
			row.Next, row.NextLabel = "/scholarships/awards/"+strconv.FormatInt(a.ID, 10)+"/returned", v.T("scholarships.mark.returned")
		}
		v.Awards = append(v.Awards, row)
	}
	return nil
}

// ---- actions

func (s *Server) scholarshipRequestSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := scholarship.RequestInput{Motivation: c.FormValue("motivation"), Amount: c.FormValue("amount")}
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	in.ApplicationID, _ = strconv.ParseInt(c.FormValue("application"), 10, 64)
	submit := c.FormValue("submit") == "1"
	_, err = s.Scholarships.Save(c.Request().Context(), visitorOf(c).User, id, in, submit)
	flash := "scholarships_request_saved"
	if submit {
		flash = "scholarships_request_submitted"
	}
	return s.finish(c, err, outcome{flash: flash, to: scholarshipPath(id), shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.scholarshipPage(c, status, id, err, &in, 0) }})
}

func (s *Server) scholarshipWithdraw(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	err = s.Scholarships.Withdraw(c.Request().Context(), visitorOf(c).User, id, version)
	return s.finish(c, err, outcome{flash: "scholarships_request_withdrawn", to: scholarshipPath(id), shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.scholarshipPage(c, status, id, err, nil, 0) }})
}

func (s *Server) scholarshipScores(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "req")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	typed := map[int64]string{}
	for k, vals := range form {
		if cid, err := strconv.ParseInt(strings.TrimPrefix(k, "c"), 10, 64); err == nil && strings.HasPrefix(k, "c") && len(vals) > 0 {
			typed[cid] = vals[0]
		}
	}
	err = s.Scholarships.SetScores(c.Request().Context(), visitorOf(c).User, id, rid, typed)
	return s.finish(c, err, outcome{flash: "scholarships_scored", to: scholarshipPath(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.scholarshipPage(c, status, id, err, nil, rid) }})
}

func (s *Server) scholarshipAward(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Scholarships.Award(c.Request().Context(), visitorOf(c).User, id)
	return s.finish(c, err, outcome{flash: "scholarships_awarded", to: scholarshipPath(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.scholarshipPage(c, status, id, err, nil, 0) }})
}

func (s *Server) scholarshipClose(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	err = s.Scholarships.Close(c.Request().Context(), visitorOf(c).User, id, version)
	return s.finish(c, err, outcome{flash: "scholarships_closed", to: scholarshipPath(id), shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.scholarshipPage(c, status, id, err, nil, 0) }})
}

// scholarshipStatus moves an award's disbursement one step.
func (s *Server) scholarshipStatus(to scholarship.Status) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		u, ctx := visitorOf(c).User, c.Request().Context()
		a, err := s.Scholarships.AwardFor(ctx, u, id)
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(c.FormValue("version"))
		err = s.Scholarships.SetStatus(ctx, u, id, to, version)
		return s.finish(c, err, outcome{flash: "scholarships_status", to: scholarshipPath(a.CallID), shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
			again: func(status int, err error) error { return s.scholarshipPage(c, status, a.CallID, err, nil, 0) }})
	}
}

// scholarshipLetter is an award's letter as a PDF, for its student or the
// office, in the reader's language, with the code /verify confirms.
func (s *Server) scholarshipLetter(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if s.Letters == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	a, err := s.Scholarships.AwardFor(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	lang := langOf(c)
	t := func(key string, args ...any) string { return s.I18n.T(lang, key, args...) }
	fund := a.FundingEN
	if lang == i18n.TraditionalChinese && a.FundingZH != "" {
		fund = a.FundingZH
	}
	amount := scholarship.FormatAmount(a.Amount, a.Currency)
	pdf, err := s.Letters.RenderCustom(letter.Custom{
		Title:      t("scholarships.letter.title"),
		Paragraphs: []string{t("scholarships.letter.body", a.StudentName, fund, a.CallName, amount), t("scholarships.letter.body2")},
		Facts: [][2]string{{t("scholarships.letter.name"), a.StudentName}, {t("scholarships.letter.funding"), fund},
			{t("scholarships.letter.call"), a.CallName}, {t("scholarships.letter.amount"), amount}},
		Code: a.Code, IssuedAt: a.AwardedAt, Lang: lang,
	})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="scholarship-%s.pdf"`, letter.FormatCode(a.Code)))
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// ---- the register

type scholarshipRegisterView struct {
	Page
	Years []yearChoice
	Year  int
	Rows  []registerRow
	CSV   string
	Total string
}

type yearChoice struct {
	Year     int
	Selected bool
}

type registerRow struct {
	Year                                           int
	Call, Funding, Student, Number, Amount, Status string
	Awarded, AwardedISO, Code                      string
}

func (s *Server) scholarshipRegister(c echo.Context) error {
	u, ctx := visitorOf(c).User, c.Request().Context()
	year, _ := strconv.Atoi(c.QueryParam("year"))
	call, _ := strconv.ParseInt(c.QueryParam("call"), 10, 64)
	rows, err := s.Scholarships.Register(ctx, u, year, call)
	if err != nil {
		return err
	}
	years, err := s.Scholarships.Years(ctx, u)
	if err != nil {
		return err
	}
	v := scholarshipRegisterView{Page: s.page(c, "scholarships.register"), Year: year,
		CSV: fmt.Sprintf("/scholarships/register.csv?year=%d&call=%d", year, call)}
	for _, y := range years {
		v.Years = append(v.Years, yearChoice{Year: y, Selected: y == year})
	}
	sums := map[string]int64{}
	var currencies []string
	for _, r := range rows {
		v.Rows = append(v.Rows, registerRow{Year: r.Year, Call: r.CallName, Funding: fundingName(v.Page, r.FundingEN, r.FundingZH),
			Student: r.StudentName, Number: r.StudentNumber, Amount: scholarship.FormatAmount(r.Amount, r.Currency),
			Status: v.T("scholarships.status." + string(r.Status)), Awarded: v.When(r.AwardedAt), AwardedISO: r.AwardedAt.Format(time.RFC3339),
			Code: letter.FormatCode(r.Code)})
		if r.Status != scholarship.StatusReturned {
			if _, ok := sums[r.Currency]; !ok {
				currencies = append(currencies, r.Currency)
			}
			sums[r.Currency] += r.Amount
		}
	}
	var totals []string
	for _, cur := range currencies {
		totals = append(totals, scholarship.FormatAmount(sums[cur], cur))
	}
	if len(totals) > 0 {
		v.Total = v.T("scholarships.register.total", strings.Join(totals, v.T("scholarships.list_separator")))
	}
	return s.render.render(c, http.StatusOK, pageScholarshipsRegister, v)
}

func (s *Server) scholarshipRegisterCSV(c echo.Context) error {
	year, _ := strconv.Atoi(c.QueryParam("year"))
	call, _ := strconv.ParseInt(c.QueryParam("call"), 10, 64)
	rows, err := s.Scholarships.Register(c.Request().Context(), visitorOf(c).User, year, call)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="scholarship-register.csv"`)
	h.Set("Cache-Control", "private, no-store")
	c.Response().WriteHeader(http.StatusOK)
	return scholarship.WriteCSV(c.Response(), rows)
}

// ---- the public check of an award letter's code

// verifiedAward is what /verify shows of an award letter.
type verifiedAward struct {
	Verdict, Name, Funding, Call, Amount, Status string
}

// scholarshipVerify answers /verify for a code no incoming letter has:
// the award letter it belongs to, if any.
func (s *Server) scholarshipVerify(c echo.Context, v *letterVerifyView) (bool, error) {
	if s.Scholarships == nil {
		return false, nil
	}
	a, err := s.Scholarships.Verify(c.Request().Context(), v.Code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v.Code = letter.FormatCode(a.Code)
	v.Award = &verifiedAward{Verdict: v.T("scholarships.verify.genuine", v.Date(a.AwardedAt)), Name: a.StudentName,
		Funding: fundingName(v.Page, a.FundingEN, a.FundingZH), Call: a.CallName, Amount: scholarship.FormatAmount(a.Amount, a.Currency),
		Status: v.T("scholarships.status." + string(a.Status))}
	return true, s.render.render(c, http.StatusOK, pageVerify, *v)
}
