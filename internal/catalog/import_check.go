package catalog

// Checking the rows of an import file against the catalog: every rule of
// CreateElective and AddPeriod, with one message per cell, and no query per
// row. The preview and the commit run the same checks.

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/i18n"
)

const (
	// previewElectives is how many electives a preview shows.
	previewElectives = 20
	// maxRowErrors is how many row errors a result carries; the counts
	// cover them all.
	maxRowErrors = 500
)

// RowError is what is wrong with one cell of an import file, or with its
// row when Column is empty.
type RowError struct {
	Line   int
	Column string
	Msg    apperr.Msg
}

// ImportResult is what an import did, or would do: the preview and the
// commit come from the same code, so the preview is exactly the commit.
type ImportResult struct {
	Rows      int // data rows read
	Electives int // created, or that would be
	Periods   int
	// Errors are the first row errors, in file order; ErrorCount and
	// BadRows count them all. With any error nothing is written.
	Errors     []RowError
	ErrorCount int
	BadRows    int
	Preview    []ImportedElective // the first electives, as they would be created
	// Committed is true once the electives are written.
	Committed bool
	// AlreadyCommitted is true when a stored import had been committed
	// before: a second click changes nothing.
	AlreadyCommitted bool
}

// ImportedElective is an elective of a preview.
type ImportedElective struct {
	Line                int // of its first row
	Ref                 string
	TitleEN, TitleZH    string
	InstitutionNameEN   string
	Kind, Specialty     string
	OpensOn, ClosesOn   time.Time
	Periods, Seats      int
	FirstStart, LastEnd time.Time
}

// importer holds what checking the rows of one file needs, loaded once: a
// file of 10,000 rows costs two queries of lookups, whatever its size.
type importer struct {
	s        *Service
	today    time.Time
	byIdent  map[string][]Institution // lower-case identifier
	byName   map[string][]Institution // lower-case English name
	byID     map[int64]Institution
	byInst   map[int64][]Agreement
	codes    map[string]map[string]string // vocabulary -> code or label (lower case) -> code
	res      *ImportResult
	badLines map[int]bool
}

// checkRows checks rows against the catalog as tx reads it. It returns the
// result and, when every row is right, the electives and their periods
// (one slice per elective) that committing creates; it writes nothing.
func (s *Service) checkRows(tx *gorm.DB, rows []ImportRow) (*ImportResult, []Elective, [][]Period, error) {
	im := &importer{
		s: s, today: s.today(), byIdent: map[string][]Institution{}, byName: map[string][]Institution{},
		byID: map[int64]Institution{}, byInst: map[int64][]Agreement{}, res: &ImportResult{Rows: len(rows)}, badLines: map[int]bool{},
	}
	var insts []Institution
	if err := tx.Order("id").Find(&insts).Error; err != nil {
		return nil, nil, nil, err
	}
	for _, i := range insts {
		im.byID[i.ID] = i
		if i.Identifier != "" {
			k := strings.ToLower(i.Identifier)
			im.byIdent[k] = append(im.byIdent[k], i)
		}
		k := strings.ToLower(i.NameEN)
		im.byName[k] = append(im.byName[k], i)
	}
	var agreements []Agreement
	if err := tx.Order("valid_until DESC, id").Find(&agreements).Error; err != nil {
		return nil, nil, nil, err
	}
	for _, a := range agreements {
		im.byInst[a.InstitutionID] = append(im.byInst[a.InstitutionID], a)
	}
	im.codes = map[string]map[string]string{
		"kind":      s.vocabulary(ElectiveKinds, "elective_kind."),
		"specialty": s.vocabulary(Specialties, "specialty."),
		"language":  s.vocabulary(Languages, "language."),
		"doc":       s.vocabulary(DocumentTypes, "doc."),
	}

	// Group the rows by elective_ref, in the order the refs first appear.
	var order []string
	groups := map[string][]int{}
	for i, r := range rows {
		ref := r.ElectiveRef
		if ref == "" {
			im.add(r.Line, "elective_ref", "form.required")
			continue
		}
		if utf8.RuneCountInString(ref) > 100 {
			im.add(r.Line, "elective_ref", "form.too_long", 100)
			continue
		}
		if _, ok := groups[ref]; !ok {
			order = append(order, ref)
		}
		groups[ref] = append(groups[ref], i)
	}
	now := s.now()
	var electives []Elective
	var periods [][]Period // per elective
	var firstLines []int
	for _, ref := range order {
		e, ps, ok := im.elective(rows, groups[ref])
		if !ok {
			continue
		}
		e.CreatedAt, e.UpdatedAt = now, now
		for i := range ps {
			ps[i].CreatedAt, ps[i].UpdatedAt = now, now
		}
		electives = append(electives, e)
		periods = append(periods, ps)
		firstLines = append(firstLines, rows[groups[ref][0]].Line)
	}
	res := im.res
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	if len(res.Errors) > maxRowErrors {
		res.Errors = res.Errors[:maxRowErrors]
	}
	res.BadRows = len(im.badLines)
	if res.ErrorCount > 0 {
		return res, nil, nil, nil
	}
	res.Electives = len(electives)
	for i, e := range electives {
		res.Periods += len(periods[i])
		if len(res.Preview) < previewElectives {
			p := ImportedElective{
				Line: firstLines[i], Ref: rows[groups[order[i]][0]].ElectiveRef, TitleEN: e.TitleEN, TitleZH: e.TitleZH,
				Kind: e.Kind, Specialty: e.Specialty, OpensOn: e.OpensOn, ClosesOn: e.ClosesOn, Periods: len(periods[i]),
			}
			p.InstitutionNameEN = im.byID[e.InstitutionID].NameEN
			for _, pd := range periods[i] {
				p.Seats += pd.Capacity
				if p.FirstStart.IsZero() || pd.StartsOn.Before(p.FirstStart) {
					p.FirstStart = pd.StartsOn
				}
				if pd.EndsOn.After(p.LastEnd) {
					p.LastEnd = pd.EndsOn
				}
			}
			res.Preview = append(res.Preview, p)
		}
	}
	return res, electives, periods, nil
}

// add records a row error.
func (im *importer) add(line int, column, key string, args ...any) {
	im.res.ErrorCount++
	im.badLines[line] = true
	if len(im.res.Errors) < maxRowErrors*2 {
		im.res.Errors = append(im.res.Errors, RowError{Line: line, Column: column, Msg: apperr.Msg{Key: key, Args: args}})
	}
}

// addFields records the messages of a check() at line, under the file's
// column names, in the columns' order.
func (im *importer) addFields(line int, f apperr.Fields) {
	cols := make([]string, 0, len(f))
	for field := range f {
		cols = append(cols, field)
	}
	sort.Slice(cols, func(i, j int) bool { return columnIndex(importColumn(cols[i])) < columnIndex(importColumn(cols[j])) })
	for _, field := range cols {
		m := f[field]
		im.add(line, importColumn(field), m.Key, m.Args...)
	}
}

// importColumn names the file's column for a field of the Input checks.
func importColumn(field string) string {
	switch field {
	case "institution_id":
		return "institution"
	case "agreement_id":
		return "agreement"
	case "starts_on":
		return "period_start"
	case "ends_on":
		return "period_end"
	}
	return field
}

func columnIndex(col string) int {
	if i := slices.Index(ImportColumns, col); i >= 0 {
		return i
	}
	return len(ImportColumns)
}

// elective checks the rows of one elective_ref and returns the elective
// and its periods, ok only when none of its rows is wrong.
func (im *importer) elective(rows []ImportRow, idx []int) (Elective, []Period, bool) {
	before := im.res.ErrorCount
	first := rows[idx[0]]
	// Every row repeats its elective's fields; they must agree.
	for _, i := range idx[1:] {
		for _, col := range ImportColumns {
			if col == "elective_ref" || slices.Contains(periodColumns, col) {
				continue
			}
			if *rows[i].Cell(col) != *first.Cell(col) {
				im.add(rows[i].Line, col, "import.err.differs", first.Line)
			}
		}
	}

	inst, instOK := im.findInstitution(first)
	in := ElectiveInput{
		Direction: Outgoing,
		// An unknown institution has its own message above; a stand-in id
		// keeps check() from adding "required".
		InstitutionID: -1,
		Kind:          im.code("kind", first.Kind),
		TitleEN:       first.TitleEN,
		TitleZH:       first.TitleZH,
		Specialty:     im.code("specialty", first.Specialty),
		DescriptionEN: first.DescriptionEN,
		DescriptionZH: first.DescriptionZH,
		Language:      im.code("language", first.Language),
		LanguageLevel: first.LanguageLevel,
		MinYear:       first.MinYear,
		DurationWeeks: first.DurationWeeks,
		FeeAmount:     first.FeeAmount,
		FeeCurrency:   first.FeeCurrency,
		OpensOn:       normDate(first.OpensOn),
		ClosesOn:      normDate(first.ClosesOn),
	}
	for _, d := range strings.FieldsFunc(first.RequiredDocs, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
		if d = strings.TrimSpace(d); d != "" {
			in.RequiredDocs = append(in.RequiredDocs, im.code("doc", d))
		}
	}
	var agreement *Agreement
	if instOK {
		in.InstitutionID = inst.ID
		agreement = im.findAgreement(first, inst)
		if agreement != nil {
			in.AgreementID = agreement.ID
		}
	}
	e, err := in.check()
	if f := apperr.FieldsOf(err); f != nil {
		im.addFields(first.Line, f)
	} else if err != nil {
		im.add(first.Line, "", "error.internal")
	}
	electiveOK := im.res.ErrorCount == before

	// The periods, each checked alone, then against the elective and each
	// other: the rules of AddPeriod, without a query per row.
	type dated struct {
		p    Period
		line int
	}
	var ps []dated
	for _, i := range idx {
		r := rows[i]
		if r.PeriodStart == "" && r.PeriodEnd == "" && r.Capacity == "" {
			continue // an elective without periods yet
		}
		p, err := PeriodInput{StartsOn: normDate(r.PeriodStart), EndsOn: normDate(r.PeriodEnd), Capacity: r.Capacity}.check()
		if f := apperr.FieldsOf(err); f != nil {
			im.addFields(r.Line, f)
			continue
		}
		var closes time.Time // unknown when the elective's own cells are wrong
		if electiveOK {
			closes = e.ClosesOn
		}
		fits := apperr.Fields{}
		periodFits(fits, "period_start", closes, agreement, p)
		im.addFields(r.Line, fits)
		ps = append(ps, dated{p, r.Line})
	}
	// Sorted by start, a period overlaps an earlier one exactly when it
	// starts on or before the latest end so far.
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].p.StartsOn.Before(ps[j].p.StartsOn) })
	latest := 0 // the period with the latest end so far
	for i := 1; i < len(ps); i++ {
		l := ps[latest].p
		if !ps[i].p.StartsOn.After(l.EndsOn) {
			im.add(ps[i].line, "period_start", "catalog.err.period_overlap", l.StartsOn.Format(time.DateOnly), l.EndsOn.Format(time.DateOnly))
		}
		if ps[i].p.EndsOn.After(l.EndsOn) {
			latest = i
		}
	}
	if im.res.ErrorCount != before {
		return Elective{}, nil, false
	}
	e.SearchText = im.s.searchText(e, inst)
	out := make([]Period, len(ps))
	for i, d := range ps {
		out[i] = d.p
	}
	return e, out, true
}

// findInstitution resolves the institution column: an identifier such as
// kumamoto-u.ac.jp, or the exact English name, of a live partner.
func (im *importer) findInstitution(r ImportRow) (Institution, bool) {
	v := strings.ToLower(strings.TrimSpace(r.Institution))
	if v == "" {
		im.add(r.Line, "institution", "form.required")
		return Institution{}, false
	}
	found := im.byIdent[v]
	if len(found) == 0 {
		found = im.byName[v]
	}
	var live []Institution
	for _, i := range found {
		if i.RetiredAt == nil {
			live = append(live, i)
		}
	}
	switch {
	case len(found) == 0:
		im.add(r.Line, "institution", "import.err.no_institution")
	case len(live) == 0:
		im.add(r.Line, "institution", "catalog.err.retired")
	case len(live) > 1:
		im.add(r.Line, "institution", "import.err.ambiguous_institution")
	case live[0].IsHome:
		im.add(r.Line, "institution", "catalog.err.outgoing_home")
	default:
		return live[0], true
	}
	return Institution{}, false
}

// findAgreement resolves the optional agreement column by title among the
// institution's agreements, preferring one still in force.
func (im *importer) findAgreement(r ImportRow, inst Institution) *Agreement {
	title := strings.TrimSpace(r.Agreement)
	if title == "" {
		return nil
	}
	var retired, expired *Agreement
	for _, a := range im.byInst[inst.ID] {
		if !strings.EqualFold(a.Title, title) {
			continue
		}
		switch {
		case a.RetiredAt != nil:
			retired = &a
		case a.ValidUntil.Before(im.today):
			if expired == nil {
				expired = &a
			}
		default:
			return &a
		}
	}
	switch {
	case expired != nil:
		im.add(r.Line, "agreement", "catalog.err.agreement_expired", expired.ValidUntil.Format(time.DateOnly))
	case retired != nil:
		im.add(r.Line, "agreement", "catalog.err.retired")
	default:
		im.add(r.Line, "agreement", "import.err.no_agreement")
	}
	return nil
}

// code turns a vocabulary value into its code: the code itself in any case,
// or its English or Chinese name as the pages show it. Anything else is
// passed on for check() to refuse.
func (im *importer) code(vocab, v string) string {
	if c, ok := im.codes[vocab][strings.ToLower(strings.TrimSpace(v))]; ok {
		return c
	}
	return strings.TrimSpace(v)
}

func (s *Service) vocabulary(codes []string, prefix string) map[string]string {
	m := map[string]string{}
	for _, c := range codes {
		for _, l := range []i18n.Lang{i18n.TraditionalChinese, i18n.English} {
			if s.names != nil && s.names.Has(prefix+c) {
				m[strings.ToLower(s.names.T(l, prefix+c))] = c
			}
		}
		m[c] = c
	}
	return m
}

var looseDate = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$`)

// normDate accepts the ways spreadsheets write a day (2026/3/1 in Taiwan,
// 2026-03-01 00:00:00 from some exports) and returns YYYY-MM-DD; anything
// else is left for the check to refuse.
func normDate(s string) string {
	s = strings.TrimSpace(s)
	m := looseDate.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return m[1] + "-" + pad2(mo) + "-" + pad2(d)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
