package sheet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(1)": "'@SUM(1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Kumamoto": "Kumamoto", "'=x": "'=x", " =x": " =x", "熊本": "熊本",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
		// A value typed with the quote already ("'=x") reads back without
		// it: the one case the round trip cannot tell apart.
		if got := Unneutralise(Neutralise(in)); got != in && in != "'=x" {
			t.Errorf("Unneutralise(Neutralise(%q)) = %q", in, got)
		}
	}
}

// Both writers defuse formulas; the workbook holds numbers as numbers.
func TestWriters(t *testing.T) {
	tb := Table{Name: "People", Columns: []string{"name", "age"}, Numeric: map[string]bool{"age": true},
		Rows: [][]string{{"=cmd|' /C calc'!A0", "23"}, {"熊本 花子", "x"}}}
	var c bytes.Buffer
	if err := WriteCSV(&c, tb); err != nil {
		t.Fatal(err)
	}
	if want := "\uFEFFname,age\r\n'=cmd|' /C calc'!A0,23\r\n熊本 花子,x\r\n"; c.String() != want {
		t.Errorf("CSV %q, want %q", c.String(), want)
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("People")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !strings.HasPrefix(rows[1][0], "'=") || rows[2][0] != "熊本 花子" {
		t.Errorf("workbook rows %q", rows)
	}
	if typ, _ := f.GetCellType("People", "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("age is stored as %v, want a number", typ)
	}
	if formula, _ := f.GetCellFormula("People", "A2"); formula != "" {
		t.Errorf("A2 holds the formula %q", formula)
	}
}

// A workbook opens ready to read: the header bold and frozen with
// filters, labels instead of codes, dates as dates, columns wide enough.
func TestWorkbookIsReadable(t *testing.T) {
	tb := Table{Name: "Applications", Columns: []string{"name", "since", "starts"}, Headers: []string{"Applicant", "In stage since", "Starts"},
		Dates: map[string]string{"since": DateTimeLayout, "starts": DateLayout},
		Rows:  [][]string{{"熊本 花子 Kumamoto Hanako", "2026-12-07 09:32", "2027-04-02"}, {"Lee", "", "not a date"}}}
	var x bytes.Buffer
	if err := WriteXLSX(&x, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Applications", "A1"); v != "Applicant" {
		t.Errorf("header A1 %q, want the label", v)
	}
	style, _ := f.GetCellStyle("Applications", "A1")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("the header is not bold: %+v %v", s, err)
	}
	panes, err := f.GetPanes("Applications")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("the header is not frozen: %+v %v", panes, err)
	}
	if raw, _ := f.GetCellValue("Applications", "B2", excelize.Options{RawCellValue: true}); raw == "" || strings.Contains(raw, "-") {
		t.Errorf("B2 is %q, want a date serial", raw)
	}
	if v, _ := f.GetCellValue("Applications", "B2"); v != "2026-12-07 09:32" {
		t.Errorf("B2 shows %q", v)
	}
	if v, _ := f.GetCellValue("Applications", "C2"); v != "2027-04-02" {
		t.Errorf("C2 shows %q", v)
	}
	if v, _ := f.GetCellValue("Applications", "C3"); v != "not a date" {
		t.Errorf("C3 shows %q", v)
	}
	if w, _ := f.GetColWidth("Applications", "A"); w < 20 {
		t.Errorf("column A is %v wide", w)
	}
	if names := f.GetDefinedName(); len(names) == 0 || names[0].Name != "_xlnm._FilterDatabase" {
		t.Errorf("no filter on the header: %+v", names)
	}
}
