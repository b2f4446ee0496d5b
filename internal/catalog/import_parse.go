package catalog

// Reading an import file: CSV in the encodings Taiwanese spreadsheets save,
// or XLSX, into rows of text (sheet.Read), by the catalog's columns. import_check.go checks the rows against the
// catalog; import_store.go keeps an upload between its preview and its
// commit, and writes it.

import (
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/apperr"
	"portal/internal/sheet"
)

// An import file has one row per period; the rows that share an
// elective_ref make one new outgoing elective.
const (
	MaxImportBytes   = 10 << 20 // the file itself
	MaxImportRows    = 20_000   // data rows, the header aside
	MaxImportColumns = 50
	MaxCellChars     = 10_000
)

// The encodings an import file may come in.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	EncodingUTF16   = "utf-16"
	EncodingBig5    = "big5" // what Excel in Taiwan saves "CSV" as
)

// ImportColumns are the columns of an import file, in the order an export
// writes them. Headers are matched case-insensitively, in any order.
var ImportColumns = []string{
	"elective_ref", "institution", "agreement", "kind", "title_en", "title_zh", "specialty",
	"language", "language_level", "min_year", "duration_weeks", "required_docs", "fee_amount",
	"fee_currency", "opens_on", "closes_on", "description_en", "description_zh",
	"period_start", "period_end", "capacity",
}

// RequiredImportColumns must appear in the header; the others may be left
// out.
var RequiredImportColumns = []string{
	"elective_ref", "institution", "kind", "title_en", "specialty", "language", "min_year",
	"duration_weeks", "opens_on", "closes_on", "period_start", "period_end", "capacity",
}

// periodColumns describe the period of a row; every other column but
// elective_ref describes its elective and must agree across its rows.
var periodColumns = []string{"period_start", "period_end", "capacity"}

var dateColumns = []string{"opens_on", "closes_on", "period_start", "period_end"}

// ImportRow is one row of an import file, as text: parsing the values is
// part of validation, so that each gets its own message.
type ImportRow struct {
	Line          int    `json:"line"` // in the file, for messages
	ElectiveRef   string `json:"elective_ref,omitempty"`
	Institution   string `json:"institution,omitempty"` // identifier or English name
	Agreement     string `json:"agreement,omitempty"`   // title, optional
	Kind          string `json:"kind,omitempty"`
	TitleEN       string `json:"title_en,omitempty"`
	TitleZH       string `json:"title_zh,omitempty"`
	Specialty     string `json:"specialty,omitempty"`
	Language      string `json:"language,omitempty"`
	LanguageLevel string `json:"language_level,omitempty"`
	MinYear       string `json:"min_year,omitempty"`
	DurationWeeks string `json:"duration_weeks,omitempty"`
	RequiredDocs  string `json:"required_docs,omitempty"` // separated by ; or |
	FeeAmount     string `json:"fee_amount,omitempty"`
	FeeCurrency   string `json:"fee_currency,omitempty"`
	OpensOn       string `json:"opens_on,omitempty"`
	ClosesOn      string `json:"closes_on,omitempty"`
	DescriptionEN string `json:"description_en,omitempty"`
	DescriptionZH string `json:"description_zh,omitempty"`
	PeriodStart   string `json:"period_start,omitempty"`
	PeriodEnd     string `json:"period_end,omitempty"`
	Capacity      string `json:"capacity,omitempty"`
}

// Cell returns a pointer to the value of column name, nil for an unknown
// column.
func (r *ImportRow) Cell(name string) *string {
	switch name {
	case "elective_ref":
		return &r.ElectiveRef
	case "institution":
		return &r.Institution
	case "agreement":
		return &r.Agreement
	case "kind":
		return &r.Kind
	case "title_en":
		return &r.TitleEN
	case "title_zh":
		return &r.TitleZH
	case "specialty":
		return &r.Specialty
	case "language":
		return &r.Language
	case "language_level":
		return &r.LanguageLevel
	case "min_year":
		return &r.MinYear
	case "duration_weeks":
		return &r.DurationWeeks
	case "required_docs":
		return &r.RequiredDocs
	case "fee_amount":
		return &r.FeeAmount
	case "fee_currency":
		return &r.FeeCurrency
	case "opens_on":
		return &r.OpensOn
	case "closes_on":
		return &r.ClosesOn
	case "description_en":
		return &r.DescriptionEN
	case "description_zh":
		return &r.DescriptionZH
	case "period_start":
		return &r.PeriodStart
	case "period_end":
		return &r.PeriodEnd
	case "capacity":
		return &r.Capacity
	}
	return nil
}

// Upload is a parsed import file.
type Upload struct {
	Format   string // "csv" or "xlsx"
	Encoding string // one of the Encoding constants; "" for xlsx
	Rows     []ImportRow
}

func invalid(key string, args ...any) error { return apperr.New(apperr.Invalid, key, args...) }

// importLimits keep a file from costing more than a few seconds and
// megabytes.
var importLimits = sheet.Limits{Bytes: MaxImportBytes, Rows: MaxImportRows, Columns: MaxImportColumns, CellChars: MaxCellChars}

// ParseImport reads an uploaded file with sheet.Read (XLSX, or CSV in
// UTF-8, UTF-16 or Big5) and maps its columns. A file it cannot read is
// refused whole with a message naming the line; the values themselves are
// checked later, row by row.
func ParseImport(name string, data []byte) (*Upload, error) {
	recs, err := sheet.Read(name, data, importLimits)
	if err != nil {
		return nil, err
	}
	rows, err := fromRecords(recs)
	if err != nil {
		return nil, err
	}
	if recs.Format == "xlsx" {
		excelDates(rows)
	}
	return &Upload{Format: recs.Format, Encoding: recs.Encoding, Rows: rows}, nil
}

// ParseCSV reads CSV text; the delimiter is a comma, a semicolon or a tab,
// whichever the header uses most.
func ParseCSV(data []byte) (*Upload, error) { return ParseImport("import.csv", data) }

// excelDates turns date cells back into YYYY-MM-DD: cells are read raw,
// never through their number format, and Excel stores a date as a serial
// number.
func excelDates(rows []ImportRow) {
	for i := range rows {
		for _, col := range dateColumns {
			v := rows[i].Cell(col)
			if serial, err := strconv.ParseFloat(*v, 64); err == nil && serial > 0 && serial < 2958466 {
				if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
					*v = t.Format(time.DateOnly)
				}
			}
		}
	}
}

// fromRecords maps the header to the columns and the records to rows.
func fromRecords(recs *sheet.Records) ([]ImportRow, error) {
	header := make([]string, len(recs.Header))
	seen := map[string]bool{}
	for i, h := range recs.Header {
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(h))
		if h == "" {
			continue // a blank header cell: sheet.Read keeps its column empty
		}
		if (&ImportRow{}).Cell(h) == nil {
			return nil, invalid("import.err.unknown_column", clip(h, 40))
		}
		if seen[h] {
			return nil, invalid("import.err.duplicate_column", h)
		}
		seen[h], header[i] = true, h
	}
	var missing []string
	for _, c := range RequiredImportColumns {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, invalid("import.err.missing_columns", strings.Join(missing, ", "))
	}
	out := make([]ImportRow, 0, len(recs.Rows))
	for _, rec := range recs.Rows {
		row := ImportRow{Line: rec.Line}
		for i, h := range header {
			if h != "" {
				*row.Cell(h) = rec.Cell(i)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
