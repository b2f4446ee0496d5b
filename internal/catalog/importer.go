package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/i18n"
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
	// ImportTTL is how long an upload may wait for its commit; after that
	// the catalog may have changed too much for its preview to hold.
	ImportTTL = 24 * time.Hour
	// importKeep is when stored uploads, committed or not, are dropped.
	importKeep = 7 * 24 * time.Hour
	// previewElectives is how many electives a preview shows.
	previewElectives = 20
	// maxRowErrors is how many row errors a result carries; the counts
	// cover them all.
	maxRowErrors = 500
)

// AuditImportCommit is the audit action of a committed import.
const AuditImportCommit = "catalog.import.commit"

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

// ---- checking and writing

// RowError is what is wrong with one cell of an import file, or with its
// row when Column is empty.
type RowError struct {
	Line   int
	Column string
	Msg    apperr.Msg
}

// ImportResult is what an import did, or would do: the preview and the
// commit come from the same code, so the preview is exactly the commit.
type ImportResult struct {
	Rows      int // data rows read
	Electives int // created, or that would be
	Periods   int
	// Errors are the first row errors, in file order; ErrorCount and
	// BadRows count them all. With any error nothing is written.
	Errors     []RowError
	ErrorCount int
	BadRows    int
	Preview    []ImportedElective // the first electives, as they would be created
	// Committed is true once the electives are written.
	Committed bool
	// AlreadyCommitted is true when a stored import had been committed
	// before: a second click changes nothing.
	AlreadyCommitted bool
}

// ImportedElective is an elective of a preview.
type ImportedElective struct {
	Line                int // of its first row
	Ref                 string
	TitleEN, TitleZH    string
	InstitutionNameEN   string
	Kind, Specialty     string
	OpensOn, ClosesOn   time.Time
	Periods, Seats      int
	FirstStart, LastEnd time.Time
}

// errRollback undoes a commit whose rows turned out wrong.
var errRollback = errors.New("import: roll back")

// ImportElectives checks rows and, unless dryRun or a row is wrong, creates
// their electives and periods in one transaction: all of them or none. A
// dry run goes through the very same checks and builds the very same
// electives, and only leaves out the INSERTs: a preview is a GET, which
// must not hold SQLite's one write lock for the seconds that 10,000 rows
// take to insert, nor advance PostgreSQL's sequences.
func (s *Service) ImportElectives(ctx context.Context, rows []ImportRow, dryRun bool) (*ImportResult, error) {
	if dryRun {
		res, err := s.importRows(s.db.WithContext(ctx), rows, false)
		return res, wrap(err, "check import")
	}
	var res *ImportResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = s.writeRows(tx, rows)
		return err
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, wrap(err, "import electives")
	}
	return res, nil
}

// writeRows inserts rows through tx when every one is right; otherwise it
// returns the result with its errors and errRollback, for the caller's
// transaction to undo whatever it wrote before.
func (s *Service) writeRows(tx *gorm.DB, rows []ImportRow) (*ImportResult, error) {
	res, err := s.importRows(tx, rows, true)
	if err != nil {
		return nil, err
	}
	if res.ErrorCount > 0 {
		return res, errRollback
	}
	res.Committed = true
	return res, nil
}

// importer holds what checking the rows of one file needs, loaded once: a
// file of 10,000 rows costs two queries of lookups, whatever its size.
type importer struct {
	s        *Service
	today    time.Time
	byIdent  map[string][]Institution // lower-case identifier
	byName   map[string][]Institution // lower-case English name
	byID     map[int64]Institution
	byInst   map[int64][]Agreement
	codes    map[string]map[string]string // vocabulary -> code or label (lower case) -> code
	res      *ImportResult
	badLines map[int]bool
}

// importRows checks rows against the catalog and, when write is true and
// every row is right, inserts them through tx.
func (s *Service) importRows(tx *gorm.DB, rows []ImportRow, write bool) (*ImportResult, error) {
	im := &importer{
		s: s, today: s.today(), byIdent: map[string][]Institution{}, byName: map[string][]Institution{},
		byID: map[int64]Institution{}, byInst: map[int64][]Agreement{}, res: &ImportResult{Rows: len(rows)}, badLines: map[int]bool{},
	}
	var insts []Institution
	if err := tx.Order("id").Find(&insts).Error; err != nil {
		return nil, err
	}
	for _, i := range insts {
		im.byID[i.ID] = i
		if i.Identifier != "" {
			k := strings.ToLower(i.Identifier)
			im.byIdent[k] = append(im.byIdent[k], i)
		}
		k := strings.ToLower(i.NameEN)
		im.byName[k] = append(im.byName[k], i)
	}
	var agreements []Agreement
	if err := tx.Order("valid_until DESC, id").Find(&agreements).Error; err != nil {
		return nil, err
	}
	for _, a := range agreements {
		im.byInst[a.InstitutionID] = append(im.byInst[a.InstitutionID], a)
	}
	im.codes = map[string]map[string]string{
		"kind":      s.vocabulary(ElectiveKinds, "elective_kind."),
		"specialty": s.vocabulary(Specialties, "specialty."),
		"language":  s.vocabulary(Languages, "language."),
		"doc":       s.vocabulary(DocumentTypes, "doc."),
	}

	// Group the rows by elective_ref, in the order the refs first appear.
	var order []string
	groups := map[string][]int{}
	for i, r := range rows {
		ref := r.ElectiveRef
		if ref == "" {
			im.add(r.Line, "elective_ref", "form.required")
			continue
		}
		if utf8.RuneCountInString(ref) > 100 {
			im.add(r.Line, "elective_ref", "form.too_long", 100)
			continue
		}
		if _, ok := groups[ref]; !ok {
			order = append(order, ref)
		}
		groups[ref] = append(groups[ref], i)
	}
	now := s.now()
	var electives []Elective
	var periods [][]Period // per elective
	var firstLines []int
	for _, ref := range order {
		e, ps, ok := im.elective(rows, groups[ref])
		if !ok {
			continue
		}
		e.CreatedAt, e.UpdatedAt = now, now
		for i := range ps {
			ps[i].CreatedAt, ps[i].UpdatedAt = now, now
		}
		electives = append(electives, e)
		periods = append(periods, ps)
		firstLines = append(firstLines, rows[groups[ref][0]].Line)
	}
	res := im.res
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	if len(res.Errors) > maxRowErrors {
		res.Errors = res.Errors[:maxRowErrors]
	}
	res.BadRows = len(im.badLines)
	if res.ErrorCount > 0 {
		return res, nil
	}
	res.Electives = len(electives)
	for i, e := range electives {
		res.Periods += len(periods[i])
		if len(res.Preview) < previewElectives {
			p := ImportedElective{
				Line: firstLines[i], Ref: rows[groups[order[i]][0]].ElectiveRef, TitleEN: e.TitleEN, TitleZH: e.TitleZH,
				Kind: e.Kind, Specialty: e.Specialty, OpensOn: e.OpensOn, ClosesOn: e.ClosesOn, Periods: len(periods[i]),
			}
			p.InstitutionNameEN = im.byID[e.InstitutionID].NameEN
			for _, pd := range periods[i] {
				p.Seats += pd.Capacity
				if p.FirstStart.IsZero() || pd.StartsOn.Before(p.FirstStart) {
					p.FirstStart = pd.StartsOn
				}
				if pd.EndsOn.After(p.LastEnd) {
					p.LastEnd = pd.EndsOn
				}
			}
			res.Preview = append(res.Preview, p)
		}
	}
	if !write || len(electives) == 0 {
		return res, nil
	}
	batch := s.importBatch()
	if err := tx.CreateInBatches(&electives, batch).Error; err != nil {
		return nil, err
	}
	var all []Period
	for i, ps := range periods {
		for _, p := range ps {
			p.ElectiveID = electives[i].ID
			all = append(all, p)
		}
	}
	if len(all) > 0 {
		if err := tx.CreateInBatches(&all, batch).Error; err != nil {
			return nil, err
		}
	}
	return res, nil
}

// importBatch is how many rows go in one INSERT. PostgreSQL takes 500
// (well under its 65,535 parameters) in one round trip. The SQLite driver
// matches each parameter to its argument by a linear search, so there a
// statement costs the square of its parameters: 25 rows per statement was
// the fastest measured, ten times faster than 500.
func (s *Service) importBatch() int {
	if s.db.Dialect == db.SQLite {
		return 25
	}
	return 500
}

// add records a row error.
func (im *importer) add(line int, column, key string, args ...any) {
	im.res.ErrorCount++
	im.badLines[line] = true
	if len(im.res.Errors) < maxRowErrors*2 {
		im.res.Errors = append(im.res.Errors, RowError{Line: line, Column: column, Msg: apperr.Msg{Key: key, Args: args}})
	}
}

// addFields records the messages of a check() at line, under the file's
// column names, in the columns' order.
func (im *importer) addFields(line int, f apperr.Fields) {
	cols := make([]string, 0, len(f))
	for field := range f {
		cols = append(cols, field)
	}
	sort.Slice(cols, func(i, j int) bool { return columnIndex(importColumn(cols[i])) < columnIndex(importColumn(cols[j])) })
	for _, field := range cols {
		m := f[field]
		im.add(line, importColumn(field), m.Key, m.Args...)
	}
}

// importColumn names the file's column for a field of the Input checks.
func importColumn(field string) string {
	switch field {
	case "institution_id":
		return "institution"
	case "agreement_id":
		return "agreement"
	case "starts_on":
		return "period_start"
	case "ends_on":
		return "period_end"
	}
	return field
}

func columnIndex(col string) int {
	if i := slices.Index(ImportColumns, col); i >= 0 {
		return i
	}
	return len(ImportColumns)
}

// elective checks the rows of one elective_ref and returns the elective
// and its periods, ok only when none of its rows is wrong.
func (im *importer) elective(rows []ImportRow, idx []int) (Elective, []Period, bool) {
	before := im.res.ErrorCount
	first := rows[idx[0]]
	// Every row repeats its elective's fields; they must agree.
	for _, i := range idx[1:] {
		for _, col := range ImportColumns {
			if col == "elective_ref" || slices.Contains(periodColumns, col) {
				continue
			}
			if *rows[i].Cell(col) != *first.Cell(col) {
				im.add(rows[i].Line, col, "import.err.differs", first.Line)
			}
		}
	}

	inst, instOK := im.findInstitution(first)
	in := ElectiveInput{
		Direction: Outgoing,
		// An unknown institution has its own message above; a stand-in id
		// keeps check() from adding "required".
		InstitutionID: -1,
		Kind:          im.code("kind", first.Kind),
		TitleEN:       first.TitleEN,
		TitleZH:       first.TitleZH,
		Specialty:     im.code("specialty", first.Specialty),
		DescriptionEN: first.DescriptionEN,
		DescriptionZH: first.DescriptionZH,
		Language:      im.code("language", first.Language),
		LanguageLevel: first.LanguageLevel,
		MinYear:       first.MinYear,
		DurationWeeks: first.DurationWeeks,
		FeeAmount:     first.FeeAmount,
		FeeCurrency:   first.FeeCurrency,
		OpensOn:       normDate(first.OpensOn),
		ClosesOn:      normDate(first.ClosesOn),
	}
	for _, d := range strings.FieldsFunc(first.RequiredDocs, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
		if d = strings.TrimSpace(d); d != "" {
			in.RequiredDocs = append(in.RequiredDocs, im.code("doc", d))
		}
	}
	var agreement *Agreement
	if instOK {
		in.InstitutionID = inst.ID
		agreement = im.findAgreement(first, inst)
		if agreement != nil {
			in.AgreementID = agreement.ID
		}
	}
	e, err := in.check()
	if f := apperr.FieldsOf(err); f != nil {
		im.addFields(first.Line, f)
	} else if err != nil {
		im.add(first.Line, "", "error.internal")
	}
	electiveOK := im.res.ErrorCount == before

	// The periods, each checked alone, then against the elective and each
	// other: the rules of AddPeriod, without a query per row.
	type dated struct {
		p    Period
		line int
	}
	var ps []dated
	for _, i := range idx {
		r := rows[i]
		if r.PeriodStart == "" && r.PeriodEnd == "" && r.Capacity == "" {
			continue // an elective without periods yet
		}
		p, err := PeriodInput{StartsOn: normDate(r.PeriodStart), EndsOn: normDate(r.PeriodEnd), Capacity: r.Capacity}.check()
		if f := apperr.FieldsOf(err); f != nil {
			im.addFields(r.Line, f)
			continue
		}
		var closes time.Time // unknown when the elective's own cells are wrong
		if electiveOK {
			closes = e.ClosesOn
		}
		fits := apperr.Fields{}
		periodFits(fits, "period_start", closes, agreement, p)
		im.addFields(r.Line, fits)
		ps = append(ps, dated{p, r.Line})
	}
	// Sorted by start, a period overlaps an earlier one exactly when it
	// starts on or before the latest end so far.
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].p.StartsOn.Before(ps[j].p.StartsOn) })
	latest := 0 // the period with the latest end so far
	for i := 1; i < len(ps); i++ {
		l := ps[latest].p
		if !ps[i].p.StartsOn.After(l.EndsOn) {
			im.add(ps[i].line, "period_start", "catalog.err.period_overlap", l.StartsOn.Format(time.DateOnly), l.EndsOn.Format(time.DateOnly))
		}
		if ps[i].p.EndsOn.After(l.EndsOn) {
			latest = i
		}
	}
	if im.res.ErrorCount != before {
		return Elective{}, nil, false
	}
	e.SearchText = im.s.searchText(e, inst)
	out := make([]Period, len(ps))
	for i, d := range ps {
		out[i] = d.p
	}
	return e, out, true
}

// findInstitution resolves the institution column: an identifier such as
// kumamoto-u.ac.jp, or the exact English name, of a live partner.
func (im *importer) findInstitution(r ImportRow) (Institution, bool) {
	v := strings.ToLower(strings.TrimSpace(r.Institution))
	if v == "" {
		im.add(r.Line, "institution", "form.required")
		return Institution{}, false
	}
	found := im.byIdent[v]
	if len(found) == 0 {
		found = im.byName[v]
	}
	var live []Institution
	for _, i := range found {
		if i.RetiredAt == nil {
			live = append(live, i)
		}
	}
	switch {
	case len(found) == 0:
		im.add(r.Line, "institution", "import.err.no_institution")
	case len(live) == 0:
		im.add(r.Line, "institution", "catalog.err.retired")
	case len(live) > 1:
		im.add(r.Line, "institution", "import.err.ambiguous_institution")
	case live[0].IsHome:
		im.add(r.Line, "institution", "catalog.err.outgoing_home")
	default:
		return live[0], true
	}
	return Institution{}, false
}

// findAgreement resolves the optional agreement column by title among the
// institution's agreements, preferring one still in force.
func (im *importer) findAgreement(r ImportRow, inst Institution) *Agreement {
	title := strings.TrimSpace(r.Agreement)
	if title == "" {
		return nil
	}
	var retired, expired *Agreement
	for _, a := range im.byInst[inst.ID] {
		if !strings.EqualFold(a.Title, title) {
			continue
		}
		switch {
		case a.RetiredAt != nil:
			retired = &a
		case a.ValidUntil.Before(im.today):
			if expired == nil {
				expired = &a
			}
		default:
			return &a
		}
	}
	switch {
	case expired != nil:
		im.add(r.Line, "agreement", "catalog.err.agreement_expired", expired.ValidUntil.Format(time.DateOnly))
	case retired != nil:
		im.add(r.Line, "agreement", "catalog.err.retired")
	default:
		im.add(r.Line, "agreement", "import.err.no_agreement")
	}
	return nil
}

// code turns a vocabulary value into its code: the code itself in any case,
// or its English or Chinese name as the pages show it. Anything else is
// passed on for check() to refuse.
func (im *importer) code(vocab, v string) string {
	if c, ok := im.codes[vocab][strings.ToLower(strings.TrimSpace(v))]; ok {
		return c
	}
	return strings.TrimSpace(v)
}

func (s *Service) vocabulary(codes []string, prefix string) map[string]string {
	m := map[string]string{}
	for _, c := range codes {
		for _, l := range []i18n.Lang{i18n.TraditionalChinese, i18n.English} {
			if s.names != nil && s.names.Has(prefix+c) {
				m[strings.ToLower(s.names.T(l, prefix+c))] = c
			}
		}
		m[c] = c
	}
	return m
}

var looseDate = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$`)

// normDate accepts the ways spreadsheets write a day (2026/3/1 in Taiwan,
// 2026-03-01 00:00:00 from some exports) and returns YYYY-MM-DD; anything
// else is left for the check to refuse.
func normDate(s string) string {
	s = strings.TrimSpace(s)
	m := looseDate.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return m[1] + "-" + pad2(mo) + "-" + pad2(d)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ---- stored uploads

// Import is an uploaded file waiting between its preview and its commit.
// It lives in the database so that any replica can commit it.
type Import struct {
	ID          int64
	UserID      int64
	FileName    string
	Format      string
	Encoding    string
	RowsJSON    string
	RowCount    int
	CreatedAt   time.Time
	CommittedAt *time.Time
}

// TableName is the table of uploads.
func (Import) TableName() string { return "catalog_imports" }

// SaveImport stores a parsed upload of userID and drops uploads older than
// a week.
func (s *Service) SaveImport(ctx context.Context, userID int64, fileName string, up *Upload) (*Import, error) {
	raw, err := json.Marshal(up.Rows)
	if err != nil {
		return nil, apperr.Internalf("encode import: %w", err)
	}
	now := s.now().UTC()
	imp := Import{
		UserID: userID, FileName: cleanFileName(fileName), Format: up.Format, Encoding: up.Encoding,
		RowsJSON: string(raw), RowCount: len(up.Rows), CreatedAt: now,
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("created_at < ?", now.Add(-importKeep)).Delete(&Import{}).Error; err != nil {
			return err
		}
		return tx.Create(&imp).Error
	})
	if err != nil {
		return nil, wrap(err, "save import")
	}
	imp.RowsJSON = ""
	return &imp, nil
}

func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return clip(name, 200)
}

// ImportPreview is a stored upload with what committing it would do.
type ImportPreview struct {
	Import
	Stale  bool          // too old to commit; upload it again
	Result *ImportResult // nil once committed
}

// PreviewImport checks a stored upload of userID as its commit would, and
// writes nothing. Another user's upload is not found.
func (s *Service) PreviewImport(ctx context.Context, id, userID int64) (*ImportPreview, error) {
	var imp Import
	if err := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&imp).Error; err != nil {
		return nil, notFound(err, "import")
	}
	p := &ImportPreview{Import: imp, Stale: s.stale(imp)}
	p.RowsJSON = ""
	if imp.CommittedAt != nil {
		return p, nil
	}
	rows, err := imp.rows()
	if err != nil {
		return nil, err
	}
	if p.Result, err = s.ImportElectives(ctx, rows, true); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) stale(imp Import) bool { return s.now().Sub(imp.CreatedAt) > ImportTTL }

func (imp Import) rows() ([]ImportRow, error) {
	var rows []ImportRow
	if err := json.Unmarshal([]byte(imp.RowsJSON), &rows); err != nil {
		return nil, apperr.Internalf("decode import %d: %w", imp.ID, err)
	}
	return rows, nil
}

// CommitImport writes a stored upload of userID, all or nothing, and
// audits it in the same transaction. It is idempotent: the upload is
// marked committed by a conditional UPDATE in that transaction, so a double
// click or a retry on another replica writes the electives once and then
// answers AlreadyCommitted. An upload older than ImportTTL is refused; a
// row that became wrong since the preview makes the result carry errors
// and nothing is written.
func (s *Service) CommitImport(ctx context.Context, id, userID int64, m audit.Meta) (*ImportResult, error) {
	var res *ImportResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp Import
		// Locked, so that a second commit waits for the first and then
		// sees it committed.
		if err := tx.Clauses(lockRow()).Where("id = ? AND user_id = ?", id, userID).Take(&imp).Error; err != nil {
			return notFound(err, "import")
		}
		if imp.CommittedAt != nil {
			res = &ImportResult{Rows: imp.RowCount, AlreadyCommitted: true}
			return nil
		}
		if s.stale(imp) {
			return apperr.New(apperr.Conflict, "import.err.stale")
		}
		now := s.now().UTC()
		upd := tx.Model(&Import{}).Where("id = ? AND committed_at IS NULL", id).Update("committed_at", now)
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected == 0 {
			res = &ImportResult{Rows: imp.RowCount, AlreadyCommitted: true}
			return nil
		}
		rows, err := imp.rows()
		if err != nil {
			return err
		}
		if res, err = s.writeRows(tx, rows); err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &userID, AuditImportCommit, m, map[string]any{
			"file": imp.FileName, "rows": len(rows), "electives": res.Electives, "periods": res.Periods,
		}).On("catalog_import", id))
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, wrap(err, "commit import")
	}
	return res, nil
}
