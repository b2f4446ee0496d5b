package catalog

// Writing an import: ImportElectives for rows in hand, and the stored
// uploads (SaveImport, PreviewImport, CommitImport) that let any replica
// commit what another previewed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
)

// AuditImportCommit is the audit action of a committed import.
const AuditImportCommit = "catalog.import.commit"

const (
	// ImportTTL is how long an upload may wait for its commit; after that
	// the catalog may have changed too much for its preview to hold.
	ImportTTL = 24 * time.Hour
	// importKeep is when stored uploads, committed or not, are dropped.
	importKeep = 7 * 24 * time.Hour
)

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
		res, _, _, err := s.checkRows(s.db.WithContext(ctx), rows)
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
	res, electives, periods, err := s.checkRows(tx, rows)
	if err != nil {
		return nil, err
	}
	if res.ErrorCount > 0 {
		return res, errRollback
	}
	if err := s.insertElectives(tx, electives, periods); err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}

// insertElectives creates the electives that checkRows built, and then
// their periods, in batches through tx.
func (s *Service) insertElectives(tx *gorm.DB, electives []Elective, periods [][]Period) error {
	if len(electives) == 0 {
		return nil
	}
	batch := s.importBatch()
	if err := tx.CreateInBatches(&electives, batch).Error; err != nil {
		return err
	}
	var all []Period
	for i, ps := range periods {
		for _, p := range ps {
			p.ElectiveID = electives[i].ID
			all = append(all, p)
		}
	}
	if len(all) > 0 {
		return tx.CreateInBatches(&all, batch).Error
	}
	return nil
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
	// An import is one transaction by design (all rows or none), so it
	// gets minutes, not the seconds a page gets from the database
	// timeouts; the deadline replaces the per-statement default.
	ctx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	var res *ImportResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.db.Dialect == db.Postgres {
			if err := tx.Exec(fmt.Sprintf("SET LOCAL statement_timeout = %d", importTimeout.Milliseconds())).Error; err != nil {
				return err
			}
		}
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

// importTimeout bounds committing one import.
const importTimeout = 5 * time.Minute
