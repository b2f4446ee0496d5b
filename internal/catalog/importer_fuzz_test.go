package catalog_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/apperr"
	"portal/internal/catalog"
)

// FuzzParseCSV feeds the CSV reader arbitrary bytes: it must never panic,
// must refuse what it cannot read with a translated message, and what it
// reads must survive an export and a second read unchanged.
func FuzzParseCSV(f *testing.F) {
	header := strings.Join(catalog.ImportColumns, ",")
	good := "KU-1,kumamoto-u.ac.jp,,clinical_elective,Hepatology,肝臟科,hepatology,ja,N3,5,4,transcript;cv,0,,2026-12-01,2027-01-31,,,2027-03-01,2027-03-28,2"
	for _, seed := range []string{
		header + "\n" + good + "\n",
		"\uFEFF" + header + "\r\n" + good + "\r\n",
		header + "\n" + `KU-1,"=cmd|' /C calc'!A0","a ""quoted"" cell",` + strings.Repeat(",", 18) + "\n",
		header + "\n" + `x,"never closed` + "\n",
		header + "\nx,y\n",
		strings.ReplaceAll(header, ",", ";") + "\n" + strings.ReplaceAll(good, ",", ";") + "\n",
		strings.ReplaceAll(header, ",", "\t") + "\n",
		"elective_ref\n\n\n",
		"\xa5\x5c\xa4\x40\n", // Big5
		"\xff\xfe" + "e\x00\n\x00",
		"\x00\x01",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		up, err := catalog.ParseCSV(data)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || !strings.HasPrefix(ae.Key, "import.err.") {
				t.Fatalf("ParseCSV refused with %v, want an import.err message", err)
			}
			return
		}
		if len(up.Rows) == 0 || len(up.Rows) > catalog.MaxImportRows {
			t.Fatalf("%d rows", len(up.Rows))
		}
		last := 1
		for _, r := range up.Rows {
			if r.Line <= last {
				t.Fatalf("row on line %d after line %d", r.Line, last)
			}
			last = r.Line
			for _, c := range catalog.ImportColumns {
				if v := *r.Cell(c); !utf8.ValidString(v) || utf8.RuneCountInString(v) > catalog.MaxCellChars {
					t.Fatalf("cell %s of line %d: %q", c, r.Line, v)
				}
			}
		}
		var out bytes.Buffer
		if err := catalog.WriteCSV(&out, up.Rows); err != nil {
			t.Fatal(err)
		}
		again, err := catalog.ParseCSV(out.Bytes())
		if err != nil {
			t.Fatalf("an export of what was read cannot be read: %v", err)
		}
		if len(again.Rows) != len(up.Rows) {
			t.Fatalf("%d rows read back, want %d", len(again.Rows), len(up.Rows))
		}
		for i := range up.Rows {
			for _, c := range catalog.ImportColumns {
				// CSV readers fold a CRLF inside a quoted cell into LF.
				want := strings.ReplaceAll(*up.Rows[i].Cell(c), "\r\n", "\n")
				if got := *again.Rows[i].Cell(c); got != want {
					t.Fatalf("row %d column %s: %q read back as %q", i, c, want, got)
				}
			}
		}
	})
}
