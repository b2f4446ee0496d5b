package privacy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/user"
)

// Notice is a privacy notice at collection (PDPA Art. 8, GDPR Art. 13):
// what is collected, why, who sees it, for how long, the person's rights.
// Its text is in the translations under privacy.notice.<kind>.*; Version
// changes whenever that text does, and everyone is asked again.
type Notice struct {
	Kind    string
	Version string
}

// The notices: the general one at first sign-in, and the health one
// before a health document is first uploaded.
var (
	GeneralNotice = Notice{Kind: "general", Version: "2026-12"}
	HealthNotice  = Notice{Kind: "health", Version: "2026-12"}
	Notices       = []Notice{GeneralNotice, HealthNotice}
)

func noticeOf(kind string) (Notice, bool) {
	for _, n := range Notices {
		if n.Kind == kind {
			return n, true
		}
	}
	return Notice{}, false
}

type noticeAck struct {
	UserID         int64
	Notice         string
	Version        string
	AcknowledgedAt time.Time
}

func (noticeAck) TableName() string { return "privacy_notice_acks" }

// NoticeState is a notice as one person stands with it.
type NoticeState struct {
	Notice
	AckedAt *time.Time // when they acknowledged the current version; nil if not yet
	Earlier []string   // older versions they acknowledged
}

// Acknowledge records that u read the current version of notice kind. A
// second acknowledgement of the same version changes nothing.
func (s *Service) Acknowledge(ctx context.Context, u *user.User, kind string, m audit.Meta) error {
	n, ok := noticeOf(kind)
	if !ok {
		return apperr.New(apperr.Invalid, "privacy.error.notice")
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&noticeAck{UserID: u.ID, Notice: n.Kind, Version: n.Version, AcknowledgedAt: s.now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return audit.Write(tx, audit.New(s.now(), &u.ID, ActionNoticeAcknowledged, m,
			map[string]any{"notice": n.Kind, "version": n.Version}).On("user", u.ID))
	}), "acknowledge notice")
}

// NoticeStates lists every notice and where uid stands with it.
func (s *Service) NoticeStates(ctx context.Context, uid int64) ([]NoticeState, error) {
	var acks []noticeAck
	if err := s.db.WithContext(ctx).Where("user_id = ?", uid).Order("acknowledged_at").Find(&acks).Error; err != nil {
		return nil, wrap(err, "list notice acknowledgements")
	}
	out := make([]NoticeState, len(Notices))
	for i, n := range Notices {
		out[i].Notice = n
		for _, a := range acks {
			switch {
			case a.Notice != n.Kind:
			case a.Version == n.Version:
				at := a.AcknowledgedAt
				out[i].AckedAt = &at
			default:
				out[i].Earlier = append(out[i].Earlier, a.Version)
			}
		}
	}
	return out, nil
}

// Pending reports whether uid has yet to acknowledge the current version
// of notice kind.
// An acknowledgement is never taken back, so once found it is remembered
// and the check costs no query on the pages that follow.
func (s *Service) Pending(ctx context.Context, uid int64, kind string) (bool, error) {
	n, _ := noticeOf(kind)
	key := fmt.Sprintf("%d/%s/%s", uid, n.Kind, n.Version)
	if _, ok := s.acked.Load(key); ok {
		return false, nil
	}
	var c int64
	err := s.db.WithContext(ctx).Model(&noticeAck{}).Where("user_id = ? AND notice = ? AND version = ?", uid, n.Kind, n.Version).Count(&c).Error
	if err == nil && c > 0 {
		s.acked.Store(key, true)
	}
	return c == 0, wrap(err, "check notice")
}

// ReadyForHealth is asked before a document of type typ is uploaded: a
// health document needs the health notice acknowledged first. ack is the
// upload form's "I have read the health notice": it acknowledges now. A
// refusal is an invalid form with the reason on the type.
func (s *Service) ReadyForHealth(ctx context.Context, u *user.User, typ string, ack bool, m audit.Meta) error {
	if !IsHealth(typ) {
		return nil
	}
	pending, err := s.Pending(ctx, u.ID, HealthNotice.Kind)
	if err != nil || !pending {
		return err
	}
	if !ack {
		return &apperr.Error{Code: apperr.Invalid, Key: "form.invalid",
			Fields: apperr.Fields{"type": {Key: "privacy.error.health_notice_first"}}}
	}
	return s.Acknowledge(ctx, u, HealthNotice.Kind, m)
}
