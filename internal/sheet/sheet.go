// Package sheet writes tables for spreadsheets, as CSV and as XLSX, the
// way every export of the portal does: a header of column codes, then the
// rows, every cell defused against formula injection.
package sheet

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Table is what an export writes: column codes, and rows of cells in
// their order. Numeric columns go into a workbook as numbers, so that
// Excel does not flag them as numbers stored as text; date columns as
// dates, so that they sort and filter as dates.
type Table struct {
	Name    string // the workbook's sheet
	Columns []string
	// Headers, when set, are what the header row shows instead of the
	// codes: labels in the reader's language. An export meant to be
	// imported again keeps the codes.
	Headers []string
	Numeric map[string]bool
	// Dates are the date columns and the layout of their values:
	// DateLayout or DateTimeLayout. A value that does not parse stays text.
	Dates map[string]string
	Rows  [][]string // raw values; the writers neutralise them
}

// The layouts of date columns, and how a workbook shows them.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04"
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@\t\r"

// Neutralise defuses a cell for spreadsheets: a value starting with a
// formula character gets a leading apostrophe, which Excel, LibreOffice
// and Google Sheets show as text. Unneutralise takes it off again, so
// that an export imports back unchanged.
func Neutralise(v string) string {
	if v != "" && strings.ContainsRune(formulaStarts, rune(v[0])) {
		return "'" + v
	}
	return v
}

// Unneutralise undoes Neutralise.
func Unneutralise(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune(formulaStarts, rune(v[1])) {
		return v[1:]
	}
	return v
}

// WriteCSV writes t as UTF-8 CSV with a byte order mark, which Excel needs
// to show Chinese text, and CRLF line ends.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.header()); err != nil {
		return err
	}
	cells := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, v := range row {
			cells[i] = Neutralise(v)
		}
		if err := cw.Write(cells[:len(row)]); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// header is the header row: the labels when there are, else the codes.
func (t Table) header() []string {
	if len(t.Headers) == len(t.Columns) {
		return t.Headers
	}
	return t.Columns
}

// WriteXLSX writes t as a workbook with one sheet, streamed: a bold
// header that stays in view when scrolling and carries filters, columns as
// wide as their content, numbers as numbers and dates as dates. Text goes
// in as inline strings, never as formulas, and neutralised like the CSV.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", t.Name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.Name)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt, timeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	timeStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt})
	if err != nil {
		return err
	}
	header := t.header()
	// Widths and panes must come before the first row.
	for i, w := range widths(header, t.Rows) {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, c := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: Neutralise(c)}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, row := range t.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = Neutralise(v)
			col := t.Columns[i]
			if t.Numeric[col] {
				if num, err := strconv.Atoi(v); err == nil {
					cells[i] = num
				}
			}
			if layout := t.Dates[col]; layout != "" {
				if d, err := time.Parse(layout, v); err == nil {
					style := dateStyle
					if layout == DateTimeLayout {
						style = timeStyle
					}
					cells[i] = excelize.Cell{StyleID: style, Value: d}
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if len(header) > 0 {
		last, err := excelize.CoordinatesToCellName(len(header), len(t.Rows)+1)
		if err != nil {
			return err
		}
		if err := f.AutoFilter(t.Name, "A1:"+last, nil); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// widths are the columns' widths in characters: the longest value of
// each, a wide (CJK) character counting two, within bounds that keep a
// sheet readable.
func widths(header []string, rows [][]string) []float64 {
	out := make([]float64, len(header))
	measure := func(i int, v string) {
		n := 0
		for _, r := range v {
			n++
			if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xff00 && r <= 0xff60)) {
				n++
			}
		}
		out[i] = max(out[i], float64(n))
	}
	for i, h := range header {
		measure(i, h)
	}
	for _, row := range rows {
		for i, v := range row {
			if i < len(out) {
				measure(i, v)
			}
		}
	}
	for i := range out {
		out[i] = min(max(out[i]+2, 8), 60)
	}
	return out
}
