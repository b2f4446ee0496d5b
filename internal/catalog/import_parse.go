package catalog

// Reading an import file: CSV in the encodings Taiwanese spreadsheets save,
// or XLSX, into rows of text. import_check.go checks the rows against the
// catalog; import_store.go keeps an upload between its preview and its
// commit, and writes it.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"portal/internal/apperr"
	"portal/internal/sheet"
)

// An import file has one row per period; the rows that share an
// elective_ref make one new outgoing elective. These limits keep a file
// from costing more than a few seconds and megabytes.
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

// ParseImport reads an uploaded file: an XLSX workbook (its first sheet) or
// CSV text in UTF-8 (with or without a byte order mark), UTF-16 with a byte
// order mark, or Big5. A file it cannot read is refused whole with a
// message naming the line; the values themselves are checked later, row by
// row.
func ParseImport(name string, data []byte) (*Upload, error) {
	if len(data) == 0 {
		return nil, invalid("import.err.empty")
	}
	if len(data) > MaxImportBytes {
		return nil, invalid("import.err.too_large", MaxImportBytes>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return parseXLSX(data)
	case ext == ".xlsx":
		return nil, invalid("import.err.xlsx")
	case ext == ".xls" || bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		// The binary format of Excel 97-2003.
		return nil, invalid("import.err.format")
	}
	return ParseCSV(data)
}

// ParseCSV reads CSV text; the delimiter is a comma, a semicolon or a tab,
// whichever the header uses most.
func ParseCSV(data []byte) (*Upload, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	var records [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err, rec, records)
		}
		line, _ := r.FieldPos(0)
		if len(records) == 0 && len(rec) > MaxImportColumns {
			return nil, invalid("import.err.too_many_columns", MaxImportColumns)
		}
		records = append(records, rec)
		lines = append(lines, line)
		if len(records) > MaxImportRows+1 {
			return nil, invalid("import.err.too_many_rows", MaxImportRows)
		}
	}
	rows, err := fromRecords(records, lines)
	if err != nil {
		return nil, err
	}
	return &Upload{Format: "csv", Encoding: enc, Rows: rows}, nil
}

// decodeText returns data as UTF-8 text and the encoding it was read in.
func decodeText(data []byte) (string, string, error) {
	var text, enc string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		// The mark says UTF-8; bytes that are not are a broken file, not
		// another encoding.
		if !utf8.Valid(data[3:]) {
			return "", "", invalid("import.err.encoding")
		}
		text, enc = string(data[3:]), EncodingUTF8BOM
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// Excel's "Unicode text"; the byte order mark says which end first.
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", "", invalid("import.err.encoding")
		}
		text, enc = string(out), EncodingUTF16
	case utf8.Valid(data):
		text, enc = string(data), EncodingUTF8
	default:
		// Not UTF-8: Big5 is what Traditional Chinese Windows saves. The
		// decoder writes U+FFFD for what is not Big5 either.
		out, err := traditionalchinese.Big5.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", "", invalid("import.err.encoding")
		}
		text, enc = string(out), EncodingBig5
	}
	for _, r := range text {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return "", "", invalid("import.err.binary")
		}
	}
	return text, enc, nil
}

// sniffDelimiter picks the delimiter the first line uses most: Excel
// writes semicolons in locales whose decimal mark is a comma, and tabs in
// "Unicode text".
func sniffDelimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, d := range []rune{';', '\t'} {
		if c := strings.Count(first, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// csvError turns a CSV syntax error into a message naming its line.
func csvError(err error, rec []string, records [][]string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return invalid("import.err.csv", 0)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount) && len(records) > 0:
		return invalid("import.err.field_count", pe.StartLine, len(rec), len(records[0]))
	case errors.Is(pe.Err, csv.ErrQuote):
		// An unclosed quote runs to the end of the file: the line where
		// its cell started is the one to fix.
		return invalid("import.err.quote", pe.StartLine)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return invalid("import.err.quote", pe.Line)
	}
	return invalid("import.err.csv", pe.StartLine)
}

// parseXLSX reads the first sheet of a workbook. Cell values are read raw,
// never through their number format; a date cell, which Excel stores as a
// serial number, is turned back into YYYY-MM-DD.
func parseXLSX(data []byte) (*Upload, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue: true,
		// A zip bomb stops here instead of filling memory.
		UnzipSizeLimit:    100 << 20,
		UnzipXMLSizeLimit: 20 << 20,
	})
	if err != nil {
		return nil, invalid("import.err.xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, invalid("import.err.xlsx")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, invalid("import.err.xlsx")
	}
	defer rows.Close()
	var records [][]string
	var lines []int
	for n := 1; rows.Next(); n++ {
		cols, err := rows.Columns()
		if err != nil {
			return nil, invalid("import.err.xlsx")
		}
		if len(records) == 0 && len(cols) > MaxImportColumns {
			return nil, invalid("import.err.too_many_columns", MaxImportColumns)
		}
		records = append(records, cols)
		lines = append(lines, n)
		if len(records) > MaxImportRows+1 {
			return nil, invalid("import.err.too_many_rows", MaxImportRows)
		}
	}
	if rows.Error() != nil {
		return nil, invalid("import.err.xlsx")
	}
	out, err := fromRecords(records, lines)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, col := range dateColumns {
			v := out[i].Cell(col)
			if serial, err := strconv.ParseFloat(*v, 64); err == nil && serial > 0 && serial < 2958466 {
				if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
					*v = t.Format(time.DateOnly)
				}
			}
		}
	}
	return &Upload{Format: "xlsx", Rows: out}, nil
}

// fromRecords maps the header to the columns and the other records to
// rows, skipping blank ones.
func fromRecords(records [][]string, lines []int) ([]ImportRow, error) {
	if len(records) == 0 {
		return nil, invalid("import.err.empty")
	}
	header := make([]string, len(records[0]))
	seen := map[string]bool{}
	for i, h := range records[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
		if h == "" {
			continue // a blank header cell: its column must stay empty
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
	var out []ImportRow
	for n, rec := range records[1:] {
		line := lines[n+1]
		if blank(rec) {
			continue
		}
		row := ImportRow{Line: line}
		for i, v := range rec {
			if i >= len(header) || header[i] == "" {
				if strings.TrimSpace(v) != "" {
					return nil, invalid("import.err.unnamed_column", line, i+1)
				}
				continue
			}
			if utf8.RuneCountInString(v) > MaxCellChars {
				return nil, invalid("import.err.cell_too_long", line, header[i], MaxCellChars)
			}
			*row.Cell(header[i]) = sheet.Unneutralise(strings.TrimSpace(v))
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, invalid("import.err.no_rows")
	}
	return out, nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
