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
