package audit

import (
	"context"
	"strings"
	"time"

	"portal/internal/apperr"
)

// The log an administrator reads is the audit events together with the
// review events of outgoing applications and of incoming rotation
// requests. Those are already written, append-only, in the transaction of
// each transition (workflow.Flow.Run), with who, role, from, to and when;
// copying them into audit_events would keep the same fact twice, and the
// decisions taken before this page existed would still be missing. So
// they are read alongside, one UNION ALL, and filtered and paged as one.

// Sources of entries.
const (
	SourceAudit       = "audit"
	SourceApplication = "application" // review_events
	SourceRotation    = "rotation"    // rotation_events
)

// Entry is one line of the log: an audit event or a workflow decision.
// A decision's Action is its source and workflow action
// ("application.approve"), its object the case, and From and To its stages.
type Entry struct {
	Source     string
	ID         int64
	At         time.Time
	ActorID    *int64
	ActorName  string
	ActorEmail string
	Action     string
	ObjectType string
	ObjectID   string
	IP         string
	Detail     string // JSON, for audit events
	Role       string // the actor's part in a decision
	From, To   string
}

// Filter narrows the log. Empty fields do not filter.
type Filter struct {
	Who        string // part of the actor's name or e-mail, any case
	Action     string // an action ("auth.sign_in") or a group ("auth", "application")
	ObjectType string
	ObjectID   string
	From       time.Time // at or after
	Until      time.Time // before
}

// entries is the union of the three sources in one shape. Stage and role
// columns are empty for audit events, address and detail for decisions.
const entries = `
SELECT 'audit' AS source, id, at, actor_id, action, object_type, object_id, ip, detail,
       '' AS role, '' AS from_stage, '' AS to_stage
  FROM audit_events
UNION ALL
SELECT 'application', id, at, actor_id, 'application.' || action, 'application', CAST(application_id AS TEXT), '', '',
       role, from_stage, to_stage
  FROM review_events
UNION ALL
SELECT 'rotation', id, at, actor_id, 'rotation.' || action, 'rotation_request', CAST(request_id AS TEXT), '', '',
       role, from_stage, to_stage
  FROM rotation_events`

// Entries returns the entries f admits, newest first, from offset on, at
// most limit.
func (l *Log) Entries(ctx context.Context, f Filter, offset, limit int) ([]Entry, error) {
	q := l.db.WithContext(ctx).Table("(" + entries + ") AS e").
		Select("e.source, e.id, e.at, e.actor_id, e.action, e.object_type, e.object_id, e.ip, e.detail, e.role, e.from_stage AS \"from\", e.to_stage AS \"to\", " +
			"COALESCE(users.name, '') AS actor_name, COALESCE(users.email, '') AS actor_email").
		Joins("LEFT JOIN users ON users.id = e.actor_id").
		Order("e.at DESC, e.source, e.id DESC").Offset(offset).Limit(limit)
	if w := strings.ToLower(strings.TrimSpace(f.Who)); w != "" {
		like := "%" + escapeLike(w) + "%"
		q = q.Where("(LOWER(users.name) LIKE ? ESCAPE '\\' OR LOWER(users.email) LIKE ? ESCAPE '\\')", like, like)
	}
	if a := strings.TrimSpace(f.Action); a != "" {
		q = q.Where("(e.action = ? OR e.action LIKE ? ESCAPE '\\')", a, escapeLike(a)+".%")
	}
	if f.ObjectType != "" {
		q = q.Where("e.object_type = ?", f.ObjectType)
	}
	if id := strings.TrimSpace(f.ObjectID); id != "" {
		q = q.Where("e.object_id = ?", id)
	}
	if !f.From.IsZero() {
		q = q.Where("e.at >= ?", f.From)
	}
	if !f.Until.IsZero() {
		q = q.Where("e.at < ?", f.Until)
	}
	var out []Entry
	if err := q.Scan(&out).Error; err != nil {
		return nil, apperr.Internalf("list audit entries: %w", err)
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
