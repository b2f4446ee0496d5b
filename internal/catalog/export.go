package catalog

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"portal/internal/sheet"
)

// ExportRows returns every live outgoing elective of a live institution,
// with its live periods, as rows of the import format: one row per period,
// one row without period fields for an elective that has none, so that an
// export imports back. Two queries, whatever the number of electives.
func (s *Service) ExportRows(ctx context.Context) ([]ImportRow, error) {
	var es []struct {
		Elective
		InstitutionIdentifier string
		InstitutionNameEN     string
		AgreementTitle        string
	}
	live := "e.direction = ? AND e.retired_at IS NULL AND i.retired_at IS NULL"
	err := s.db.WithContext(ctx).Table("electives AS e").
		Select("e.*, i.identifier AS institution_identifier, i.name_en AS institution_name_en, COALESCE(a.title, '') AS agreement_title").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN agreements AS a ON a.id = e.agreement_id").
		Where(live, Outgoing).Order("e.id").Scan(&es).Error
	if err != nil {
		return nil, wrap(err, "export electives")
	}
	var ps []Period
	err = s.db.WithContext(ctx).Table("periods AS p").Select("p.*").
		Joins("JOIN electives AS e ON e.id = p.elective_id").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where(live+" AND p.retired_at IS NULL", Outgoing).Order("p.elective_id, p.starts_on, p.id").Scan(&ps).Error
	if err != nil {
		return nil, wrap(err, "export periods")
	}
	byElective := map[int64][]Period{}
	for _, p := range ps {
		byElective[p.ElectiveID] = append(byElective[p.ElectiveID], p)
	}
	rows := make([]ImportRow, 0, len(ps)+len(es))
	for _, e := range es {
		inst := e.InstitutionIdentifier
		if inst == "" {
			inst = e.InstitutionNameEN
		}
		base := ImportRow{
			ElectiveRef: strconv.FormatInt(e.ID, 10), Institution: inst, Agreement: e.AgreementTitle,
			Kind: e.Kind, TitleEN: e.TitleEN, TitleZH: e.TitleZH, Specialty: e.Specialty,
			Language: e.Language, LanguageLevel: e.LanguageLevel, MinYear: strconv.Itoa(e.MinYear),
			DurationWeeks: strconv.Itoa(e.DurationWeeks), RequiredDocs: strings.Join(e.RequiredDocList(), ";"),
			FeeAmount: strconv.Itoa(e.FeeAmount), FeeCurrency: e.FeeCurrency,
			OpensOn: e.OpensOn.Format(time.DateOnly), ClosesOn: e.ClosesOn.Format(time.DateOnly),
			DescriptionEN: e.DescriptionEN, DescriptionZH: e.DescriptionZH,
		}
		periods := byElective[e.ID]
		if len(periods) == 0 {
			rows = append(rows, base)
		}
		for _, p := range periods {
			r := base
			r.PeriodStart, r.PeriodEnd = p.StartsOn.Format(time.DateOnly), p.EndsOn.Format(time.DateOnly)
			r.Capacity = strconv.Itoa(p.Capacity)
			rows = append(rows, r)
		}
	}
	for i := range rows {
		rows[i].Line = i + 2 // the header is line 1
	}
	return rows, nil
}

// ExampleRows are the rows of the template offered for download: one
// elective of Kumamoto University (of the demo catalog) with two periods,
// in the coming year.
func ExampleRows(today time.Time) []ImportRow {
	day := func(months int) string { return Day(today).AddDate(0, months, 0).Format(time.DateOnly) }
	base := ImportRow{
		ElectiveRef: "KU-HEP-1", Institution: "kumamoto-u.ac.jp", Kind: "clinical_elective",
		TitleEN: "Hepatology clinical elective", TitleZH: "肝臟科臨床選修", Specialty: "hepatology",
		Language: "ja", LanguageLevel: "JLPT N3", MinYear: "5", DurationWeeks: "4",
		RequiredDocs: "transcript;cv;immunization_record", FeeAmount: "0", OpensOn: day(0), ClosesOn: day(2),
		DescriptionEN: "Four weeks with the liver disease team.", DescriptionZH: "與肝病團隊一起四週。",
	}
	first, second := base, base
	first.PeriodStart, first.PeriodEnd, first.Capacity = day(3), Day(today).AddDate(0, 4, -1).Format(time.DateOnly), "2"
	second.PeriodStart, second.PeriodEnd, second.Capacity = day(6), Day(today).AddDate(0, 7, -1).Format(time.DateOnly), "2"
	return []ImportRow{first, second}
}

// exportTable is the import format's table of rows, for package sheet,
// which defuses formulas (=cmd|' /C calc'!A0 would run when the file is
// opened) with a leading quote the importer takes off again, so that an
// export imports back unchanged.
func exportTable(rows []ImportRow) sheet.Table {
	t := sheet.Table{Name: "Electives", Columns: ImportColumns, Numeric: numericColumns, Rows: make([][]string, len(rows))}
	for n := range rows {
		vals := make([]string, len(ImportColumns))
		for i, c := range ImportColumns {
			vals[i] = *rows[n].Cell(c)
		}
		t.Rows[n] = vals
	}
	return t
}

// numericColumns are written to a workbook as numbers.
var numericColumns = map[string]bool{"min_year": true, "duration_weeks": true, "fee_amount": true, "capacity": true}

// WriteCSV writes rows as CSV in the import format (package sheet).
func WriteCSV(w io.Writer, rows []ImportRow) error { return sheet.WriteCSV(w, exportTable(rows)) }

// WriteXLSX writes rows as a workbook in the import format (package sheet).
func WriteXLSX(w io.Writer, rows []ImportRow) error { return sheet.WriteXLSX(w, exportTable(rows)) }
