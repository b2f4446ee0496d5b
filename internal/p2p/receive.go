package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/rotation"
	"portal/internal/user"
)

// nonce is one nonce a partner key used.
type nonce struct {
	PublicKey string `gorm:"primaryKey;autoIncrement:false"`
	Nonce     string `gorm:"primaryKey;autoIncrement:false"`
	SeenAt    time.Time
}

func (nonce) TableName() string { return "p2p_nonces" }

// authenticate finds the partner whose key signed m and checks the
// signature, the clock and the nonce. The nonce is recorded in a
// transaction of its own: a replay is refused even when the first request
// then failed, and the sender retries with a new nonce.
func (s *Service) authenticate(ctx context.Context, m Signed) (*Partner, error) {
	var p Partner
	err := s.db.WithContext(ctx).Where("public_key = ?", m.Key).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || m.Key == "" {
		return nil, apperr.New(apperr.Unauthorized, ErrUnknownKey)
	} else if err != nil {
		return nil, wrap(err, "find partner key")
	}
	pub, err := base64.StdEncoding.DecodeString(p.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, apperr.New(apperr.Unauthorized, ErrUnknownKey)
	}
	if code := verify(m, pub, s.clock()); code != "" {
		return nil, apperr.New(apperr.Unauthorized, code)
	}
	n := nonce{PublicKey: p.PublicKey, Nonce: m.Nonce, SeenAt: s.clock()}
	// A nonce seen before is a replay: the primary key refuses it, however
	// many copies arrive at once.
	res := s.db.WithContext(ctx).Exec("INSERT INTO p2p_nonces (public_key, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		n.PublicKey, n.Nonce, n.SeenAt)
	if res.Error != nil {
		return nil, wrap(res.Error, "record nonce")
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.Unauthorized, ErrReplay)
	}
	return &p, nil
}

// Created is the answer to a nomination: the request it made here.
type Created struct {
	Request string `json:"request"` // rotation.Ref
}

// ReceiveNomination makes an incoming rotation request of a partner
// portal's signed nomination. The student has no account here: like a
// partner student, they are a person of role incoming, under an issuer
// that names the partner portal ("p2p:<base URL>") and that no sign-in
// provider of this portal has, so nobody signs in as them; their shared
// documents go into their wallet, and the request is created and
// submitted through the rotation workflow, so that it meets the same
// rules and reaches the same coordinators as any other. The same
// nomination again (a retry) answers with the request it made.
func (s *Service) ReceiveNomination(ctx context.Context, m Signed) (*Created, error) {
	p, err := s.authenticate(ctx, m)
	if err != nil {
		return nil, err
	}
	var n Nomination
	dec := json.NewDecoder(bytes.NewReader(m.Body))
	if err := dec.Decode(&n); err != nil || n.ID == "" || len(n.ID) > 100 || strings.TrimSpace(n.NameLatin) == "" {
		return nil, apperr.New(apperr.Invalid, ErrMessage)
	}
	var prior []received
	if err := s.db.WithContext(ctx).Where("partner_id = ? AND remote_id = ?", p.ID, n.ID).Limit(1).Find(&prior).Error; err != nil {
		return nil, wrap(err, "find received")
	}
	if len(prior) > 0 {
		return &Created{Request: rotation.Ref(prior[0].RequestID)}, nil
	}
	start, ok1 := catalog.Date(n.StartsOn)
	end, ok2 := catalog.Date(n.EndsOn)
	if !ok1 || !ok2 || end.Before(start) {
		return nil, apperr.New(apperr.Invalid, ErrMessage)
	}
	dep, err := s.department(ctx, n.Specialty)
	if err != nil {
		return nil, err
	}
	// The documents a request needs are checked before anything is
	// written, so that a nomination without them leaves no trace here.
	have := map[string]bool{}
	for _, d := range n.Documents {
		have[d.Type] = true
	}
	for _, typ := range rotation.RequiredDocs {
		if !have[typ] {
			return nil, apperr.New(apperr.Invalid, ErrDocuments, typ)
		}
	}
	name := strings.TrimSpace(n.NameLatin)
	if nat := strings.TrimSpace(n.NameNative); nat != "" && nat != name {
		name += " " + nat
	}
	u, err := s.users.SignIn(ctx, user.Identity{Issuer: "p2p:" + p.BaseURL, Subject: n.ID, Email: n.Email, Name: name,
		Locale: "en", Roles: []user.Role{user.Incoming}}, s.clock())
	if err != nil {
		return nil, err
	}
	meta := audit.Meta{UserAgent: "partner portal " + p.BaseURL}
	var docs []int64
	for _, d := range n.Documents {
		raw, err := base64.StdEncoding.DecodeString(d.Content)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, ErrMessage)
		}
		r, err := s.docs.Receive(ctx, document.File{Name: d.FileName, DeclaredType: d.MediaType, Body: bytes.NewReader(raw)})
		if err != nil {
			return nil, err
		}
		doc, _, err := s.docs.Add(ctx, u.ID, document.Input{Type: d.Type, ExpiresOn: d.ExpiresOn}, r, meta)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc.ID)
	}
	// Weeks from the Monday of the first day through the last day.
	monday := rotation.Monday(start)
	weeks := int(end.Sub(monday).Hours()/24)/7 + 1
	sum := sha256.Sum256([]byte(p.PublicKey + "|" + n.ID))
	key := "p2p-" + hex.EncodeToString(sum[:12])
	statement := n.Statement
	if len(statement) > rotation.MaxStatement {
		statement = statement[:rotation.MaxStatement]
	}
	r, err := s.rotations.CreateDraft(ctx, u, rotation.DraftInput{Key: key, Statement: statement, Documents: docs,
		Choices: []rotation.ChoiceInput{{DepartmentID: dep, StartsOn: monday.Format(time.DateOnly), Weeks: strconv.Itoa(weeks)}}})
	if err != nil {
		return nil, err
	}
	if r.Status == rotation.Draft {
		if r, err = s.rotations.Submit(ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: key}); err != nil {
			return nil, err
		}
	}
	err = s.db.WithContext(ctx).Exec("INSERT INTO p2p_received (request_id, partner_id, remote_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		r.ID, p.ID, n.ID, s.clock()).Error
	if err != nil {
		return nil, wrap(err, "record received")
	}
	return &Created{Request: rotation.Ref(r.ID)}, nil
}

// department is the live department named by specialty (its English name
// or code, in any case): a nomination names the elective's specialty,
// which the two portals' catalogs share.
func (s *Service) department(ctx context.Context, specialty string) (int64, error) {
	sp := strings.ToLower(strings.TrimSpace(specialty))
	var ids []int64
	err := s.db.WithContext(ctx).Table("departments").Where("retired_at IS NULL AND (LOWER(name_en) = ? OR LOWER(code) = ?)", sp, sp).
		Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return 0, wrap(err, "find department")
	}
	if sp == "" || len(ids) == 0 {
		return 0, apperr.New(apperr.Invalid, ErrDepartment)
	}
	return ids[0], nil
}

// Origin is the partner institution a request came from through its
// portal, "" for any other request.
func (s *Service) Origin(ctx context.Context, requestID int64) (string, error) {
	var names []string
	err := s.db.WithContext(ctx).Table("p2p_received r").Joins("JOIN p2p_partners p ON p.id = r.partner_id").
		Joins("JOIN institutions i ON i.id = p.institution_id").Where("r.request_id = ?", requestID).Limit(1).Pluck("i.name_en", &names).Error
	if err != nil || len(names) == 0 {
		return "", wrap(err, "request origin")
	}
	return names[0], nil
}

// ReceiveDecision records a host portal's signed decision on a nomination
// sent to it, as the Host party's answer, once: the nomination's p2p_sent
// row is spent in the answer's transaction, so a second decision, or the
// same again, changes nothing.
func (s *Service) ReceiveDecision(ctx context.Context, m Signed) error {
	p, err := s.authenticate(ctx, m)
	if err != nil {
		return err
	}
	var d Decision
	if err := json.Unmarshal(m.Body, &d); err != nil {
		return apperr.New(apperr.Invalid, ErrMessage)
	}
	var id int64
	var rank int
	if _, err := fmt.Sscanf(d.ID, "%d-%d", &id, &rank); err != nil {
		return apperr.New(apperr.Invalid, ErrMessage)
	}
	var st sent
	err = s.db.WithContext(ctx).Where("application_id = ? AND choice_rank = ? AND partner_id = ?", id, rank, p.ID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.New(apperr.NotFound, ErrNotSent)
	} else if err != nil {
		return wrap(err, "find sent nomination")
	}
	if st.AnsweredAt != nil {
		return apperr.New(apperr.Conflict, ErrAnswered)
	}
	var a application.Application
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return wrap(err, "read application")
	}
	var inst []string
	if err := s.db.WithContext(ctx).Table("institutions").Where("id = ?", p.InstitutionID).Pluck("name_en", &inst).Error; err != nil || len(inst) == 0 {
		return wrap(errors.Join(err, gorm.ErrRecordNotFound), "read partner")
	}
	_, err = s.apps.AnswerAsHost(ctx, id, application.HostAnswer{
		HostDecisionInput: application.HostDecisionInput{Version: a.Version, Rank: rank, Decision: d.Decision, Comment: d.Comment},
		Via:               ViaPrefix + inst[0],
		Spend: func(tx *gorm.DB) error {
			res := tx.Model(&sent{}).Where("application_id = ? AND choice_rank = ? AND answered_at IS NULL", id, rank).
				Update("answered_at", s.clock())
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return apperr.New(apperr.Conflict, ErrAnswered)
			}
			return nil
		},
	})
	return err
}

// nonceKept is how long a nonce is remembered. A request is accepted only
// within Skew of its timestamp, and its timestamp within Skew of the
// clock when it first arrived, so after twice Skew a replay is refused by
// the clock alone; a third Skew is margin for clocks that step.
const nonceKept = 3 * Skew

// PurgeNonces forgets the nonces no replay could use any more, so that
// the table holds minutes of traffic, not years.
func (s *Service) PurgeNonces(ctx context.Context) (int, error) {
	res := s.db.WithContext(ctx).Where("seen_at < ?", s.clock().Add(-nonceKept)).Delete(&nonce{})
	if res.Error != nil {
		return 0, wrap(res.Error, "purge nonces")
	}
	return int(res.RowsAffected), nil
}
