package catalog_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// dangerous are cell values a spreadsheet would run as formulas.
var dangerous = map[string]string{
	"title_en":       "=cmd|' /C calc'!A0",
	"description_en": "@SUM(1)",
	"title_zh":       "+886 熊本",
	"language_level": "-2+3",
}

// TestExportNeutralisesFormulasAndImportsBack exports electives whose
// cells look like formulas to CSV and XLSX, checks that no cell of either
// would run, and imports both files back to the very same rows.
func TestExportNeutralisesFormulasAndImportsBack(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newImportFixture(t, d, nil)
		rows := manyRows(4)
		for col, v := range dangerous {
			*rows[0].Cell(col), *rows[1].Cell(col) = v, v
		}
		// An elective without periods yet exports as one row without them.
		rows[3].ElectiveRef, rows[3].PeriodStart, rows[3].PeriodEnd, rows[3].Capacity = "lonely", "", "", ""
		rows = append(rows[:2], rows[3])
		for i := range rows {
			rows[i].Line = i + 2
		}
		res, err := f.s.ImportElectives(ctx, rows, false)
		if err != nil || !res.Committed {
			t.Fatalf("import = %+v, %v", res, err)
		}

		exported, err := f.s.ExportRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(exported) != 3 || exported[0].TitleEN != dangerous["title_en"] || exported[2].PeriodStart != "" {
			t.Fatalf("exported rows = %+v", exported)
		}

		// CSV: every dangerous cell starts with a quote.
		var csvFile bytes.Buffer
		if err := catalog.WriteCSV(&csvFile, exported); err != nil {
			t.Fatal(err)
		}
		text := csvFile.String()
		for _, want := range []string{`'=cmd|' /C calc'!A0`, "'@SUM(1)", "'+886 熊本", "'-2+3"} {
			if !strings.Contains(text, want) {
				t.Errorf("the CSV lacks the neutralised cell %q", want)
			}
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range records {
			for _, cell := range rec {
				if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
					t.Errorf("CSV cell %q would run as a formula", cell)
				}
			}
		}

		// XLSX: inline strings, no formula, the same quote.
		var xlsxFile bytes.Buffer
		if err := catalog.WriteXLSX(&xlsxFile, exported); err != nil {
			t.Fatal(err)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(xlsxFile.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		sheet := wb.GetSheetList()[0]
		grid, err := wb.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(grid) != 4 {
			t.Fatalf("the workbook has %d rows, want a header and 3", len(grid))
		}
		for r, row := range grid {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := wb.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("cell %s holds the formula %q", cell, formula)
				}
				if v != "" && strings.ContainsAny(v[:1], "=+-@\t\r") {
					t.Errorf("XLSX cell %s %q would run as a formula", cell, v)
				}
			}
		}
		title, _ := excelize.CoordinatesToCellName(5, 2)
		if v, _ := wb.GetCellValue(sheet, title); v != `'=cmd|' /C calc'!A0` {
			t.Errorf("XLSX title cell = %q", v)
		}

		// Both import back to exactly the exported rows.
		for name, file := range map[string][]byte{"export.csv": csvFile.Bytes(), "export.xlsx": xlsxFile.Bytes()} {
			up, err := catalog.ParseImport(name, file)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(up.Rows, exported) {
				t.Errorf("%s imports back as\n%+v\nwant\n%+v", name, up.Rows, exported)
			}
		}
		up, err := catalog.ParseImport("export.xlsx", xlsxFile.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		res, err = f.s.ImportElectives(ctx, up.Rows, false)
		if err != nil || !res.Committed || res.Electives != 2 || res.Periods != 2 {
			t.Fatalf("import of the export = %+v, %v", res, err)
		}
		var titles []string
		if err := d.Raw("SELECT title_en FROM electives WHERE title_en LIKE '=%' ORDER BY id").Scan(&titles).Error; err != nil {
			t.Fatal(err)
		}
		if len(titles) != 2 || titles[1] != dangerous["title_en"] {
			t.Errorf("titles after the round trip: %q", titles)
		}
	})
}

func TestTemplateImports(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d, nil)
		up, err := catalog.ParseImport("template.csv", rowsCSV(t, catalog.ExampleRows(fixedToday)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.s.ImportElectives(context.Background(), up.Rows, true)
		if err != nil || res.ErrorCount != 0 || res.Electives != 1 || res.Periods != 2 {
			t.Fatalf("the template previews as %+v, %v", res, err)
		}
	})
}
