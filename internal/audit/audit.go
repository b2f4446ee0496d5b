// Package audit writes the append-only record of security-relevant events:
// sign-ins, sign-outs, refused sign-ins, and later who opened which document.
package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
)

// Actions recorded by the foundation.
const (
	SignIn        = "auth.sign_in"
	SignOut       = "auth.sign_out"
	SignInRefused = "auth.sign_in_refused"
	SessionExpiry = "auth.session_expired"
	RoleGranted   = "user.role_granted"
	RoleRevoked   = "user.role_revoked"
)

// Meta is where a request came from.
type Meta struct {
	IP, UserAgent, RequestID string
}

// Event is one audit record.
type Event struct {
	ID         int64
	At         time.Time
	ActorID    *int64
	Action     string
	ObjectType string
	ObjectID   string
	IP         string
	UserAgent  string
	RequestID  string
	Detail     string
}

// TableName is the table of events.
func (Event) TableName() string { return "audit_events" }

// New fills an event from its parts; detail is stored as JSON.
func New(at time.Time, actor *int64, action string, m Meta, detail map[string]any) Event {
	e := Event{At: at, ActorID: actor, Action: action, IP: m.IP, UserAgent: truncate(m.UserAgent, 300), RequestID: m.RequestID}
	if len(detail) > 0 {
		b, _ := json.Marshal(detail)
		e.Detail = string(b)
	}
	return e
}

// On names the object an event is about.
func (e Event) On(objectType string, id int64) Event {
	e.ObjectType, e.ObjectID = objectType, strconv.FormatInt(id, 10)
	return e
}

// Write stores e through tx, so that an event and the change it records
// commit together.
func Write(tx *gorm.DB, e Event) error {
	if err := tx.Create(&e).Error; err != nil {
		return apperr.Internalf("write audit event %s: %w", e.Action, err)
	}
	return nil
}

// Log writes events on its own.
type Log struct{ db *db.DB }

// NewLog returns a Log on d.
func NewLog(d *db.DB) *Log { return &Log{db: d} }

// Record stores e.
func (l *Log) Record(ctx context.Context, e Event) error { return Write(l.db.WithContext(ctx), e) }

// Listed is an event with the name of its actor.
type Listed struct {
	Event
	ActorName  string
	ActorEmail string
}

// List returns the newest events first, at most limit, optionally of one
// action and only those before the event id before (keyset pagination).
func (l *Log) List(ctx context.Context, action string, before int64, limit int) ([]Listed, error) {
	q := l.db.WithContext(ctx).Table("audit_events").
		Select("audit_events.*, COALESCE(users.name, '') AS actor_name, COALESCE(users.email, '') AS actor_email").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id").
		Order("audit_events.id DESC").Limit(limit)
	if action != "" {
		q = q.Where("audit_events.action = ?", action)
	}
	if before > 0 {
		q = q.Where("audit_events.id < ?", before)
	}
	var out []Listed
	if err := q.Scan(&out).Error; err != nil {
		return nil, apperr.Internalf("list audit events: %w", err)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
