package selection

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/sheet"
	"portal/internal/user"
)

// A round's scores may come from a spreadsheet: one row per applicant,
// named by student number, one column per component. It is checked and
// previewed like the catalog import, and committed all or nothing; each
// value it changes is audited like one typed on the scoring page.

// ScoreImportLimits bound a score file. One megabyte is the portal's form
// limit, and far more than a round of thousands of applicants needs.
var ScoreImportLimits = sheet.Limits{Bytes: 900 << 10, Rows: 20_000, Columns: 30, CellChars: 200}

// ScoreImportTTL is how long an upload may wait for its commit.
const ScoreImportTTL = 24 * time.Hour

// StudentColumn names the applicant in a score file; NameColumn, optional,
// is there for the person filling it in and is not read.
const (
	StudentColumn = "student_number"
	NameColumn    = "name"
)

// maxRowErrors is how many row problems a preview lists.
const maxRowErrors = 200

// ScoreImport is an uploaded score file waiting for its commit.
type ScoreImport struct {
	ID          int64
	RoundID     int64
	FileName    string
	Records     string // the sheet.Records as JSON
	UploadedBy  int64
	CreatedAt   time.Time
	CommittedAt *time.Time
}

// TableName is the table of uploads.
func (ScoreImport) TableName() string { return "selection_score_imports" }

// ParseScores reads an uploaded score file and checks its header against
// round's rubric is left to the preview; a file that cannot be read at
// all is refused here, naming the line.
func ParseScores(name string, data []byte) (*sheet.Records, error) {
	return sheet.Read(name, data, ScoreImportLimits)
}

// SaveScoreImport keeps an uploaded file of round id for its preview, by
// the office while the round's scores may change.
func (s *Service) SaveScoreImport(ctx context.Context, u *user.User, id int64, fileName string, rec *sheet.Records) (*ScoreImport, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return nil, apperr.Internalf("encode score import: %w", err)
	}
	imp := &ScoreImport{RoundID: id, FileName: cleanName(fileName), Records: string(raw), UploadedBy: u.ID, CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var r Round
		if err := tx.Take(&r, id).Error; err != nil {
			return err
		}
		if !Editable(r.State) {
			return apperr.New(apperr.Invalid, "selection.err.not_editable")
		}
		return tx.Create(imp).Error
	})
	if err != nil {
		return nil, wrap(err, "save score import")
	}
	return imp, nil
}

func cleanName(name string) string {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if !utf8.ValidString(name) || name == "." || name == "/" || name == "" {
		return "scores"
	}
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// RowError is one problem of a score file: its line, its column ("" for
// the whole row) and the message.
type RowError struct {
	Line   int
	Column string
	Key    string
	Args   []any
}

// ScoreChange is what a row of the file changes for one applicant: the
// values before and after, component by component (nil: none), and the
// total after.
type ScoreChange struct {
	Line          int
	StudentNumber string
	ApplicationID int64
	Name          string
	Before, After map[int64]*int
	Changed       int // values that differ
	Score         int // the total after, in hundredths
	Complete      bool
}

// ScorePreview is what committing an upload would do, or why it cannot.
type ScorePreview struct {
	Import     ScoreImport
	Round      Full
	Stale      bool
	Encoding   string
	FileError  *apperr.Error // the header does not fit the rubric
	Rows       int
	Errors     []RowError // at most maxRowErrors
	ErrorCount int
	BadRows    int
	Changes    []ScoreChange // rows that change something
	Values     int           // values that change
}

// PreviewScoreImport checks upload importID of round id as its commit
// would, for the office.
func (s *Service) PreviewScoreImport(ctx context.Context, u *user.User, id, importID int64) (*ScorePreview, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	var pv *ScorePreview
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		pv, err = s.checkImport(tx, u, id, importID)
		return err
	})
	if err != nil {
		return nil, wrap(err, "preview score import")
	}
	return pv, nil
}

// checkImport reads upload importID of round id and checks every row
// against the round as it stands in tx.
func (s *Service) checkImport(tx *gorm.DB, u *user.User, id, importID int64) (*ScorePreview, error) {
	pv := &ScorePreview{}
	if err := tx.Where("id = ? AND round_id = ?", importID, id).Take(&pv.Import).Error; err != nil {
		return nil, err
	}
	if err := s.full(tx, u, id, &pv.Round); err != nil {
		return nil, err
	}
	pv.Stale = s.clock().Sub(pv.Import.CreatedAt) > ScoreImportTTL
	var rec sheet.Records
	if err := json.Unmarshal([]byte(pv.Import.Records), &rec); err != nil {
		return nil, apperr.Internalf("decode score import %d: %w", importID, err)
	}
	pv.Encoding, pv.Rows = rec.Encoding, len(rec.Rows)
	student, cols, ferr := scoreColumns(rec.Header, pv.Round.Components)
	if ferr != nil {
		pv.FileError = ferr
		return pv, nil
	}
	known, err := roundStudents(tx, id)
	if err != nil {
		return nil, err
	}
	var current []Score
	if err := tx.Where("round_id = ?", id).Find(&current).Error; err != nil {
		return nil, err
	}
	have := map[int64]map[int64]int{}
	for _, sc := range current {
		if have[sc.ApplicationID] == nil {
			have[sc.ApplicationID] = map[int64]int{}
		}
		have[sc.ApplicationID][sc.ComponentID] = sc.ValueCenti
	}
	seen := map[string]int{}
	comps := map[int64]Component{}
	for _, c := range pv.Round.Components {
		comps[c.ID] = c
	}
	for _, r := range rec.Rows {
		bad := false
		fail := func(col, key string, args ...any) {
			bad = true
			pv.ErrorCount++
			if len(pv.Errors) < maxRowErrors {
				pv.Errors = append(pv.Errors, RowError{Line: r.Line, Column: col, Key: key, Args: args})
			}
		}
		num := r.Cell(student)
		var st roundStudent
		switch {
		case num == "":
			fail(StudentColumn, "selection_after.import.err.no_student")
		case seen[num] != 0:
			fail(StudentColumn, "selection_after.import.err.duplicate", seen[num])
		default:
			seen[num] = r.Line
			list := known[num]
			switch len(list) {
			case 0:
				fail(StudentColumn, "selection_after.import.err.not_applicant", num)
			case 1:
				st = list[0]
			default:
				fail(StudentColumn, "selection_after.import.err.several", num, len(list))
			}
		}
		ch := ScoreChange{Line: r.Line, StudentNumber: num, ApplicationID: st.ApplicationID, Name: st.Name,
			Before: map[int64]*int{}, After: map[int64]*int{}}
		values := map[int64]int{}
		for cid, v := range have[st.ApplicationID] {
			values[cid] = v
		}
		for _, col := range cols {
			c := comps[col.component]
			var before *int
			if v, ok := have[st.ApplicationID][c.ID]; ok {
				before = &v
			}
			ch.Before[c.ID], ch.After[c.ID] = before, before
			raw := strings.TrimSpace(r.Cell(col.index))
			if raw == "" {
				continue // a blank cell leaves the value as it is
			}
			v, ok := Centi(raw)
			if !ok {
				fail(col.name, "selection_after.import.err.not_number", raw)
				continue
			}
			if v < c.MinValue*100 || v > c.MaxValue*100 {
				fail(col.name, "selection.err.value_range", c.MinValue, c.MaxValue)
				continue
			}
			ch.After[c.ID], values[c.ID] = &v, v
			if before == nil || *before != v {
				ch.Changed++
			}
		}
		if bad {
			pv.BadRows++
			continue
		}
		if ch.Changed > 0 {
			ch.Score, ch.Complete = Total(pv.Round.Components, values)
			pv.Changes = append(pv.Changes, ch)
			pv.Values += ch.Changed
		}
	}
	return pv, nil
}

type scoreColumn struct {
	index     int
	name      string
	component int64
}

// scoreColumns finds the student number's column and each component's,
// named by its English or Chinese name (case, spaces and underscores
// aside). A column the rubric does not know refuses the file: a typo in a
// header would otherwise drop a whole component silently.
func scoreColumns(header []string, comps []Component) (int, []scoreColumn, *apperr.Error) {
	student := -1
	var cols []scoreColumn
	taken := map[int64]bool{}
	for i, h := range header {
		n := normHeader(h)
		switch {
		case n == "":
			continue
		case n == StudentColumn:
			if student >= 0 {
				return 0, nil, apperr.New(apperr.Invalid, "import.err.duplicate_column", h)
			}
			student = i
			continue
		case n == NameColumn:
			continue
		}
		idx := slices.IndexFunc(comps, func(c Component) bool {
			return normHeader(c.NameEN) == n || (c.NameZH != "" && normHeader(c.NameZH) == n)
		})
		if idx < 0 {
			return 0, nil, apperr.New(apperr.Invalid, "selection_after.import.err.unknown_column", h)
		}
		if taken[comps[idx].ID] {
			return 0, nil, apperr.New(apperr.Invalid, "import.err.duplicate_column", h)
		}
		taken[comps[idx].ID] = true
		cols = append(cols, scoreColumn{index: i, name: h, component: comps[idx].ID})
	}
	if student < 0 {
		return 0, nil, apperr.New(apperr.Invalid, "import.err.missing_columns", StudentColumn)
	}
	if len(cols) == 0 {
		return 0, nil, apperr.New(apperr.Invalid, "selection_after.import.err.no_components")
	}
	return student, cols, nil
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "_")
}

type roundStudent struct {
	ApplicationID int64
	StudentNumber string
	Name          string
}

// roundStudents are round id's applicants by student number.
func roundStudents(tx *gorm.DB, id int64) (map[string][]roundStudent, error) {
	ids, err := applicantIDs(tx, id, nil)
	if err != nil || len(ids) == 0 {
		return map[string][]roundStudent{}, err
	}
	var rows []roundStudent
	if err := tx.Table("applications AS a").Select("a.id AS application_id, u.student_number, u.name").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Where("a.id IN ? AND u.student_number IS NOT NULL", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string][]roundStudent{}
	for _, r := range rows {
		out[r.StudentNumber] = append(out[r.StudentNumber], r)
	}
	return out, nil
}

// ScoreImportResult is what a commit did.
type ScoreImportResult struct {
	Committed        bool // the values are written
	AlreadyCommitted bool // a second click: nothing more was written
	Applicants       int
	Values           int
}

var errRefusedImport = errors.New("score import refused")

// CommitScoreImport writes upload importID of round id, all or nothing,
// for the office: the round's row is locked, the file checked again
// against the round as it now stands, and every changed value written and
// audited as one typed by hand, with one more entry for the file. A file
// with a problem writes nothing (Committed false: the preview says why).
func (s *Service) CommitScoreImport(ctx context.Context, u *user.User, id, importID int64) (*ScoreImportResult, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	res := &ScoreImportResult{}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r Round
		if err := tx.Clauses(lockRow()).Take(&r, id).Error; err != nil {
			return err
		}
		pv, err := s.checkImport(tx, u, id, importID)
		if err != nil {
			return err
		}
		if pv.Import.CommittedAt != nil {
			res.AlreadyCommitted = true
			return nil
		}
		if !Editable(r.State) {
			return apperr.New(apperr.Invalid, "selection.err.not_editable")
		}
		if pv.Stale {
			return apperr.New(apperr.Invalid, "import.err.stale")
		}
		if pv.FileError != nil || pv.ErrorCount > 0 {
			return errRefusedImport
		}
		now := s.clock()
		claim := tx.Model(&ScoreImport{}).Where("id = ? AND committed_at IS NULL", importID).Update("committed_at", now)
		if claim.Error != nil {
			return claim.Error
		}
		if claim.RowsAffected == 0 {
			res.AlreadyCommitted = true
			return nil
		}
		for _, ch := range pv.Changes {
			for _, c := range pv.Round.Components {
				next, ok := ch.After[c.ID]
				if !ok || next == nil {
					continue
				}
				prev := ch.Before[c.ID]
				if prev != nil && *prev == *next {
					continue
				}
				if err := s.writeScore(tx, u, id, ch.ApplicationID, c, prev, *next, importID, now); err != nil {
					return err
				}
			}
		}
		res.Committed, res.Applicants, res.Values = true, len(pv.Changes), pv.Values
		return s.record(tx, u, "selection.score.import", id, map[string]any{"import_id": importID, "file": pv.Import.FileName,
			"applicants": res.Applicants, "values": res.Values})
	})
	if errors.Is(err, errRefusedImport) {
		return res, nil
	}
	if err != nil {
		return nil, wrap(err, "commit score import")
	}
	return res, nil
}

// writeScore sets one value and audits it as SetScores does, naming the
// file it came from.
func (s *Service) writeScore(tx *gorm.DB, u *user.User, id, appID int64, c Component, prev *int, next int, importID int64, now time.Time) error {
	if prev != nil {
		if err := tx.Model(&Score{}).Where("round_id = ? AND application_id = ? AND component_id = ?", id, appID, c.ID).
			Updates(map[string]any{"value_centi": next, "updated_by": u.ID, "updated_at": now}).Error; err != nil {
			return err
		}
	} else if err := tx.Create(&Score{RoundID: id, ApplicationID: appID, ComponentID: c.ID, ValueCenti: next, UpdatedBy: u.ID, UpdatedAt: now}).Error; err != nil {
		return err
	}
	detail := map[string]any{"application_id": appID, "component": c.NameEN, "from": "", "to": FormatCenti(next), "import_id": importID}
	if prev != nil {
		detail["from"] = FormatCenti(*prev)
	}
	return s.record(tx, u, "selection.score.set", id, detail)
}

// ScoreSheet is round id's applicants with their current values, in the
// import's columns, for the office to fill in and upload again. An
// applicant without a student number is left out: the file could not name
// them, and their row would refuse the whole file.
func (s *Service) ScoreSheet(ctx context.Context, u *user.User, id int64) (sheet.Table, error) {
	if !isOffice(u) {
		return sheet.Table{}, errNotFound
	}
	f, list, err := s.Applicants(ctx, u, id)
	if err != nil {
		return sheet.Table{}, err
	}
	t := sheet.Table{Name: "scores", Columns: []string{StudentColumn, NameColumn}, Numeric: map[string]bool{}}
	for _, c := range f.Components {
		t.Columns = append(t.Columns, c.NameEN)
		t.Numeric[c.NameEN] = true
	}
	numbers := map[int64]string{}
	var rows []struct {
		ID            int64
		StudentNumber *string
	}
	if len(list) > 0 {
		ids := make([]int64, len(list))
		for i, a := range list {
			ids[i] = a.ApplicationID
		}
		if err := s.db.WithContext(ctx).Table("applications AS a").Select("a.id, u.student_number").
			Joins("JOIN users AS u ON u.id = a.applicant_id").Where("a.id IN ?", ids).Scan(&rows).Error; err != nil {
			return sheet.Table{}, wrap(err, "score sheet")
		}
	}
	for _, r := range rows {
		if r.StudentNumber != nil {
			numbers[r.ID] = *r.StudentNumber
		}
	}
	for _, a := range list {
		if numbers[a.ApplicationID] == "" {
			continue // no way to name them in a file: they are scored by hand
		}
		row := []string{numbers[a.ApplicationID], a.Name}
		for _, c := range f.Components {
			v := ""
			if x, ok := a.Values[c.ID]; ok {
				v = FormatCenti(x)
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
