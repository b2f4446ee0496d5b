package application

import (
	"context"
	"slices"
	"time"

	"portal/internal/apperr"
	"portal/internal/user"
)

// Bulk actions of the international office on a selection of a queue.
// Each application goes through the same named operation as on its own
// page, in its own transaction, with the version its reader saw: one
// refused application (changed since, period full, quota used up) leaves
// the others done and itself untouched.

// MaxBulk is the most applications one bulk action takes.
const MaxBulk = 500

// BulkItem is one selected application: its id, the version the reader
// saw, and the rank of its current choice then (for host decisions).
type BulkItem struct {
	ID      int64
	Version int
	Rank    int
}

// BulkRefusal is a selected application the action did not change, and why.
type BulkRefusal struct {
	ID  int64
	Err error // coded (apperr): its message key says why
}

// BulkResult says what became of each selected application.
type BulkResult struct {
	Done    []int64
	Refused []BulkRefusal
}

var errOfficeOnly = apperr.New(apperr.Forbidden, "error.forbidden")

// checkBulk refuses anyone but the office and admins, an empty selection
// and one too large; it drops repeated ids, keeping the first.
func checkBulk(u *user.User, items []BulkItem) ([]BulkItem, error) {
	if u == nil || !u.Has(PartyRoles[Office]...) {
		return nil, errOfficeOnly
	}
	f := apperr.Fields{}
	switch {
	case len(items) == 0:
		f.Add("ids", "review.err.none_selected")
	case len(items) > MaxBulk:
		f.Add("ids", "review.err.too_many", MaxBulk)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []BulkItem
	for _, it := range items {
		if !slices.ContainsFunc(out, func(o BulkItem) bool { return o.ID == it.ID }) {
			out = append(out, it)
		}
	}
	return out, nil
}

// bulk runs op on each item and sorts the outcomes. Every item ends in
// one of the two lists, whatever happens to it: a failure that is not a
// refusal (the database went away for a moment) is listed as such, with
// its internal cause for the log, and the run goes on; a request whose
// client has gone lists the items it did not reach. Each item's change is
// its own committed transaction, so what was done stays done, and the
// reader is told exactly which.
func bulk(ctx context.Context, items []BulkItem, op func(BulkItem) error) *BulkResult {
	res := &BulkResult{}
	for _, it := range items {
		err := ctx.Err()
		if err == nil {
			err = op(it)
		}
		if err == nil {
			res.Done = append(res.Done, it.ID)
		} else {
			res.Refused = append(res.Refused, BulkRefusal{ID: it.ID, Err: apperr.Or(err, "bulk item")})
		}
	}
	return res
}

// BulkNominate nominates each selected application to the host of its
// current (or, after a host's rejection, next) choice.
func (s *Service) BulkNominate(ctx context.Context, u *user.User, items []BulkItem, comment string) (*BulkResult, error) {
	items, err := checkBulk(u, items)
	if err != nil {
		return nil, err
	}
	if err := checkComment(comment, false); err != nil {
		return nil, err
	}
	return bulk(ctx, items, func(it BulkItem) error {
		_, err := s.Nominate(ctx, u, it.ID, ReviewInput{Version: it.Version, Comment: comment, Internal: true})
		return err
	}), nil
}

// BulkHostDecision records one host decision on the current choice of
// each selected application.
func (s *Service) BulkHostDecision(ctx context.Context, u *user.User, items []BulkItem, decision, comment string) (*BulkResult, error) {
	items, err := checkBulk(u, items)
	if err != nil {
		return nil, err
	}
	f := apperr.Fields{}
	if !slices.Contains(HostDecisions, decision) {
		f.Add("decision", "form.not_a_choice")
	}
	f.Text("comment", comment, false, MaxComment)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return bulk(ctx, items, func(it BulkItem) error {
		_, err := s.RecordHostDecision(ctx, u, it.ID, HostDecisionInput{Version: it.Version, Rank: it.Rank,
			Decision: decision, Comment: comment, Internal: true})
		return err
	}), nil
}

// Selection returns the queue rows of the selected applications the
// office may see (out of draft, not their own), in the queue's default
// order, for an export.
func (s *Service) Selection(ctx context.Context, u *user.User, ids []int64) ([]QueueRow, error) {
	items := make([]BulkItem, len(ids))
	for i, id := range ids {
		items[i] = BulkItem{ID: id}
	}
	items, err := checkBulk(u, items)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	var rows []struct {
		ID, ElectiveID                                                        int64
		Version, CurrentChoice                                                int
		Status, Name, Specialty, TitleEN, TitleZH, NameEN, NameLocal, Country string
		StageSince                                                            time.Time
		StartsOn, EndsOn                                                      *time.Time // none without a current choice
	}
	err = s.db.WithContext(ctx).Table("applications AS a").
		Select("a.id, a.version, a.status, usr.name, a.specialty, a.stage_since, a.current_choice, COALESCE(e.id, 0) AS elective_id, "+
			"COALESCE(e.title_en, '') AS title_en, COALESCE(e.title_zh, '') AS title_zh, COALESCE(i.name_en, '') AS name_en, "+
			"COALESCE(i.name_local, '') AS name_local, COALESCE(i.country, '') AS country, p.starts_on, p.ends_on").
		Joins("JOIN users AS usr ON usr.id = a.applicant_id").
		Joins("LEFT JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("LEFT JOIN electives AS e ON e.id = c.elective_id").
		Joins("LEFT JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN periods AS p ON p.id = c.period_id").
		Where("a.id IN ? AND a.status <> ? AND a.applicant_id <> ?", ids, Draft, u.ID).
		Order("a.stage_since, a.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "export selection")
	}
	now := s.clock()
	out := make([]QueueRow, len(rows))
	for i, r := range rows {
		out[i] = QueueRow{ID: r.ID, Version: r.Version, Stage: Stage(r.Status), Turn: Turn(Stage(r.Status)), ApplicantName: r.Name,
			Specialty: r.Specialty, StageSince: r.StageSince.UTC(), CurrentChoice: r.CurrentChoice, ElectiveID: r.ElectiveID,
			ElectiveTitleEN: r.TitleEN, ElectiveTitleZH: r.TitleZH, InstitutionNameEN: r.NameEN, InstitutionNameLocal: r.NameLocal,
			Country: r.Country}
		if r.StartsOn != nil && r.EndsOn != nil {
			out[i].StartsOn, out[i].EndsOn = *r.StartsOn, *r.EndsOn
		}
		out[i].DaysInStage = max(int(now.Sub(out[i].StageSince)/(24*time.Hour)), 0)
	}
	return out, nil
}

// ExportRow is one application as an export holds it: the queue's row,
// the applicant's contact, and every choice.
type ExportRow struct {
	QueueRow
	Email string
	// StudentNumber and YearOfStudy are the applicant's, from the
	// university provider's claims; "" and 0 when it never said.
	StudentNumber string
	YearOfStudy   int
	SubmittedAt   time.Time // zero when never submitted
	Choices       []ExportChoice
}

// ExportChoice is one ranked choice of an exported application.
type ExportChoice struct {
	Rank                                             int
	ElectiveTitleEN, ElectiveTitleZH                 string
	InstitutionNameEN, InstitutionNameLocal, Country string
	StartsOn, EndsOn                                 time.Time
}

// Export returns the selected applications the office may see, as
// Selection does, with the applicant's e-mail, the time of submission and
// all choices in rank order, and the applicant's student number and year
// of study.
func (s *Service) Export(ctx context.Context, u *user.User, ids []int64) ([]ExportRow, error) {
	rows, err := s.Selection(ctx, u, ids)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	shown := make([]int64, len(rows))
	for i, r := range rows {
		shown[i] = r.ID
	}
	var extra []struct {
		ID            int64
		Email         string
		SubmittedAt   *time.Time
		StudentNumber *string
		YearOfStudy   *int
	}
	err = s.db.WithContext(ctx).Table("applications AS a").Select("a.id, usr.email, a.submitted_at, usr.student_number, usr.year_of_study").
		Joins("JOIN users AS usr ON usr.id = a.applicant_id").Where("a.id IN ?", shown).Scan(&extra).Error
	if err != nil {
		return nil, wrap(err, "export contacts")
	}
	var choices []struct {
		ApplicationID                                int64
		Rank                                         int
		TitleEN, TitleZH, NameEN, NameLocal, Country string
		StartsOn, EndsOn                             *time.Time
	}
	err = s.db.WithContext(ctx).Table("application_choices AS c").
		Select("c.application_id, c.rank, COALESCE(e.title_en, '') AS title_en, COALESCE(e.title_zh, '') AS title_zh, "+
			"COALESCE(i.name_en, '') AS name_en, COALESCE(i.name_local, '') AS name_local, COALESCE(i.country, '') AS country, p.starts_on, p.ends_on").
		Joins("LEFT JOIN electives AS e ON e.id = c.elective_id").
		Joins("LEFT JOIN institutions AS i ON i.id = e.institution_id").
		Joins("LEFT JOIN periods AS p ON p.id = c.period_id").
		Where("c.application_id IN ?", shown).Order("c.application_id, c.rank").Scan(&choices).Error
	if err != nil {
		return nil, wrap(err, "export choices")
	}
	out := make([]ExportRow, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		out[i].QueueRow = r
		at[r.ID] = i
	}
	for _, x := range extra {
		out[at[x.ID]].Email = x.Email
		if x.StudentNumber != nil {
			out[at[x.ID]].StudentNumber = *x.StudentNumber
		}
		if x.YearOfStudy != nil {
			out[at[x.ID]].YearOfStudy = *x.YearOfStudy
		}
		if x.SubmittedAt != nil {
			out[at[x.ID]].SubmittedAt = x.SubmittedAt.UTC()
		}
	}
	for _, c := range choices {
		ch := ExportChoice{Rank: c.Rank, ElectiveTitleEN: c.TitleEN, ElectiveTitleZH: c.TitleZH, InstitutionNameEN: c.NameEN,
			InstitutionNameLocal: c.NameLocal, Country: c.Country}
		if c.StartsOn != nil && c.EndsOn != nil {
			ch.StartsOn, ch.EndsOn = *c.StartsOn, *c.EndsOn
		}
		i := at[c.ApplicationID]
		out[i].Choices = append(out[i].Choices, ch)
	}
	return out, nil
}
