package rotation

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"portal/internal/document"
	"portal/internal/user"
)

// Detail is a request as one reader sees it: who they are to it, what
// they may do now, its choices, documents, history and onboarding.
type Detail struct {
	Request
	ApplicantName  string
	ApplicantEmail string
	Choices        []ChoiceDetail
	Parties        []Party // who the reader is to it
	Actions        []Action
	Turn           Party
	Events         []EventRow
	Documents      []AttachedDoc
	Missing        []string    // required document types not attached
	Onboarding     *Onboarding // once accepted
}

// Has reports whether the reader may take action a now.
func (d *Detail) Has(a Action) bool { return slices.Contains(d.Actions, a) }

// Is reports whether the reader is party p to the request.
func (d *Detail) Is(p Party) bool { return slices.Contains(d.Parties, p) }

// Accepted is the choice holding seats, nil before acceptance.
func (d *Detail) Accepted() *ChoiceDetail {
	for i := range d.Choices {
		if d.Choices[i].Rank == d.AcceptedChoice {
			return &d.Choices[i]
		}
	}
	return nil
}

// ChoiceDetail is a choice with its department's names.
type ChoiceDetail struct {
	Choice
	NameEN, NameZH string
	EndsOn         time.Time
}

// EventRow is an event with the name of its actor.
type EventRow struct {
	Event
	ActorName string
}

// AttachedDoc is a document version attached to a request.
type AttachedDoc struct {
	ID        int64
	Type      string
	FileName  string
	ExpiresOn *time.Time
	Deleted   bool
}

// Get returns request id as u sees it; NotFound when it is neither theirs
// nor in their scope.
func (s *Service) Get(ctx context.Context, u *user.User, id int64) (*Detail, error) {
	var d Detail
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, cs, err := load(tx, id)
		if err != nil {
			return err
		}
		parties, err := partiesOf(tx, u, r, cs)
		if err != nil {
			return err
		}
		if len(parties) == 0 {
			return errNotFound
		}
		d.Request, d.Parties, d.Turn = *r, parties, Turn(r.Status)
		var who user.User
		if err := tx.Take(&who, r.ApplicantID).Error; err != nil {
			return err
		}
		d.ApplicantName, d.ApplicantEmail = who.Name, who.Email
		if d.Choices, err = choiceDetails(tx, id); err != nil {
			return err
		}
		err = tx.Table("rotation_events AS e").Select("e.*, COALESCE(u.name, '') AS actor_name").
			Joins("LEFT JOIN users AS u ON u.id = e.actor_id").Where("e.request_id = ?", id).Order("e.id").Scan(&d.Events).Error
		if err != nil {
			return err
		}
		err = tx.Table("documents AS d").Select("d.id, d.type, d.file_name, d.expires_on, d.deleted_at IS NOT NULL AS deleted").
			Joins("JOIN rotation_request_documents AS a ON a.document_id = d.id").Where("a.request_id = ?", id).
			Order("d.type, d.id").Scan(&d.Documents).Error
		if err != nil {
			return err
		}
		if d.Missing, err = missingDocs(tx, r); err != nil {
			return err
		}
		if holdsSeats(r.Status) {
			if d.Onboarding, err = s.onboarding(tx, r, cs); err != nil {
				return err
			}
		}
		for _, a := range ActionsAt(r.Status, parties...) {
			switch {
			case a == Confirm && (d.Onboarding == nil || !d.Onboarding.Complete()):
				continue
			case a == Complete && d.Accepted() != nil && s.Today().Before(d.Accepted().EndsOn):
				continue
			}
			d.Actions = append(d.Actions, a)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "get rotation request")
	}
	return &d, nil
}

func choiceDetails(tx *gorm.DB, id int64) ([]ChoiceDetail, error) {
	var out []ChoiceDetail
	err := tx.Table("rotation_choices AS c").Select("c.*, d.name_en, d.name_zh").
		Joins("JOIN departments AS d ON d.id = c.department_id").Where("c.request_id = ?", id).Order("c.rank").Scan(&out).Error
	for i := range out {
		out[i].StartsOn = Day(out[i].StartsOn)
		out[i].EndsOn = out[i].Choice.EndsOn()
	}
	return out, err
}

// Summary is a request in a list.
type Summary struct {
	ID             int64
	Status         Stage
	ApplicantName  string
	StageSince     time.Time
	UpdatedAt      time.Time
	Choices        []ChoiceDetail `gorm:"-"`
	AcceptedChoice int
}

// Shown is the choice a list shows: the accepted one, else the first.
func (s Summary) Shown() *ChoiceDetail {
	for i := range s.Choices {
		if s.Choices[i].Rank == s.AcceptedChoice {
			return &s.Choices[i]
		}
	}
	if len(s.Choices) > 0 {
		return &s.Choices[0]
	}
	return nil
}

// Mine lists u's own requests, newest first.
func (s *Service) Mine(ctx context.Context, u *user.User) ([]Summary, error) {
	if u == nil {
		return nil, nil
	}
	return s.summaries(s.db.WithContext(ctx).Where("r.applicant_id = ?", u.ID).Order("r.updated_at DESC, r.id DESC"))
}

// QueueFilter narrows the review queue.
type QueueFilter struct {
	Stage Stage // "" for every stage but drafts
	Home  int64 // the applicants' home institution (a partner); 0 for any
}

// Queue lists the requests u reviews: for a coordinator those asking for
// one of their departments, for the office all, never drafts; oldest in
// their stage first.
func (s *Service) Queue(ctx context.Context, u *user.User, f QueueFilter) ([]Summary, error) {
	if u == nil || !u.Has(append(PartyRoles[Coordinator], PartyRoles[Office]...)...) {
		return nil, nil
	}
	q := s.db.WithContext(ctx).Where("r.status <> ?", Draft)
	if !u.Has(PartyRoles[Office]...) {
		q = q.Where("r.id IN (SELECT c.request_id FROM rotation_choices AS c JOIN rotation_coordinators AS k ON k.department_id = c.department_id WHERE k.user_id = ?)", u.ID)
	}
	if f.Stage != "" {
		q = q.Where("r.status = ?", f.Stage)
	}
	if f.Home != 0 { // the list behind a partner's incoming figure (reports)
		q = q.Where("r.applicant_id IN (SELECT ip.user_id FROM incoming_profiles AS ip WHERE ip.home_institution_id = ?)", f.Home)
	}
	return s.summaries(q.Order("r.stage_since, r.id").Limit(500))
}

func (s *Service) summaries(q *gorm.DB) ([]Summary, error) {
	var out []Summary
	err := q.Table("rotation_requests AS r").Select("r.id, r.status, r.stage_since, r.updated_at, r.accepted_choice, COALESCE(u.name, '') AS applicant_name").
		Joins("LEFT JOIN users AS u ON u.id = r.applicant_id").Scan(&out).Error
	if err != nil || len(out) == 0 {
		return out, wrap(err, "list rotation requests")
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, r := range out {
		ids[i], at[r.ID] = r.ID, i
	}
	var cs []ChoiceDetail
	err = q.Session(&gorm.Session{NewDB: true}).Table("rotation_choices AS c").Select("c.*, d.name_en, d.name_zh").
		Joins("JOIN departments AS d ON d.id = c.department_id").Where("c.request_id IN ?", ids).Order("c.request_id, c.rank").Scan(&cs).Error
	if err != nil {
		return nil, wrap(err, "list rotation choices")
	}
	for _, c := range cs {
		c.StartsOn = Day(c.StartsOn)
		c.EndsOn = c.Choice.EndsOn()
		out[at[c.RequestID]].Choices = append(out[at[c.RequestID]].Choices, c)
	}
	return out, nil
}

// DocumentScope lets a coordinator of a department a submitted request
// asks for, and the office, open the wallet documents attached to it. It
// is a document.Scope; the portal composes it with the outgoing one.
func (s *Service) DocumentScope(_ context.Context, tx *gorm.DB, reader *user.User, doc *document.Document) (bool, error) {
	var ids []int64
	err := tx.Table("rotation_request_documents AS a").Joins("JOIN rotation_requests AS r ON r.id = a.request_id").
		Where("a.document_id = ? AND r.status <> ?", doc.ID, Draft).Pluck("r.id", &ids).Error
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		r, cs, err := load(tx, id)
		if err != nil {
			return false, err
		}
		parties, err := partiesOf(tx, reader, r, cs)
		if err != nil {
			return false, err
		}
		if slices.Contains(parties, Coordinator) || slices.Contains(parties, Office) {
			return true, nil
		}
	}
	return false, nil
}

var _ document.Scope = (*Service)(nil).DocumentScope
