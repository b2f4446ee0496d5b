package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"portal/internal/apperr"
)

// Records is a table read back from a spreadsheet a person filled in: the
// header's cells as typed, and each non-blank row with the line it came
// from, so that a problem can name the line the person sees.
type Records struct {
	Format   string // "csv" or "xlsx"
	Encoding string // "utf-8", "utf-8-bom", "utf-16", "big5"; "" for xlsx
	Header   []string
	Rows     []Record
}

// Record is one data row: its line (1 is the header) and its cells,
// trimmed and with the formula guard of Neutralise taken off.
type Record struct {
	Line  int
	Cells []string
}

// Limits bound what Read accepts, so that a file costs at most a few
// seconds and megabytes.
type Limits struct {
	Bytes, Rows, Columns, CellChars int
}

func refuse(key string, args ...any) error { return apperr.New(apperr.Invalid, key, args...) }

// Read reads an uploaded table: an XLSX workbook (its first sheet, raw
// values) or CSV text in UTF-8 with or without a byte order mark, UTF-16
// with one, or Big5, delimited by commas, semicolons or tabs. A file it
// cannot read is refused whole with the importers' messages
// (import.err.*), naming the line when there is one; the values are the
// caller's to check. Every import reads its file here: the catalog's by
// its columns (catalog.ParseImport), the selection scores'.
func Read(name string, data []byte, lim Limits) (*Records, error) {
	if len(data) == 0 {
		return nil, refuse("import.err.empty")
	}
	if len(data) > lim.Bytes {
		return nil, refuse("import.err.too_large", max(lim.Bytes>>20, 1))
	}
	ext := strings.ToLower(filepath.Ext(name))
	var recs [][]string
	var lines []int
	out := &Records{}
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		out.Format = "xlsx"
		recs, lines, err = readXLSX(data, lim)
	case ext == ".xlsx":
		return nil, refuse("import.err.xlsx")
	case ext == ".xls" || bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, refuse("import.err.format")
	default:
		out.Format = "csv"
		recs, lines, out.Encoding, err = readCSV(data, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, refuse("import.err.empty")
	}
	for _, h := range recs[0] {
		out.Header = append(out.Header, strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	}
	for n, rec := range recs[1:] {
		line := lines[n+1]
		blank := true
		cells := make([]string, len(rec))
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if utf8.RuneCountInString(v) > lim.CellChars {
				col := strconv.Itoa(i + 1)
				if i < len(out.Header) && out.Header[i] != "" {
					col = out.Header[i]
				}
				return nil, refuse("import.err.cell_too_long", line, col, lim.CellChars)
			}
			if v != "" {
				blank = false
				if i >= len(out.Header) || out.Header[i] == "" {
					return nil, refuse("import.err.unnamed_column", line, i+1)
				}
			}
			cells[i] = Unneutralise(v)
		}
		if !blank {
			out.Rows = append(out.Rows, Record{Line: line, Cells: cells})
		}
	}
	if len(out.Rows) == 0 {
		return nil, refuse("import.err.no_rows")
	}
	return out, nil
}

// Cell is row's cell in column i, "" past its end.
func (r Record) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

func readCSV(data []byte, lim Limits) ([][]string, []int, string, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, nil, "", err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	var recs [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, "", csvError(err, rec, recs)
		}
		line, _ := r.FieldPos(0)
		if len(recs) == 0 && len(rec) > lim.Columns {
			return nil, nil, "", refuse("import.err.too_many_columns", lim.Columns)
		}
		recs, lines = append(recs, rec), append(lines, line)
		if len(recs) > lim.Rows+1 {
			return nil, nil, "", refuse("import.err.too_many_rows", lim.Rows)
		}
	}
	return recs, lines, enc, nil
}

// decodeText returns data as UTF-8 text and the encoding it was read in:
// what Excel saves as "CSV UTF-8", "Unicode text" and, on Traditional
// Chinese Windows, plain "CSV" (Big5).
func decodeText(data []byte) (string, string, error) {
	var text, enc string
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		if !utf8.Valid(data[3:]) {
			return "", "", refuse("import.err.encoding")
		}
		text, enc = string(data[3:]), "utf-8-bom"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", "", refuse("import.err.encoding")
		}
		text, enc = string(out), "utf-16"
	case utf8.Valid(data):
		text, enc = string(data), "utf-8"
	default:
		out, err := traditionalchinese.Big5.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", "", refuse("import.err.encoding")
		}
		text, enc = string(out), "big5"
	}
	for _, r := range text {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return "", "", refuse("import.err.binary")
		}
	}
	return text, enc, nil
}

// sniffDelimiter picks the delimiter the first line uses most: Excel
// writes semicolons where the decimal mark is a comma, tabs in "Unicode
// text".
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

func csvError(err error, rec []string, recs [][]string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return refuse("import.err.csv", 0)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount) && len(recs) > 0:
		return refuse("import.err.field_count", pe.StartLine, len(rec), len(recs[0]))
	case errors.Is(pe.Err, csv.ErrQuote):
		return refuse("import.err.quote", pe.StartLine)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return refuse("import.err.quote", pe.Line)
	}
	return refuse("import.err.csv", pe.StartLine)
}

func readXLSX(data []byte, lim Limits) ([][]string, []int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    100 << 20, // a zip bomb stops here
		UnzipXMLSizeLimit: 20 << 20,
	})
	if err != nil {
		return nil, nil, refuse("import.err.xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, refuse("import.err.xlsx")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, refuse("import.err.xlsx")
	}
	defer rows.Close()
	var recs [][]string
	var lines []int
	for n := 1; rows.Next(); n++ {
		cols, err := rows.Columns()
		if err != nil {
			return nil, nil, refuse("import.err.xlsx")
		}
		if len(recs) == 0 && len(cols) > lim.Columns {
			return nil, nil, refuse("import.err.too_many_columns", lim.Columns)
		}
		recs, lines = append(recs, cols), append(lines, n)
		if len(recs) > lim.Rows+1 {
			return nil, nil, refuse("import.err.too_many_rows", lim.Rows)
		}
	}
	if rows.Error() != nil {
		return nil, nil, refuse("import.err.xlsx")
	}
	return recs, lines, nil
}
