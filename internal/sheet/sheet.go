// Package sheet writes tables for spreadsheets, as CSV and as XLSX, the
// way every export of the portal does: a header of column codes, then the
// rows, every cell defused against formula injection.
package sheet

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Table is what an export writes: column codes, and rows of cells in
// their order. Numeric columns go into a workbook as numbers, so that
// Excel does not flag them as numbers stored as text.
type Table struct {
	Name    string // the workbook's sheet
	Columns []string
	Numeric map[string]bool
	Rows    [][]string // raw values; the writers neutralise them
}

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
	if err := cw.Write(t.Columns); err != nil {
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

// WriteXLSX writes t as a workbook with one sheet, streamed. Text goes in
// as inline strings, never as formulas, and neutralised like the CSV.
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
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for n, row := range t.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = Neutralise(v)
			if t.Numeric[t.Columns[i]] {
				if num, err := strconv.Atoi(v); err == nil {
					cells[i] = num
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
	return f.Write(w)
}
