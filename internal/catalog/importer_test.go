package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
)

// importFixture is a small catalog to import into: the home institution,
// Kumamoto with a live and an expired agreement, Johns Hopkins without an
// identifier match needed, and a retired partner.
type importFixture struct {
	s          *catalog.Service
	d          *db.DB
	kumamoto   *catalog.Institution
	live, old  *catalog.Agreement
	userA      int64
	userB      int64
	electives0 int64
}

func newImportFixture(t *testing.T, d *db.DB, now func() time.Time) *importFixture {
	t.Helper()
	ctx := context.Background()
	s := newService(t, d, fixedToday)
	if now != nil {
		s = catalog.NewService(d, importBundle(t), now)
	}
	f := &importFixture{s: s, d: d}
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v (%v)", err, apperr.FieldsOf(err))
		}
	}
	_, err := s.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Formosa Medical University", Country: "TW", Kind: "university", Identifier: "fmu.edu.tw", IsHome: true})
	mustDo(err)
	f.kumamoto, err = s.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学", Country: "JP", City: "Kumamoto", Kind: "university", Identifier: "kumamoto-u.ac.jp"})
	mustDo(err)
	_, err = s.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Johns Hopkins University", Country: "US", Kind: "university", Identifier: "jhu.edu"})
	mustDo(err)
	gone, err := s.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Old Partner", Country: "US", Kind: "university", Identifier: "old.example.edu"})
	mustDo(err)
	mustDo(s.Retire(ctx, catalog.KindInstitution, gone.ID))
	f.live, err = s.CreateAgreement(ctx, catalog.AgreementInput{InstitutionID: f.kumamoto.ID, Kind: "student_exchange", Title: "Student Exchange Agreement", ValidFrom: "2025-01-01", ValidUntil: "2029-12-31", QuotaOut: "4", QuotaIn: "4"})
	mustDo(err)
	f.old, err = s.CreateAgreement(ctx, catalog.AgreementInput{InstitutionID: f.kumamoto.ID, Kind: "mou", Title: "Old MOU", ValidFrom: "2020-01-01", ValidUntil: "2025-12-31", QuotaOut: "0", QuotaIn: "0"})
	mustDo(err)
	f.userA, f.userB = newImportUser(t, d, "a"), newImportUser(t, d, "b")
	f.electives0 = f.electives(t)
	return f
}

func newImportUser(t *testing.T, d *db.DB, subject string) int64 {
	t.Helper()
	now := time.Now()
	if err := d.Exec("INSERT INTO users (issuer, subject, created_at, updated_at) VALUES (?, ?, ?, ?)", "https://idp.test", subject, now, now).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.Raw("SELECT id FROM users WHERE subject = ?", subject).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *importFixture) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.d.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *importFixture) electives(t *testing.T) int64 {
	return f.count(t, "SELECT COUNT(*) FROM electives")
}

func (f *importFixture) periods(t *testing.T) int64 {
	return f.count(t, "SELECT COUNT(*) FROM periods")
}

// goodCSV has three electives with five periods, as an office would type
// it: columns in another order, capitalised headers, an English vocabulary
// label, a Taiwanese date, the agreement by title.
const goodCSV = `Elective_Ref,Title_EN,title_zh,institution,agreement,kind,specialty,language,language_level,min_year,duration_weeks,required_docs,fee_amount,fee_currency,opens_on,closes_on,description_en,description_zh,period_start,period_end,capacity
KU-1,Hepatology elective,肝臟科選修,kumamoto-u.ac.jp,Student Exchange Agreement,clinical_elective,hepatology,ja,JLPT N3,5,4,transcript;cv,0,,2026-12-01,2027-01-31,"Liver disease, MAFLD",肝病,2027-03-01,2027-03-28,2
KU-1,Hepatology elective,肝臟科選修,kumamoto-u.ac.jp,Student Exchange Agreement,clinical_elective,hepatology,ja,JLPT N3,5,4,transcript;cv,0,,2026-12-01,2027-01-31,"Liver disease, MAFLD",肝病,2027-04-05,2027-05-02,3
KU-2,Virology research,病毒學研究,Kumamoto University,,research_exchange,infectious_disease,en,,4,8,transcript|motivation_letter,50000,JPY,2026-12-01,2027-02-15,,,2027/3/1,2027/4/25,1
JH-1,Women's medicine observership,婦女醫學見習,jhu.edu,,Observership,womens_medicine,en,TOEFL 100,6,4,,1500,usd,2026-12-01,2027-01-15,,,2027-02-01,2027-02-28,2
JH-1,Women's medicine observership,婦女醫學見習,jhu.edu,,Observership,womens_medicine,en,TOEFL 100,6,4,,1500,usd,2026-12-01,2027-01-15,,,2027-06-01,2027-06-28,2
`

func TestImportCSVPreviewsThenCommitsEverything(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newImportFixture(t, d, nil)
		up, err := catalog.ParseImport("electives.csv", []byte(goodCSV))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if up.Format != "csv" || up.Encoding != catalog.EncodingUTF8 || len(up.Rows) != 5 || up.Rows[2].Line != 4 {
			t.Fatalf("upload = %s %s %d rows, third on line %d", up.Format, up.Encoding, len(up.Rows), up.Rows[2].Line)
		}
		imp, err := f.s.SaveImport(ctx, f.userA, `C:\Users\office\electives.csv`, up)
		if err != nil {
			t.Fatal(err)
		}
		if imp.FileName != "electives.csv" || imp.RowCount != 5 {
			t.Errorf("stored import %q with %d rows", imp.FileName, imp.RowCount)
		}

		pv, err := f.s.PreviewImport(ctx, imp.ID, f.userA)
		if err != nil {
			t.Fatal(err)
		}
		res := pv.Result
		if res.ErrorCount != 0 {
			t.Fatalf("preview errors: %+v", res.Errors)
		}
		if res.Rows != 5 || res.Electives != 3 || res.Periods != 5 || res.Committed || len(res.Preview) != 3 {
			t.Fatalf("preview = %+v", res)
		}
		if p := res.Preview[0]; p.TitleZH != "肝臟科選修" || p.InstitutionNameEN != "Kumamoto University" || p.Periods != 2 || p.Seats != 5 {
			t.Errorf("first previewed elective = %+v", p)
		}
		if n := f.electives(t); n != f.electives0 {
			t.Fatalf("the preview wrote electives: %d, want %d", n, f.electives0)
		}
		if n := f.periods(t); n != 0 {
			t.Fatalf("the preview wrote %d periods", n)
		}

		res, err = f.s.CommitImport(ctx, imp.ID, f.userA, audit.Meta{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Committed || res.Electives != 3 || res.Periods != 5 {
			t.Fatalf("commit = %+v", res)
		}
		if n := f.electives(t); n != f.electives0+3 {
			t.Errorf("%d electives after the commit, want %d", n, f.electives0+3)
		}
		if n := f.periods(t); n != 5 {
			t.Errorf("%d periods after the commit, want 5", n)
		}
		var got []catalog.Elective
		if err := d.Order("id").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		ku1, jh := got[0], got[2]
		if ku1.Direction != catalog.Outgoing || ku1.AgreementID == nil || *ku1.AgreementID != f.live.ID || ku1.RequiredDocs != "transcript,cv" ||
			ku1.DescriptionEN != "Liver disease, MAFLD" || !strings.Contains(ku1.SearchText, catalog.Fold("熊本大学")) {
			t.Errorf("KU-1 = %+v", ku1)
		}
		if jh.Kind != "observership" || jh.FeeCurrency != "USD" || jh.FeeAmount != 1500 || jh.RequiredDocs != "" {
			t.Errorf("JH-1 = %+v", jh)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM periods WHERE starts_on = ?", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)); n != 2 {
			t.Errorf("%d periods start on 2027-03-01 (one typed 2027/3/1), want 2", n)
		}
		found, err := f.s.Search(ctx, catalog.Query{Text: "肝臟"})
		if err != nil || found.Total != 1 {
			t.Errorf("search 肝臟 after import: %d, %v", found.Total, err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor_id = ? AND object_id = ?", catalog.AuditImportCommit, f.userA, fmt.Sprint(imp.ID)); n != 1 {
			t.Errorf("%d audit events of the commit, want 1", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM catalog_imports WHERE id = ? AND committed_at IS NOT NULL", imp.ID); n != 1 {
			t.Error("the import is not marked committed")
		}
		pv, err = f.s.PreviewImport(ctx, imp.ID, f.userA)
		if err != nil || pv.CommittedAt == nil || pv.Result != nil {
			t.Errorf("preview of a committed import = %+v, %v", pv, err)
		}
	})
}

// rowsCSV writes rows as a CSV file in the import format.
func rowsCSV(t testing.TB, rows []catalog.ImportRow) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := catalog.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// manyRows makes n rows: n/2 electives of two periods each at Kumamoto.
func manyRows(n int) []catalog.ImportRow {
	rows := make([]catalog.ImportRow, 0, n)
	for i := 0; i < n; i++ {
		r := catalog.ImportRow{
			ElectiveRef: fmt.Sprintf("E%05d", i/2), Institution: "kumamoto-u.ac.jp", Agreement: "Student Exchange Agreement",
			Kind: "clinical_elective", TitleEN: fmt.Sprintf("Elective %d", i/2), TitleZH: fmt.Sprintf("選修 %d", i/2),
			Specialty: "hepatology", Language: "en", MinYear: "5", DurationWeeks: "4", RequiredDocs: "transcript;cv",
			FeeAmount: "0", OpensOn: "2026-12-01", ClosesOn: "2027-01-31",
			DescriptionEN: "Four weeks on the wards of the liver unit, with rounds and clinics.",
			PeriodStart:   "2027-03-01", PeriodEnd: "2027-03-28", Capacity: "2",
		}
		if i%2 == 1 {
			r.PeriodStart, r.PeriodEnd = "2027-04-05", "2027-05-02"
		}
		rows = append(rows, r)
	}
	return rows
}

func TestImportOneBadRowAmongManyWritesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newImportFixture(t, d, nil)
		rows := manyRows(60)
		rows[37].Capacity = "-3"          // line 39
		rows[37].PeriodEnd = "2027-02-30" // same row, a second message
		up, err := catalog.ParseImport("x.csv", rowsCSV(t, rows))
		if err != nil {
			t.Fatal(err)
		}
		imp, err := f.s.SaveImport(ctx, f.userA, "x.csv", up)
		if err != nil {
			t.Fatal(err)
		}
		pv, err := f.s.PreviewImport(ctx, imp.ID, f.userA)
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.RowError{
			{Line: 39, Column: "period_end", Msg: apperr.Msg{Key: "form.date"}},
			{Line: 39, Column: "capacity", Msg: apperr.Msg{Key: "catalog.err.capacity_negative"}},
		}
		if fmt.Sprint(pv.Result.Errors) != fmt.Sprint(want) || pv.Result.BadRows != 1 || pv.Result.ErrorCount != 2 {
			t.Fatalf("preview errors = %+v (%d rows), want %+v", pv.Result.Errors, pv.Result.BadRows, want)
		}
		res, err := f.s.CommitImport(ctx, imp.ID, f.userA, audit.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Committed || res.ErrorCount != 2 {
			t.Fatalf("commit of a file with a bad row = %+v", res)
		}
		if n := f.electives(t); n != f.electives0 {
			t.Errorf("%d electives after a refused commit, want %d", n, f.electives0)
		}
		if n := f.periods(t); n != 0 {
			t.Errorf("%d periods after a refused commit", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM catalog_imports WHERE committed_at IS NOT NULL"); n != 0 {
			t.Error("a refused commit marked the import committed")
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_events"); n != 0 {
			t.Errorf("a refused commit wrote %d audit events", n)
		}
	})
}

// TestImportRowRules checks each rule of the domain as the importer
// applies it, with the message under the file's column name.
func TestImportRowRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d, nil)
		base := manyRows(2)
		cases := []struct {
			name   string
			change func(rows []catalog.ImportRow) []catalog.ImportRow
			want   []string // line column key
		}{
			{"unknown institution", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].Institution, r[1].Institution = "nowhere.edu", "nowhere.edu"
				return r
			}, []string{"2 institution import.err.no_institution"}},
			{"home institution", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].Institution, r[1].Institution, r[0].Agreement, r[1].Agreement = "fmu.edu.tw", "fmu.edu.tw", "", ""
				return r
			}, []string{"2 institution catalog.err.outgoing_home"}},
			{"retired institution", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].Institution, r[1].Institution, r[0].Agreement, r[1].Agreement = "Old Partner", "Old Partner", "", ""
				return r
			}, []string{"2 institution catalog.err.retired"}},
			{"expired agreement", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].Agreement, r[1].Agreement = "old mou", "old mou"
				return r
			}, []string{"2 agreement catalog.err.agreement_expired"}},
			{"unknown agreement", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].Agreement, r[1].Agreement = "Nope", "Nope"
				return r
			}, []string{"2 agreement import.err.no_agreement"}},
			{"fields differ", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[1].TitleEN, r[1].MinYear = "Other", "6"
				return r
			}, []string{"3 title_en import.err.differs", "3 min_year import.err.differs"}},
			{"elective checks", func(r []catalog.ImportRow) []catalog.ImportRow {
				for i := range r {
					r[i].Kind, r[i].MinYear, r[i].ClosesOn, r[i].RequiredDocs = "safari", "9", "2026-11-01", "cv;selfie"
				}
				return r
			}, []string{"2 kind form.not_a_choice", "2 min_year form.at_most", "2 required_docs form.not_a_choice", "2 closes_on catalog.err.end_before_start"}},
			{"overlapping periods", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[1].PeriodStart = "2027-03-28"
				return r
			}, []string{"3 period_start catalog.err.period_overlap"}},
			{"window after start", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[0].PeriodStart = "2027-01-31"
				return r
			}, []string{"2 period_start catalog.err.window_after_start"}},
			{"agreement ends first", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[1].PeriodStart, r[1].PeriodEnd = "2030-01-01", "2030-01-28"
				return r
			}, []string{"3 period_start catalog.err.agreement_ends_before"}},
			{"no ref", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[1].ElectiveRef = ""
				return r
			}, []string{"3 elective_ref form.required"}},
			{"a row without a period is an elective without periods", func(r []catalog.ImportRow) []catalog.ImportRow {
				r[1].PeriodStart, r[1].PeriodEnd, r[1].Capacity = "", "", ""
				return r
			}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rows := c.change(append([]catalog.ImportRow(nil), base...))
				for i := range rows {
					rows[i].Line = i + 2
				}
				res, err := f.s.ImportElectives(context.Background(), rows, true)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range res.Errors {
					got = append(got, fmt.Sprintf("%d %s %s", e.Line, e.Column, e.Msg.Key))
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("errors = %q, want %q", got, c.want)
				}
			})
		}
		if n := f.electives(t); n != f.electives0 {
			t.Errorf("dry runs wrote electives: %d", n)
		}
	})
}

func TestParseRefusesMalformedFiles(t *testing.T) {
	header := strings.Join(catalog.ImportColumns, ",")
	good := strings.Repeat("x,", len(catalog.ImportColumns)-1) + "x"
	tooMany := header + "\n" + strings.Repeat(good+"\n", catalog.MaxImportRows+1)
	cases := []struct {
		name string
		data string
		key  string
		args []any
	}{
		{"empty", "", "import.err.empty", nil},
		{"header only", header + "\n", "import.err.no_rows", nil},
		{"unclosed quote", header + "\n" + good + "\n" + `x,"never closed,x` + "\n" + good + "\n", "import.err.quote", []any{3}},
		{"bare quote", header + "\n" + good + "\n" + good + "\n" + `x,ab"c,` + good[2:] + "\n", "import.err.quote", []any{4}},
		{"stray quote after a quoted cell", header + "\n" + `"a"b,` + good[2:] + "\n", "import.err.quote", []any{2}},
		{"too few cells", header + "\n" + good + "\nx,y\n", "import.err.field_count", []any{3, 2, len(catalog.ImportColumns)}},
		{"unknown column", header + ",colour\n" + good + ",red\n", "import.err.unknown_column", []any{"colour"}},
		{"duplicate column", header + ",title_en\n" + good + ",x\n", "import.err.duplicate_column", []any{"title_en"}},
		{"missing columns", "elective_ref,title_en\na,b\n", "import.err.missing_columns", []any{"institution, kind, specialty, language, min_year, duration_weeks, opens_on, closes_on, period_start, period_end, capacity"}},
		{"value under a blank header", header + ",\n" + good + ",oops\n", "import.err.unnamed_column", []any{2, len(catalog.ImportColumns) + 1}},
		{"binary", "\x00\x01\x02PDF", "import.err.binary", nil},
		{"neither UTF-8 nor Big5", header + "\n\xff\xfe\xfd\n", "import.err.encoding", nil},
		{"old Excel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "import.err.format", nil},
		{"cell too long", header + "\n" + strings.Repeat("y", catalog.MaxCellChars+1) + good[1:] + "\n", "import.err.cell_too_long", []any{2, "elective_ref", catalog.MaxCellChars}},
		{"too many rows", tooMany, "import.err.too_many_rows", []any{catalog.MaxImportRows}},
		{"too many columns", strings.Repeat("a,", catalog.MaxImportColumns) + "a\n", "import.err.too_many_columns", []any{catalog.MaxImportColumns}},
		{"broken workbook", "PK\x03\x04garbage", "import.err.xlsx", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := catalog.ParseImport("f.csv", []byte(c.data))
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Key != c.key || fmt.Sprint(ae.Args) != fmt.Sprint(c.args) {
				t.Fatalf("ParseImport = %v %v, want %s %v", err, argsOf(ae), c.key, c.args)
			}
			if !importBundle(t).Has(c.key) {
				t.Errorf("no message %s", c.key)
			}
		})
	}
	_, err := catalog.ParseImport("big.csv", make([]byte, catalog.MaxImportBytes+1))
	if ae := (*apperr.Error)(nil); !errors.As(err, &ae) || ae.Key != "import.err.too_large" {
		t.Errorf("an 11 MB file: %v", err)
	}
}

func argsOf(e *apperr.Error) []any {
	if e == nil {
		return nil
	}
	return e.Args
}

func TestImportReadsBig5BOMAndUTF16(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d, nil)
		text := strings.ReplaceAll(goodCSV, "\n", "\r\n")
		big5, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(strings.ReplaceAll(text, ",", "\t")))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, enc string
			data      []byte
		}{
			{"big5", catalog.EncodingBig5, big5},
			{"bom", catalog.EncodingUTF8BOM, append([]byte("\uFEFF"), text...)},
			{"utf-16 with tabs", catalog.EncodingUTF16, utf16},
			{"semicolons", catalog.EncodingUTF8, []byte(strings.NewReplacer(",", ";", ";", "|").Replace(text))},
		} {
			t.Run(c.name, func(t *testing.T) {
				up, err := catalog.ParseImport("electives.csv", c.data)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if up.Encoding != c.enc || len(up.Rows) != 5 {
					t.Fatalf("read as %s with %d rows, want %s with 5", up.Encoding, len(up.Rows), c.enc)
				}
				if r := up.Rows[0]; r.ElectiveRef != "KU-1" || r.TitleZH != "肝臟科選修" || r.DescriptionZH != "肝病" {
					t.Errorf("first row = %+v", r)
				}
				res, err := f.s.ImportElectives(context.Background(), up.Rows, true)
				if err != nil || res.ErrorCount != 0 || res.Electives != 3 {
					t.Fatalf("dry run = %+v, %v", res, err)
				}
			})
		}
		up, err := catalog.ParseImport("electives.csv", big5)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.s.ImportElectives(context.Background(), up.Rows, false)
		if err != nil || !res.Committed {
			t.Fatalf("import of the Big5 file = %+v, %v", res, err)
		}
		var titles []string
		if err := d.Raw("SELECT title_zh FROM electives WHERE direction = 'outgoing' ORDER BY id").Scan(&titles).Error; err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(titles) != "[肝臟科選修 病毒學研究 婦女醫學見習]" {
			t.Errorf("Chinese titles stored from Big5: %q", titles)
		}
	})
}

// TestImportTenThousandRows times a file of 10,000 rows (5,000 electives
// of two periods) through parse, preview and commit, and checks that the
// statements run do not grow with the rows.
func TestImportTenThousandRows(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newImportFixture(t, d, nil)
		data := rowsCSV(t, manyRows(10_000))
		t.Logf("file: %.1f MB", float64(len(data))/(1<<20))

		start := time.Now()
		up, err := catalog.ParseImport("big.csv", data)
		if err != nil {
			t.Fatal(err)
		}
		imp, err := f.s.SaveImport(ctx, f.userA, "big.csv", up)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("parse and store: %v", time.Since(start))

		start = time.Now()
		before := d.Queries()
		pv, err := f.s.PreviewImport(ctx, imp.ID, f.userA)
		if err != nil {
			t.Fatal(err)
		}
		queries := d.Queries() - before
		t.Logf("preview: %v, %d statements", time.Since(start), queries)
		if pv.Result.ErrorCount != 0 || pv.Result.Electives != 5000 || pv.Result.Periods != 10_000 {
			t.Fatalf("preview = %d errors %v, %d electives, %d periods", pv.Result.ErrorCount, pv.Result.Errors, pv.Result.Electives, pv.Result.Periods)
		}
		if queries > 5 {
			t.Errorf("the preview of 10,000 rows ran %d statements: a query per row?", queries)
		}

		start = time.Now()
		before = d.Queries()
		res, err := f.s.CommitImport(ctx, imp.ID, f.userA, audit.Meta{})
		if err != nil || !res.Committed {
			t.Fatalf("commit = %+v, %v", res, err)
		}
		queries = d.Queries() - before
		t.Logf("commit: %v, %d statements", time.Since(start), queries)
		// 15,000 rows go in batches: SQLite's are small (see importBatch).
		if queries > 1000 {
			t.Errorf("the commit of 15,000 rows ran %d statements", queries)
		}
		if n := f.periods(t); n != 10_000 {
			t.Errorf("%d periods, want 10,000", n)
		}
		if n := f.count(t, "SELECT COUNT(DISTINCT elective_id) FROM periods"); n != 5000 {
			t.Errorf("periods belong to %d electives, want 5,000", n)
		}
	})
}

func TestCommitImportIsIdempotentAndPrivate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testutil.NewClock(fixedToday)
		f := newImportFixture(t, d, clk.Now)
		up, err := catalog.ParseImport("e.csv", []byte(goodCSV))
		if err != nil {
			t.Fatal(err)
		}
		imp, err := f.s.SaveImport(ctx, f.userA, "e.csv", up)
		if err != nil {
			t.Fatal(err)
		}

		// Another user's import does not exist for them.
		if _, err := f.s.PreviewImport(ctx, imp.ID, f.userB); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("preview of another user's import: %v, want not found", err)
		}
		if _, err := f.s.CommitImport(ctx, imp.ID, f.userB, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("commit of another user's import: %v, want not found", err)
		}
		if _, err := f.s.CommitImport(ctx, imp.ID+1000, f.userA, audit.Meta{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("commit of no import: %v, want not found", err)
		}

		// A double click, or two replicas: one import.
		var wg sync.WaitGroup
		results := make([]*catalog.ImportResult, 4)
		errs := make([]error, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = f.s.CommitImport(ctx, imp.ID, f.userA, audit.Meta{})
			}()
		}
		wg.Wait()
		committed, already := 0, 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("commit %d: %v", i, errs[i])
			}
			if r.Committed {
				committed++
			}
			if r.AlreadyCommitted {
				already++
			}
		}
		if committed != 1 || already != 3 {
			t.Errorf("%d commits and %d already committed, want 1 and 3", committed, already)
		}
		if n := f.electives(t); n != f.electives0+3 {
			t.Errorf("%d electives after four commits, want %d", n, f.electives0+3)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", catalog.AuditImportCommit); n != 1 {
			t.Errorf("%d audit events, want 1", n)
		}

		// A day later an upload is stale.
		imp2, err := f.s.SaveImport(ctx, f.userA, "e.csv", up)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(catalog.ImportTTL + time.Minute)
		pv, err := f.s.PreviewImport(ctx, imp2.ID, f.userA)
		if err != nil || !pv.Stale {
			t.Errorf("preview of a day-old import: stale %v, %v", pv != nil && pv.Stale, err)
		}
		if _, err := f.s.CommitImport(ctx, imp2.ID, f.userA, audit.Meta{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("commit of a day-old import: %v, want conflict", err)
		}

		// A week later the next upload clears the old ones away.
		clk.Advance(7 * 24 * time.Hour)
		imp3, err := f.s.SaveImport(ctx, f.userB, "e.csv", up)
		if err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM catalog_imports"); n != 1 {
			t.Errorf("%d stored uploads after a week, want only the new one", n)
		}
		if _, err := f.s.PreviewImport(ctx, imp3.ID, f.userB); err != nil {
			t.Errorf("preview of the new upload: %v", err)
		}
	})
}

func importBundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
