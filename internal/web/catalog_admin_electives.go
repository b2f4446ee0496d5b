package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
)

// ---- electives

func (s *Server) manageElectives(c echo.Context) error {
	e := entElective
	ctx := c.Request().Context()
	v := s.newList(c, e, "manage.electives.new", "manage.field.title_en",
		"manage.col.where", "manage.field.direction", "manage.field.elective_kind", "manage.col.window")
	list, err := s.Catalog.Electives(ctx, 0, !v.HideRetired)
	if err != nil {
		return err
	}
	insts, err := s.Catalog.Institutions(ctx, true)
	if err != nil {
		return err
	}
	deps, err := s.Catalog.Departments(ctx, true)
	if err != nil {
		return err
	}
	instName, depName := map[int64]string{}, map[int64]string{}
	for _, i := range insts {
		instName[i.ID] = i.NameEN
	}
	for _, d := range deps {
		depName[d.ID] = d.NameEN
	}
	for _, el := range list {
		where := instName[el.InstitutionID]
		if el.DepartmentID != nil {
			where = v.T("manage.electives.at_department", depName[*el.DepartmentID], where)
		}
		v.row(e, el.ID, el.TitleEN, el.TitleZH, el.RetiredAt, where, v.T("direction."+el.Direction),
			v.T("elective_kind."+el.Kind), v.T("manage.range", v.Day(el.OpensOn), v.Day(el.ClosesOn)))
	}
	return s.render.render(c, http.StatusOK, pageManageList, v)
}

func (s *Server) manageElectiveNew(c echo.Context) error {
	in := catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: formID(c, "institution")}
	return s.electivePage(c, http.StatusOK, nil, in, nil, nil)
}

func (s *Server) manageElectiveCreate(c echo.Context) error {
	in := bindElective(c)
	el, err := s.catalogBy(c).CreateElective(c.Request().Context(), in)
	if invalid(err) {
		return s.electivePage(c, http.StatusUnprocessableEntity, nil, in, err, nil)
	} else if err != nil {
		return err
	}
	// Its page is where its periods are added.
	return s.done(c, "manage.saved.create", entElective.edit(el.ID))
}

func (s *Server) manageElectiveEdit(c echo.Context) error {
	d, err := s.electiveOf(c)
	if err != nil {
		return err
	}
	return s.electivePage(c, http.StatusOK, d, electiveInput(d.Elective), nil, nil)
}

func (s *Server) manageElectiveUpdate(c echo.Context) error {
	d, err := s.electiveOf(c)
	if err != nil {
		return err
	}
	in := bindElective(c)
	if err := s.catalogBy(c).UpdateElective(c.Request().Context(), d.Elective.ID, in); invalid(err) {
		return s.electivePage(c, http.StatusUnprocessableEntity, d, in, err, nil)
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entElective.edit(d.Elective.ID))
}

func (s *Server) electiveOf(c echo.Context) (*catalog.ElectiveDetail, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.ElectiveDetail(c.Request().Context(), id)
}

func bindElective(c echo.Context) catalog.ElectiveInput {
	var docs []string
	if params, err := c.FormParams(); err == nil {
		docs = params["required_docs"]
	}
	return catalog.ElectiveInput{
		Direction: c.FormValue("direction"), InstitutionID: formID(c, "institution_id"),
		AgreementID: formID(c, "agreement_id"), DepartmentID: formID(c, "department_id"),
		Kind: c.FormValue("kind"), TitleEN: c.FormValue("title_en"), TitleZH: c.FormValue("title_zh"),
		Specialty: c.FormValue("specialty"), DescriptionEN: c.FormValue("description_en"), DescriptionZH: c.FormValue("description_zh"),
		Language: c.FormValue("language"), LanguageLevel: c.FormValue("language_level"),
		MinYear: c.FormValue("min_year"), DurationWeeks: c.FormValue("duration_weeks"), RequiredDocs: docs,
		FeeAmount: c.FormValue("fee_amount"), FeeCurrency: c.FormValue("fee_currency"),
		OpensOn: c.FormValue("opens_on"), ClosesOn: c.FormValue("closes_on"),
	}
}

func electiveInput(e catalog.Elective) catalog.ElectiveInput {
	in := catalog.ElectiveInput{
		Direction: e.Direction, InstitutionID: e.InstitutionID, Kind: e.Kind, TitleEN: e.TitleEN, TitleZH: e.TitleZH,
		Specialty: e.Specialty, DescriptionEN: e.DescriptionEN, DescriptionZH: e.DescriptionZH,
		Language: e.Language, LanguageLevel: e.LanguageLevel, MinYear: strconv.Itoa(e.MinYear),
		DurationWeeks: strconv.Itoa(e.DurationWeeks), RequiredDocs: e.RequiredDocList(),
		FeeAmount: strconv.Itoa(e.FeeAmount), FeeCurrency: e.FeeCurrency,
		OpensOn: dateString(e.OpensOn), ClosesOn: dateString(e.ClosesOn),
	}
	if e.AgreementID != nil {
		in.AgreementID = *e.AgreementID
	}
	if e.DepartmentID != nil {
		in.DepartmentID = *e.DepartmentID
	}
	return in
}

// periodAttempt is a period form that failed, shown again as typed.
type periodAttempt struct {
	id  int64 // the period; 0 for the form that adds one
	in  catalog.PeriodInput
	err error
}

// periodsView is the periods part of an elective's page.
type periodsView struct {
	Rows    []periodRow
	Add     form
	CanAdd  bool
	Retired string // why periods cannot be added
}

type periodRow struct {
	ID                        int64
	Dates                     string
	Capacity, Taken, Left     int
	Form                      form
	Open                      bool // its form failed, so it is shown open
	RetireAction, RetireLabel string
	Locked                    string // why it cannot be retired
}

// electivePage is the new or edit page of an elective; the edit page holds
// its periods too. d is nil for new; pa is a period form that failed.
func (s *Server) electivePage(c echo.Context, status int, d *catalog.ElectiveDetail, in catalog.ElectiveInput, err error, pa *periodAttempt) error {
	e := entElective
	ctx := c.Request().Context()
	var v manageFormView
	action := e.list()
	cur := catalog.ElectiveInput{}
	if d == nil {
		v = s.newFormView(c, e, status, "manage.electives.new")
	} else {
		v = s.newFormView(c, e, status, "manage.electives.edit", d.Elective.TitleEN)
		v.state(e, d.Elective.ID, d.Elective.RetiredAt)
		action = e.edit(d.Elective.ID)
		cur = electiveInput(d.Elective)
	}
	insts, oerr := s.institutionOptions(ctx, v.Page, cur.InstitutionID, false)
	if oerr != nil {
		return oerr
	}
	agreements, oerr := s.agreementOptions(ctx, v.Page, cur.AgreementID)
	if oerr != nil {
		return oerr
	}
	deps, oerr := s.departmentOptions(ctx, v.Page, cur.DepartmentID)
	if oerr != nil {
		return oerr
	}

	b := newForm(v.Page, "f-", err)
	direction := b.field("radio", "direction", "manage.field.direction", in.Direction, true)
	direction.Options = selected(b.codes("direction.", catalog.Directions), in.Direction)
	inst := b.choose("institution_id", "manage.field.partner", idString(in.InstitutionID), false, insts)
	inst.Optional, inst.Options[0].Label = v.T("manage.outgoing_only"), v.T("manage.choose")
	dep := b.choose("department_id", "manage.field.department", idString(in.DepartmentID), false, deps)
	dep.Optional, dep.Options[0].Label = v.T("manage.incoming_only"), v.T("manage.choose")
	docs := b.field("checkboxes", "required_docs", "manage.field.required_docs", "", false)
	docs.Options = selected(b.codes("doc.", catalog.DocumentTypes), in.RequiredDocs...)
	v.Form = form{ID: "f-", Action: action, Submit: v.T("manage.save"), CSRF: v.CSRF, Groups: []fieldGroup{
		{Legend: v.T("manage.legend.where"), Fields: []field{
			direction,
			inst,
			b.hint(b.choose("agreement_id", "manage.field.agreement", idString(in.AgreementID), false, agreements), "manage.hint.agreement"),
			dep,
		}},
		{Legend: v.T("manage.legend.what"), Fields: []field{
			b.choose("kind", "manage.field.elective_kind", in.Kind, true, b.codes("elective_kind.", catalog.ElectiveKinds)),
			b.field("text", "title_en", "manage.field.title_en", in.TitleEN, true),
			b.field("text", "title_zh", "manage.field.title_zh", in.TitleZH, false),
			b.choose("specialty", "manage.field.specialty", in.Specialty, true, b.codes("specialty.", catalog.Specialties)),
			b.field("textarea", "description_en", "manage.field.description_en", in.DescriptionEN, false),
			b.field("textarea", "description_zh", "manage.field.description_zh", in.DescriptionZH, false),
		}},
		{Legend: v.T("manage.legend.requirements"), Fields: []field{
			b.choose("language", "manage.field.language", in.Language, true, b.codes("language.", catalog.Languages)),
			b.hint(b.field("text", "language_level", "manage.field.language_level", in.LanguageLevel, false), "manage.hint.language_level"),
			b.hint(b.field("number", "min_year", "manage.field.min_year", in.MinYear, true), "manage.hint.min_year"),
			b.field("number", "duration_weeks", "manage.field.duration_weeks", in.DurationWeeks, true),
			docs,
		}},
		{Legend: v.T("manage.legend.fee_window"), Fields: []field{
			b.field("number", "fee_amount", "manage.field.fee_amount", in.FeeAmount, false),
			b.choose("fee_currency", "manage.field.fee_currency", in.FeeCurrency, false, currencyOptions()),
			b.field("date", "opens_on", "manage.field.opens_on", in.OpensOn, true),
			b.hint(b.field("date", "closes_on", "manage.field.closes_on", in.ClosesOn, true), "manage.hint.closes_on"),
		}},
	}}

	summaryErr := err
	if d != nil {
		v.Periods = s.periodsOf(v.Page, d, pa)
		if pa != nil {
			summaryErr = pa.err
		}
	}
	return s.renderForm(c, status, v, summaryErr)
}

// periodsOf builds the table of an elective's live periods, each with its
// form, and the form that adds one.
func (s *Server) periodsOf(p Page, d *catalog.ElectiveDetail, pa *periodAttempt) *periodsView {
	pv := &periodsView{CanAdd: d.Elective.RetiredAt == nil}
	if !pv.CanAdd {
		pv.Retired = p.T("manage.periods.elective_retired")
	}
	for _, per := range d.Periods {
		in, err := periodInput(per), error(nil)
		if pa != nil && pa.id == per.ID {
			in, err = pa.in, pa.err
		}
		prefix := "period-" + strconv.FormatInt(per.ID, 10) + "-"
		r := periodRow{
			ID: per.ID, Dates: p.T("manage.range", p.Day(per.StartsOn), p.Day(per.EndsOn)),
			Capacity: per.Capacity, Taken: per.Taken, Left: per.SeatsLeft(), Open: err != nil,
			Form: periodForm(newForm(p, prefix, err), prefix, entPeriod.edit(per.ID), p.T("manage.periods.save"), in),
		}
		if per.Taken == 0 {
			r.RetireAction, r.RetireLabel = entPeriod.retire(per.ID), p.T("manage.periods.retire", r.Dates)
		} else {
			r.Locked = p.T("manage.periods.locked")
		}
		pv.Rows = append(pv.Rows, r)
	}
	in, err := catalog.PeriodInput{}, error(nil)
	if pa != nil && pa.id == 0 {
		in, err = pa.in, pa.err
	}
	const prefix = "period-new-"
	pv.Add = periodForm(newForm(p, prefix, err), prefix, entElective.edit(d.Elective.ID)+"/periods", p.T("manage.periods.add"), in)
	return pv
}

func periodForm(b *formBuilder, prefix, action, submit string, in catalog.PeriodInput) form {
	return form{ID: prefix, Action: action, Submit: submit, CSRF: b.p.CSRF, Compact: true, Groups: []fieldGroup{{Fields: []field{
		b.field("date", "starts_on", "manage.field.starts_on", in.StartsOn, true),
		b.field("date", "ends_on", "manage.field.ends_on", in.EndsOn, true),
		b.field("number", "capacity", "manage.field.capacity", in.Capacity, true),
	}}}}
}

func bindPeriod(c echo.Context) catalog.PeriodInput {
	return catalog.PeriodInput{StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"), Capacity: c.FormValue("capacity")}
}

func periodInput(p catalog.Period) catalog.PeriodInput {
	return catalog.PeriodInput{StartsOn: dateString(p.StartsOn), EndsOn: dateString(p.EndsOn), Capacity: strconv.Itoa(p.Capacity)}
}

// ---- periods

func (s *Server) managePeriodAdd(c echo.Context) error {
	d, err := s.electiveOf(c)
	if err != nil {
		return err
	}
	in := bindPeriod(c)
	_, err = s.catalogBy(c).AddPeriod(c.Request().Context(), d.Elective.ID, in)
	if invalid(err) {
		return s.electivePage(c, http.StatusUnprocessableEntity, d, electiveInput(d.Elective), nil, &periodAttempt{in: in, err: err})
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.create", entElective.edit(d.Elective.ID)+"#periods")
}

func (s *Server) managePeriodUpdate(c echo.Context) error {
	per, err := s.periodOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	in := bindPeriod(c)
	if err := s.catalogBy(c).UpdatePeriod(ctx, per.ID, in); invalid(err) {
		d, derr := s.Catalog.ElectiveDetail(ctx, per.ElectiveID)
		if derr != nil {
			return derr
		}
		return s.electivePage(c, http.StatusUnprocessableEntity, d, electiveInput(d.Elective), nil, &periodAttempt{id: per.ID, in: in, err: err})
	} else if err != nil {
		return err
	}
	return s.done(c, "manage.saved.update", entElective.edit(per.ElectiveID)+"#periods")
}

// managePeriodRetire retires a period; one with seats taken is refused
// with a conflict, since placements hold them.
func (s *Server) managePeriodRetire(c echo.Context) error {
	per, err := s.periodOf(c)
	if err != nil {
		return err
	}
	if err := s.catalogBy(c).Retire(c.Request().Context(), catalog.KindPeriod, per.ID); err != nil {
		return err
	}
	return s.done(c, "manage.retired", entElective.edit(per.ElectiveID)+"#periods")
}

func (s *Server) periodOf(c echo.Context) (*catalog.Period, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.Catalog.Period(c.Request().Context(), id)
}

// agreementOptions lists live agreements as "Institution — title", marking
// expired ones (the catalog refuses them with a message), and the current
// choice even when retired.
func (s *Server) agreementOptions(ctx context.Context, p Page, current int64) ([]option, error) {
	list, err := s.Catalog.Agreements(ctx, 0, true)
	if err != nil {
		return nil, err
	}
	today := dateString(s.Catalog.Today())
	var out []option
	for _, a := range list {
		if a.ID != current && a.RetiredAt != nil {
			continue
		}
		label := p.T("manage.agreement_option", a.InstitutionNameEN, a.Title)
		switch {
		case a.RetiredAt != nil:
			label = p.T("manage.retired_option", label)
		case dateString(a.ValidUntil) < today:
			label = p.T("manage.expired_option", label, p.Day(a.ValidUntil))
		}
		out = append(out, option{Value: idString(a.ID), Label: label})
	}
	slices.SortStableFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	// In force first, then expired, then retired.
	rank := map[string]int{}
	for _, a := range list {
		switch {
		case a.RetiredAt != nil:
			rank[idString(a.ID)] = 2
		case expired(a.Agreement, s.Catalog.Today()):
			rank[idString(a.ID)] = 1
		}
	}
	slices.SortStableFunc(out, func(a, b option) int { return cmp.Compare(rank[a.Value], rank[b.Value]) })
	return out, nil
}

// departmentOptions lists live departments, and the current one even when
// retired.
func (s *Server) departmentOptions(ctx context.Context, p Page, current int64) ([]option, error) {
	list, err := s.Catalog.Departments(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, d := range list {
		if d.ID != current && d.RetiredAt != nil {
			continue
		}
		label := p.T("manage.department_option", d.NameEN, d.NameZH, d.Code)
		if d.RetiredAt != nil {
			label = p.T("manage.retired_option", label)
		}
		out = append(out, option{Value: idString(d.ID), Label: label})
	}
	return out, nil
}
