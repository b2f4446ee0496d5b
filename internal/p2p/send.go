package p2p

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/application"
	"portal/internal/rotation"
)

// job is one message waiting for a partner portal.
type job struct {
	ID        int64
	PartnerID int64
	Path      string
	Body      string
	DedupKey  string
	Attempts  int
	NextAt    time.Time
	SentAt    *time.Time
	FailedAt  *time.Time
	LastError string
	CreatedAt time.Time
}

func (job) TableName() string { return "p2p_jobs" }

// sent is a nomination sent to a partner portal.
type sent struct {
	ApplicationID int64 `gorm:"primaryKey;autoIncrement:false"`
	ChoiceRank    int   `gorm:"primaryKey;autoIncrement:false"`
	PartnerID     int64
	CreatedAt     time.Time
	AnsweredAt    *time.Time
}

func (sent) TableName() string { return "p2p_sent" }

// received is a rotation request a partner portal's nomination made here.
type received struct {
	RequestID int64 `gorm:"primaryKey;autoIncrement:false"`
	PartnerID int64
	RemoteID  string
	CreatedAt time.Time
}

func (received) TableName() string { return "p2p_received" }

// Retries of a message: the wait doubles from a minute up to an hour, and
// a message still refused after MaxAttempts is given up (the office then
// sends by hand, as for a partner without a portal).
const (
	MaxAttempts = 10
	lease       = 2 * time.Minute // a claimed message is tried again after this if its sender died
)

// nominationJob is the body of a nomination's job: which nomination. The
// message itself is built when it is sent, from the documents the student
// shares at that moment.
type nominationJob struct {
	ApplicationID int64 `json:"application_id"`
	Rank          int   `json:"rank"`
}

// Decision is the message a host portal sends back.
type Decision struct {
	ID       string `json:"id"`       // the nomination's id as the sender of the nomination gave it
	Decision string `json:"decision"` // application.HostDecision*
	Comment  string `json:"comment"`
}

// decisionOf is what each move of the incoming workflow answers a partner.
var decisionOf = map[rotation.Action]string{
	rotation.Accept:   application.HostDecisionAccepted,
	rotation.Reject:   application.HostDecisionRejected,
	rotation.Waitlist: application.HostDecisionWaitlisted,
}

// Announce is the outbox hook of both workflows, called in the move's
// transaction: a nomination whose host has a trusted portal, and a
// decision on a request that came from one, each leave a job. kind and
// link are the workflow outbox's.
func (s *Service) Announce(tx *gorm.DB, kind string, data map[string]any, link string) error {
	switch {
	case kind == "application.nominate":
		id, err := strconv.ParseInt(strings.TrimPrefix(link, "/applications/"), 10, 64)
		if err != nil {
			return err
		}
		return s.nominated(tx, id)
	case strings.HasPrefix(kind, "rotation."):
		d, ok := decisionOf[rotation.Action(strings.TrimPrefix(kind, "rotation."))]
		if !ok {
			return nil
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(link, "/rotations/"), 10, 64)
		if err != nil {
			return err
		}
		comment, _ := data["comment"].(string)
		return s.decided(tx, id, d, comment)
	}
	return nil
}

// nominated leaves the nomination's job when the host of application id's
// current choice has a trusted portal.
func (s *Service) nominated(tx *gorm.DB, id int64) error {
	var row struct {
		PartnerID int64
		Rank      int
	}
	err := tx.Table("applications a").Select("p.id AS partner_id, a.current_choice AS rank").
		Joins("JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("JOIN electives e ON e.id = c.elective_id").
		Joins("JOIN p2p_partners p ON p.institution_id = e.institution_id").
		Where("a.id = ?", id).Limit(1).Scan(&row).Error
	if err != nil || row.PartnerID == 0 {
		return err
	}
	now := s.clock()
	st := sent{ApplicationID: id, ChoiceRank: row.Rank, PartnerID: row.PartnerID, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "application_id"}, {Name: "choice_rank"}},
		DoUpdates: clause.Assignments(map[string]any{"partner_id": row.PartnerID, "created_at": now, "answered_at": nil}),
	}).Create(&st).Error; err != nil {
		return err
	}
	body, _ := json.Marshal(nominationJob{ApplicationID: id, Rank: row.Rank})
	return s.enqueue(tx, row.PartnerID, PathNominations, body, fmt.Sprintf("nomination:%d:%d:%d", id, row.Rank, now.UnixNano()))
}

// decided leaves the decision's job when request id came from a partner
// portal.
func (s *Service) decided(tx *gorm.DB, id int64, decision, comment string) error {
	var rs []received
	if err := tx.Where("request_id = ?", id).Limit(1).Find(&rs).Error; err != nil || len(rs) == 0 {
		return err
	}
	body, _ := json.Marshal(Decision{ID: rs[0].RemoteID, Decision: decision, Comment: comment})
	return s.enqueue(tx, rs[0].PartnerID, PathDecisions, body, fmt.Sprintf("decision:%d:%s", id, decision))
}

func (s *Service) enqueue(tx *gorm.DB, partner int64, path string, body []byte, key string) error {
	now := s.clock()
	j := job{PartnerID: partner, Path: path, Body: string(body), DedupKey: key, NextAt: now, CreatedAt: now}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_key"}}, DoNothing: true}).Create(&j).Error
}

// Deliver sends the messages that are due and returns how many went. Any
// replica may call it: each message is claimed by a versioned update of
// its next_at (a lease), so one replica sends it, outside any transaction,
// and a replica that dies holding it gives it back when the lease ends.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	now := s.clock()
	var due []job
	if err := s.db.WithContext(ctx).Where("sent_at IS NULL AND failed_at IS NULL AND next_at <= ?", now).
		Order("next_at, id").Limit(20).Find(&due).Error; err != nil {
		return 0, wrap(err, "due partner messages")
	}
	n := 0
	for _, j := range due {
		res := s.db.WithContext(ctx).Model(&job{}).Where("id = ? AND next_at = ? AND sent_at IS NULL", j.ID, j.NextAt).
			Updates(map[string]any{"next_at": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return n, wrap(res.Error, "claim partner message")
		}
		if res.RowsAffected == 0 {
			continue // another replica has it
		}
		j.Attempts++
		err := s.send(ctx, &j)
		done := map[string]any{}
		var final refused
		switch {
		case err == nil:
			done["sent_at"] = s.clock()
			n++
		case errors.As(err, &final) || j.Attempts >= MaxAttempts:
			done["failed_at"], done["last_error"] = s.clock(), trim(err.Error())
		default:
			wait := time.Minute << min(j.Attempts-1, 6)
			done["next_at"], done["last_error"] = s.clock().Add(min(wait, time.Hour)), trim(err.Error())
		}
		if err := s.db.WithContext(context.WithoutCancel(ctx)).Model(&job{}).Where("id = ?", j.ID).Updates(done).Error; err != nil {
			return n, wrap(err, "record partner message")
		}
	}
	return n, nil
}

// refused is a partner's final refusal of a message: sending it again
// would not change the answer.
type refused struct{ msg string }

func (r refused) Error() string { return r.msg }

func trim(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// send signs and posts job j to its partner.
func (s *Service) send(ctx context.Context, j *job) error {
	var p Partner
	if err := s.db.WithContext(ctx).Take(&p, j.PartnerID).Error; err != nil {
		return err
	}
	body := []byte(j.Body)
	if j.Path == PathNominations {
		var nj nominationJob
		if err := json.Unmarshal(body, &nj); err != nil {
			return refused{err.Error()}
		}
		m, err := s.nominationMessage(ctx, nj.ApplicationID, nj.Rank)
		if err != nil {
			return err
		}
		if body, err = json.Marshal(m); err != nil {
			return err
		}
	}
	priv, _, err := s.ownKey(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.BaseURL+j.Path, bytes.NewReader(body))
	if err != nil {
		return refused{err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	sign(req, priv, body, s.clock())
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusConflict && strings.Contains(string(answer), ErrAnswered):
		return nil // answered already: the message did its work
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return refused{fmt.Sprintf("%d %s", resp.StatusCode, answer)}
	}
	return fmt.Errorf("%d %s", resp.StatusCode, answer)
}

// Nomination is the message that carries a nomination to the host's portal.
type Nomination struct {
	ID         string     `json:"id"` // "<application id>-<rank>" at the sender
	Ref        string     `json:"ref"`
	NameLatin  string     `json:"name_latin"`
	NameNative string     `json:"name_native"`
	Email      string     `json:"email"`
	ElectiveEN string     `json:"elective_en"`
	ElectiveZH string     `json:"elective_zh"`
	Specialty  string     `json:"specialty"`
	StartsOn   string     `json:"starts_on"` // yyyy-mm-dd
	EndsOn     string     `json:"ends_on"`
	Statement  string     `json:"statement"`
	Documents  []Document `json:"documents"`
}

// Document is one shared document, its bytes in base64.
type Document struct {
	Type      string `json:"type"`
	FileName  string `json:"file_name"`
	MediaType string `json:"media_type"`
	ExpiresOn string `json:"expires_on,omitempty"`
	Content   string `json:"content"`
}

// nominationMessage builds the message of nomination (id, rank) from the
// host's dossier: what the student shares with that host now.
func (s *Service) nominationMessage(ctx context.Context, id int64, rank int) (*Nomination, error) {
	d, files, err := s.host.Outgoing(ctx, id, rank)
	if err != nil {
		return nil, err
	}
	var row struct{ Specialty, Email string }
	if err := s.db.WithContext(ctx).Table("application_choices c").Select("e.specialty, u.email").
		Joins("JOIN electives e ON e.id = c.elective_id").Joins("JOIN applications a ON a.id = c.application_id").
		Joins("JOIN users u ON u.id = a.applicant_id").
		Where("c.application_id = ? AND c.rank = ?", id, rank).Take(&row).Error; err != nil {
		return nil, err
	}
	m := &Nomination{ID: fmt.Sprintf("%d-%d", id, rank), Ref: d.Ref, NameLatin: d.NameLatin, NameNative: d.NameNative, Email: row.Email,
		ElectiveEN: d.ElectiveEN, ElectiveZH: d.ElectiveZH, Specialty: row.Specialty,
		StartsOn: d.StartsOn.Format(time.DateOnly), EndsOn: d.EndsOn.Format(time.DateOnly), Statement: d.Statement}
	for i, doc := range d.Documents {
		out := Document{Type: doc.Type, FileName: doc.FileName, MediaType: doc.MediaType, Content: base64.StdEncoding.EncodeToString(files[i])}
		if doc.ExpiresOn != nil {
			out.ExpiresOn = doc.ExpiresOn.Format(time.DateOnly)
		}
		m.Documents = append(m.Documents, out)
	}
	return m, nil
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
