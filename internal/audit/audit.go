// Package audit writes the append-only record of security-relevant events
// (sign-ins, sign-outs, refused sign-ins, who opened which document, role
// and catalog changes) and reads it back together with the workflow
// decisions (list.go).
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
