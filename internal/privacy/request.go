package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/document"
	"portal/internal/user"
)

// Regime is a law that gives a person rights over their records here.
type Regime string

// The regimes. The PDPA always applies: the university is in Taiwan. The
// GDPR applies to people from the EU and EEA (an incoming student of
// Lille), FERPA to those whose records come from a US school.
const (
	PDPA  Regime = "pdpa"
	GDPR  Regime = "gdpr"
	FERPA Regime = "ferpa"
)

// eea are the countries where the GDPR applies (EU and EEA).
var eea = strings.Fields("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO")

// Deadline is when a request of kind received at from must be answered
// under regime, and ok false when the regime sets no fixed term for that
// kind. PDPA Art. 11 and 13(2): 30 days for correction and deletion;
// GDPR Art. 12(3): one month; FERPA 99.20 asks a correction to be answered
// "within a reasonable time", no fixed term.
func Deadline(r Regime, kind string, from time.Time) (time.Time, bool) {
	switch r {
	case PDPA:
		return from.AddDate(0, 0, 30), true
	case GDPR:
		return from.AddDate(0, 1, 0), true
	}
	return time.Time{}, false
}

// Request kinds.
const (
	Correction = "correction"
	Deletion   = "deletion"
)

// Request statuses.
const (
	Open    = "open"
	Done    = "done"
	Refused = "refused"
)

type request struct {
	ID         int64
	PersonID   int64
	Kind       string
	Detail     string
	Regimes    string
	ReceivedAt time.Time
	DueAt      time.Time
	Status     string
	Answer     string
	AnsweredBy *int64
	AnsweredAt *time.Time
}

func (request) TableName() string { return "privacy_requests" }

// Request is a person's request to correct or delete, as pages show it.
type Request struct {
	ID                int64
	PersonID          int64
	PersonName, Email string
	Kind, Detail      string
	Regimes           []Regime
	ReceivedAt, DueAt time.Time
	Status, Answer    string
	AnsweredAt        *time.Time
	Overdue           bool
}

// RequestInput is what a person asks.
type RequestInput struct {
	Kind   string
	Detail string
}

// regimesOf lists the regimes that apply to uid: PDPA always, GDPR and
// FERPA by the country of their home institution.
func regimesOf(tx *gorm.DB, uid int64) ([]Regime, error) {
	out := []Regime{PDPA}
	var country string
	if err := tx.Raw(`SELECT home_country FROM incoming_profiles WHERE user_id = ?`, uid).Scan(&country).Error; err != nil {
		return nil, err
	}
	switch {
	case slices.Contains(eea, strings.ToUpper(country)):
		out = append(out, GDPR)
	case strings.EqualFold(country, "US"):
		out = append(out, FERPA)
	}
	return out, nil
}

// Ask records u's request with its deadline: the shortest of the
// applicable regimes' terms, to the end of that local day.
func (s *Service) Ask(ctx context.Context, u *user.User, in RequestInput, m audit.Meta) (int64, error) {
	f := apperr.Fields{}
	if in.Kind != Correction && in.Kind != Deletion {
		f.Add("kind", "privacy.error.kind")
	}
	in.Detail = strings.TrimSpace(in.Detail)
	f.Text("detail", in.Detail, in.Kind == Correction, 2000)
	if err := f.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		regimes, err := regimesOf(tx, u.ID)
		if err != nil {
			return err
		}
		now := s.now()
		var due time.Time
		names := make([]string, len(regimes))
		for i, r := range regimes {
			names[i] = string(r)
			if d, ok := Deadline(r, in.Kind, now); ok && (due.IsZero() || d.Before(due)) {
				due = d
			}
		}
		r := request{PersonID: u.ID, Kind: in.Kind, Detail: in.Detail, Regimes: strings.Join(names, ","),
			ReceivedAt: now, DueAt: s.zone.EndOfDay(s.zone.Day(due)), Status: Open}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		id = r.ID
		return audit.Write(tx, audit.New(now, &u.ID, ActionRequested, m, map[string]any{"kind": in.Kind, "due": r.DueAt}).On("privacy_request", r.ID))
	})
	return id, wrap(err, "record request")
}

func (s *Service) listRequests(ctx context.Context, where string, args ...any) ([]Request, error) {
	var rs []request
	err := s.db.WithContext(ctx).Where(where, args...).Order("due_at, id").Find(&rs).Error
	if err != nil {
		return nil, wrap(err, "list requests")
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.PersonID
	}
	var people []struct {
		ID          int64
		Name, Email string
	}
	if err := s.db.WithContext(ctx).Table("users").Select("id, name, email").Where("id IN ?", ids).Scan(&people).Error; err != nil {
		return nil, wrap(err, "list requests' people")
	}
	names := map[int64][2]string{}
	for _, p := range people {
		names[p.ID] = [2]string{p.Name, p.Email}
	}
	now := s.now()
	out := make([]Request, len(rs))
	for i, r := range rs {
		var regimes []Regime
		for _, n := range strings.Split(r.Regimes, ",") {
			regimes = append(regimes, Regime(n))
		}
		out[i] = Request{ID: r.ID, PersonID: r.PersonID, PersonName: names[r.PersonID][0], Email: names[r.PersonID][1], Kind: r.Kind, Detail: r.Detail,
			Regimes: regimes, ReceivedAt: r.ReceivedAt, DueAt: r.DueAt, Status: r.Status, Answer: r.Answer, AnsweredAt: r.AnsweredAt,
			Overdue: r.Status == Open && now.After(r.DueAt)}
	}
	return out, nil
}

// Requests lists uid's own requests.
func (s *Service) Requests(ctx context.Context, uid int64) ([]Request, error) {
	return s.listRequests(ctx, "person_id = ?", uid)
}

// Queue lists the requests waiting for the office, the nearest deadline
// first. Only the office sees it.
func (s *Service) Queue(ctx context.Context, u *user.User) ([]Request, error) {
	if !isOffice(u) {
		return nil, errNotFound
	}
	return s.listRequests(ctx, "status = ?", Open)
}

// AnswerInput is the office's answer.
type AnswerInput struct {
	Accept bool
	Answer string
}

// Answer closes request id. An accepted deletion erases the person's
// records where no duty to keep them applies (Erase), in the same
// transaction; a refusal must say why.
func (s *Service) Answer(ctx context.Context, u *user.User, id int64, in AnswerInput, m audit.Meta) error {
	if !isOffice(u) {
		return errNotFound
	}
	in.Answer = strings.TrimSpace(in.Answer)
	f := apperr.Fields{}
	f.Text("answer", in.Answer, !in.Accept, 2000)
	if err := f.Err(); err != nil {
		return err
	}
	var files []string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r request
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return err
		}
		if r.Status != Open {
			return apperr.New(apperr.Conflict, "privacy.error.answered")
		}
		now := s.now()
		status := Refused
		if in.Accept {
			status = Done
		}
		res := tx.Model(&request{}).Where("id = ? AND status = ?", id, Open).
			Updates(map[string]any{"status": status, "answer": in.Answer, "answered_by": u.ID, "answered_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "privacy.error.answered")
		}
		detail := map[string]any{"kind": r.Kind, "status": status}
		if in.Accept && r.Kind == Deletion {
			e, err := erase(tx, r.PersonID, now)
			if err != nil {
				return err
			}
			files = e.files
			detail["documents"], detail["kept_documents"], detail["applications"] = len(e.files), e.keptDocs, e.apps
		}
		return audit.Write(tx, audit.New(now, &u.ID, ActionRequestAnswered, m, detail).On("privacy_request", id))
	})
	if err != nil {
		return wrap(err, "answer request")
	}
	s.forget(ctx, files)
	return nil
}

// erased is what an erasure did.
type erased struct {
	files    []string // storage keys to delete once committed
	keptDocs int
	apps     int
}

// placementKept is the SQL condition of an application the hospital must
// keep a record of: a placement that took place or is confirmed.
const placementKept = "status IN ('confirmed', 'completed')"

// erase removes person's personal data where no duty to keep it applies:
// documents not part of a kept placement (rows marked deleted, files
// removed after commit), the statements and reports of other applications,
// notifications, and, when nothing is kept, the name and address of the
// account and the incoming profile's names. Rows stay, anonymised, so that
// the reports' counts do not change; the disclosure log keeps a minimal
// entry (who, when, on what basis) without the object's name.
func erase(tx *gorm.DB, person int64, now time.Time) (erased, error) {
	var e erased
	var docs []document.Document
	if err := tx.Where("owner_id = ? AND deleted_at IS NULL", person).Find(&docs).Error; err != nil {
		return e, err
	}
	for _, d := range docs {
		kept, err := keptByLaw(tx, d.ID)
		if err != nil {
			return e, err
		}
		if kept {
			e.keptDocs++
			continue
		}
		if err := tx.Model(&document.Document{}).Where("id = ?", d.ID).Updates(map[string]any{"deleted_at": now, "file_name": "erased"}).Error; err != nil {
			return e, err
		}
		e.files = append(e.files, d.StorageKey)
	}
	res := tx.Exec("UPDATE applications SET statement = '', report = '' WHERE applicant_id = ? AND NOT ("+placementKept+")", person)
	if res.Error != nil {
		return e, res.Error
	}
	e.apps = int(res.RowsAffected)
	if err := tx.Exec("UPDATE rotation_requests SET statement = '' WHERE applicant_id = ? AND NOT ("+placementKept+")", person).Error; err != nil {
		return e, err
	}
	if err := tx.Exec("DELETE FROM notifications WHERE user_id = ?", person).Error; err != nil {
		return e, err
	}
	if err := tx.Exec("UPDATE privacy_disclosures SET object = '' WHERE person_id = ?", person).Error; err != nil {
		return e, err
	}
	var kept int64
	if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM applications WHERE applicant_id = ? AND `+placementKept+`) +
		(SELECT COUNT(*) FROM rotation_requests WHERE applicant_id = ? AND `+placementKept+`)`, person, person).Scan(&kept).Error; err != nil {
		return e, err
	}
	if kept == 0 {
		if err := tx.Exec("UPDATE users SET name = '', email = '', student_number = NULL WHERE id = ?", person).Error; err != nil {
			return e, err
		}
		if err := tx.Exec("UPDATE incoming_profiles SET name_latin = '', name_native = '' WHERE user_id = ?", person).Error; err != nil {
			return e, err
		}
	}
	return e, nil
}

// forget deletes stored files whose rows are gone, after the commit, on a
// context that outlives the request.
func (s *Service) forget(ctx context.Context, keys []string) {
	ctx = context.WithoutCancel(ctx)
	for _, k := range keys {
		if err := s.store.Delete(ctx, k); err != nil {
			slogError("delete erased document", k, err)
		}
	}
}
