package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/document"
	"portal/internal/user"
)

// Retention kinds: each kind of record kept for a number of days after its
// purpose ended (PDPA Art. 11(3): delete when the purpose ends; GDPR Art.
// 5(1)(e)).
const (
	KindDocuments     = "documents"           // after the owner's last placement ended, with no case open
	KindRejected      = "closed_applications" // statements of rejected, withdrawn or declined applications, after closing
	KindNotifications = "notifications"       // the bell's entries, after they were made
	KindSessions      = "sessions"            // sessions, after they expired
	KindSigninLinks   = "signin_links"        // sign-in links, after they expired
)

// DefaultRules are the retention days of each kind when nobody set them.
var DefaultRules = []Rule{
	{Kind: KindDocuments, Days: 365},
	{Kind: KindRejected, Days: 730},
	{Kind: KindNotifications, Days: 365},
	{Kind: KindSessions, Days: 7},
	{Kind: KindSigninLinks, Days: 7},
}

// Rule is how many days one kind of record is kept.
type Rule struct {
	Kind    string
	Days    int
	Default int  // the default days
	Set     bool // changed by the office
}

type ruleRow struct {
	Kind      string `gorm:"primaryKey"`
	Days      int
	UpdatedAt time.Time
}

func (ruleRow) TableName() string { return "retention_rules" }

// Rules lists the retention rules in force: the office's setting, else the
// configuration's, else the default.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	var set []ruleRow
	if err := s.db.WithContext(ctx).Find(&set).Error; err != nil {
		return nil, wrap(err, "list retention rules")
	}
	out := make([]Rule, len(DefaultRules))
	for i, r := range DefaultRules {
		out[i] = Rule{Kind: r.Kind, Days: r.Days, Default: r.Days}
		if d, ok := s.rules[r.Kind]; ok && d > 0 {
			out[i].Days = d
		}
		for _, x := range set {
			if x.Kind == r.Kind {
				out[i].Days, out[i].Set = x.Days, true
			}
		}
	}
	return out, nil
}

// SetRule sets the days of kind (the office's setting).
func (s *Service) SetRule(ctx context.Context, u *user.User, kind string, days int, m audit.Meta) error {
	if !isOffice(u) {
		return errNotFound
	}
	known := false
	for _, r := range DefaultRules {
		known = known || r.Kind == kind
	}
	if !known {
		return apperr.New(apperr.Invalid, "privacy.error.kind")
	}
	if days < 1 || days > 36500 {
		f := apperr.Fields{}
		f.Add("days_"+kind, "privacy.error.days")
		return f.Err()
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}}, DoUpdates: clause.AssignmentColumns([]string{"days", "updated_at"})}).
			Create(&ruleRow{Kind: kind, Days: days, UpdatedAt: s.now()}).Error
		if err != nil {
			return err
		}
		return audit.Write(tx, audit.New(s.now(), &u.ID, "privacy.retention_rule", m, map[string]any{"kind": kind, "days": days}))
	}), "set retention rule")
}

// Due is what one kind of record has passed its retention.
type Due struct {
	Kind  string
	Days  int
	Count int
	Items []string // what goes, for the dry run's listing (at most 50)
}

// Report is what a retention run found, and did unless it was dry.
type Report struct {
	At  time.Time
	Dry bool
	Due []Due
}

// dueItem is one record due, with how to erase it.
type dueItem struct {
	label string
	key   string // a stored file to delete after the commit
	erase func(tx *gorm.DB) error
}

// terminal are the statuses of a case that is over.
var terminal = []string{"completed", "rejected", "withdrawn", "declined", "expired"}

// due finds, per kind, the records past their retention on now.
func (s *Service) due(ctx context.Context, now time.Time) (map[string][]dueItem, []Rule, error) {
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, nil, err
	}
	db := s.db.WithContext(ctx)
	out := map[string][]dueItem{}
	for _, r := range rules {
		cut := now.AddDate(0, 0, -r.Days)
		var items []dueItem
		switch r.Kind {
		case KindDocuments:
			items, err = s.dueDocuments(db, cut)
		case KindRejected:
			var ids []int64
			err = db.Raw(`SELECT id FROM applications WHERE status IN ('rejected', 'withdrawn', 'declined', 'expired')
				AND COALESCE(closed_at, updated_at) < ? AND (statement <> '' OR report <> '') ORDER BY id`, cut).Scan(&ids).Error
			for _, id := range ids {
				items = append(items, dueItem{label: fmt.Sprintf("application %d", id), erase: func(tx *gorm.DB) error {
					return tx.Exec(`UPDATE applications SET statement = '', report = '' WHERE id = ?`, id).Error
				}})
			}
		case KindNotifications:
			items, err = deleteRows(db, "notifications", "created_at < ?", cut)
		case KindSessions:
			items, err = deleteRows(db, "sessions", "expires_at < ?", cut)
		case KindSigninLinks:
			items, err = deleteRows(db, "signin_links", "expires_at < ?", cut)
		}
		if err != nil {
			return nil, nil, wrap(err, "find due "+r.Kind)
		}
		out[r.Kind] = items
	}
	return out, rules, nil
}

// deleteRows is one item for every row of table matching where, erased
// together: these rows carry no files and are many.
func deleteRows(db *gorm.DB, table, where string, args ...any) ([]dueItem, error) {
	var n int64
	if err := db.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	items := make([]dueItem, n)
	for i := range items {
		items[i].label = table
	}
	items[0].erase = func(tx *gorm.DB) error { return tx.Exec("DELETE FROM "+table+" WHERE "+where, args...).Error }
	return items, nil
}

// dueDocuments are the documents whose owners' last placement ended (or,
// without one, whose upload was) before cut, when the owner has no case
// still open.
func (s *Service) dueDocuments(db *gorm.DB, cut time.Time) ([]dueItem, error) {
	var docs []document.Document
	if err := db.Where("deleted_at IS NULL AND uploaded_at < ?", cut).Order("id").Find(&docs).Error; err != nil {
		return nil, err
	}
	var items []dueItem
	owners := map[int64]bool{}
	for _, d := range docs {
		ok, seen := owners[d.OwnerID]
		if !seen {
			var open, recent int64
			err := db.Raw(`SELECT (SELECT COUNT(*) FROM applications WHERE applicant_id = ? AND status NOT IN ?) +
				(SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ? AND status NOT IN ?)`, d.OwnerID, terminal, d.OwnerID, terminal).Scan(&open).Error
			if err != nil {
				return nil, err
			}
			// the last placement's end: an outgoing period, an incoming request's weeks
			err = db.Raw(`SELECT (SELECT COUNT(*) FROM applications a JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice
				JOIN periods p ON p.id = c.period_id WHERE a.applicant_id = ? AND a.status = 'completed' AND p.ends_on >= ?) +
				(SELECT COUNT(*) FROM rotation_requests r WHERE r.applicant_id = ? AND r.status = 'completed' AND r.completed_at >= ?)`,
				d.OwnerID, cut, d.OwnerID, cut).Scan(&recent).Error
			if err != nil {
				return nil, err
			}
			ok = open == 0 && recent == 0
			owners[d.OwnerID] = ok
		}
		if !ok {
			continue
		}
		id := d.ID
		items = append(items, dueItem{label: fmt.Sprintf("document %d (%s, owner %d)", d.ID, d.Type, d.OwnerID), key: d.StorageKey,
			erase: func(tx *gorm.DB) error {
				return tx.Exec(`UPDATE documents SET deleted_at = ?, file_name = 'erased' WHERE id = ? AND deleted_at IS NULL`, s.now(), id).Error
			}})
	}
	return items, nil
}

// Retain runs the retention rules on now: a dry run lists what is due and
// changes nothing; otherwise everything due is erased in one transaction
// with its audit entry, and the files are deleted from storage after the
// commit. actor is nil for the daily job.
func (s *Service) Retain(ctx context.Context, actor *user.User, dry bool, m audit.Meta) (*Report, error) {
	if actor != nil && !isOffice(actor) {
		return nil, errNotFound
	}
	now := s.now()
	items, rules, err := s.due(ctx, now)
	if err != nil {
		return nil, err
	}
	rep := &Report{At: now, Dry: dry}
	var keys []string
	for _, r := range rules {
		d := Due{Kind: r.Kind, Days: r.Days, Count: len(items[r.Kind])}
		for i, it := range items[r.Kind] {
			if i < 50 && (it.key != "" || i == 0 || it.label != items[r.Kind][i-1].label) {
				d.Items = append(d.Items, it.label)
			}
			if it.key != "" {
				keys = append(keys, it.key)
			}
		}
		rep.Due = append(rep.Due, d)
	}
	var actorID *int64
	if actor != nil {
		actorID = &actor.ID
	}
	detail, _ := json.Marshal(rep)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if !dry {
			for _, r := range rules {
				for _, it := range items[r.Kind] {
					if it.erase != nil {
						if err := it.erase(tx); err != nil {
							return err
						}
					}
				}
			}
		}
		counts := map[string]any{"dry": dry}
		for _, d := range rep.Due {
			counts[d.Kind] = d.Count
		}
		if err := tx.Exec(`INSERT INTO retention_runs (dry, started_at, report) VALUES (?, ?, ?)`, dry, now, string(detail)).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, actorID, ActionRetention, m, counts))
	})
	if err != nil {
		return nil, wrap(err, "retention run")
	}
	if !dry {
		s.forget(ctx, keys)
	}
	return rep, nil
}

// RetainDaily is the daily job: the first replica to claim the day (a
// unique row in retention_runs) runs the rules; the others find it taken
// and return false.
func (s *Service) RetainDaily(ctx context.Context) (bool, *Report, error) {
	day := s.zone.Date(s.now())
	res := s.db.WithContext(ctx).Exec(`INSERT INTO retention_runs (day, dry, started_at, report) VALUES (?, ?, ?, '') ON CONFLICT (day) DO NOTHING`,
		day, false, s.now())
	if res.Error != nil {
		return false, nil, wrap(res.Error, "claim retention day")
	}
	if res.RowsAffected == 0 {
		return false, nil, nil
	}
	rep, err := s.Retain(ctx, nil, false, audit.Meta{RequestID: "retention-" + day})
	return true, rep, err
}

// LastRuns lists the latest retention runs, newest first.
func (s *Service) LastRuns(ctx context.Context, limit int) ([]Report, error) {
	var rows []struct {
		Report string
	}
	if err := s.db.WithContext(ctx).Table("retention_runs").Where("report <> ''").Order("id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "list retention runs")
	}
	out := make([]Report, 0, len(rows))
	for _, r := range rows {
		var rep Report
		if json.Unmarshal([]byte(r.Report), &rep) == nil {
			out = append(out, rep)
		}
	}
	return out, nil
}

func slogError(msg, key string, err error) { slog.Error(msg, "key", key, "err", err) }
