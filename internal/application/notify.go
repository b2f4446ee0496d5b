package application

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"portal/internal/clock"
	"portal/internal/workflow"
)

// What a transition tells the outbox. record passes the kind
// "application.<action>" and data with these keys; the notifier picks the
// mails from the action and fills their templates from the data as it
// stands, so every value is text ready to show, in the applicant's
// language where there is a choice.
const (
	DataRef        = "ref"      // the application's reference, A-2026-0042
	DataElective   = "elective" // title of the current choice's elective, in the applicant's language
	DataElectiveEN = "elective_en"
	DataElectiveZH = "elective_zh" // notify shows a reader the title in their language of the moment
	DataHost       = "host"        // the current choice's institution, English and local names
	DataApplicant  = "applicant"   // the applicant's name
	DataComment    = "comment"     // the actor's words; never an internal note
	DataDecision   = "decision"    // a host decision: accepted, rejected, waitlisted
	DataStage      = "stage"       // the stage passed, for approvals
	DataDeadline   = "deadline"    // when an offer expires, as text in the portal's zone: 2026-12-21 23:59 UTC+8
	// DataDeadlineAt is the same instant, RFC 3339, for the mail to say
	// in its reader's language: 2026-12-21 23:59 (Taipei time, UTC+8).
	DataDeadlineAt = "deadline_at"
)

// Ref is the reference of an application as people quote it: the year it
// was started and its id.
func (a *Application) Ref() string {
	return fmt.Sprintf("A-%d-%04d", a.CreatedAt.Year(), a.ID)
}

// names are what a notification says of an application besides its stage.
type names struct {
	ApplicantName, Locale string
	TitleEN, TitleZH      string
	NameEN, NameLocal     string
}

// lookupNames reads the applicant and the current choice's elective and
// institution of a, in one query.
func lookupNames(tx *gorm.DB, a *Application) (names, error) {
	var n names
	err := tx.Table("applications AS a").
		Select("COALESCE(u.name, '') AS applicant_name, COALESCE(u.locale, '') AS locale, "+
			"COALESCE(e.title_en, '') AS title_en, COALESCE(e.title_zh, '') AS title_zh, "+
			"COALESCE(i.name_en, '') AS name_en, COALESCE(i.name_local, '') AS name_local").
		Joins("JOIN users AS u ON u.id = a.applicant_id").
		Joins("LEFT JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice").
		Joins("LEFT JOIN electives AS e ON e.id = c.elective_id").
		Joins("LEFT JOIN institutions AS i ON i.id = e.institution_id").
		Where("a.id = ?", a.ID).Scan(&n).Error
	return n, err
}

// fill adds what names say to data, with times in zone z.
func (n names) fill(a *Application, data map[string]any, z clock.Zone) {
	data[DataRef] = a.Ref()
	data[DataApplicant] = n.ApplicantName
	data[DataElectiveEN] = n.TitleEN
	data[DataElectiveZH] = n.TitleZH
	data[DataElective] = n.TitleEN
	if n.Locale == "zh-Hant" && n.TitleZH != "" {
		data[DataElective] = n.TitleZH
	}
	host := n.NameEN
	if n.NameLocal != "" && n.NameLocal != n.NameEN {
		host += " " + n.NameLocal
	}
	data[DataHost] = host
	if a.OfferExpiresAt != nil {
		data[DataDeadline] = z.Time(*a.OfferExpiresAt)
		data[DataDeadlineAt] = a.OfferExpiresAt.UTC().Format(time.RFC3339)
	}
}

// hostDecisionOf is the decision a host action records.
var hostDecisionOf = map[Action]string{
	HostAccept: HostDecisionAccepted, Promote: HostDecisionAccepted,
	HostReject: HostDecisionRejected, HostWaitlist: HostDecisionWaitlisted,
}

// announcement is the data of the notification of step st of a.
func announcement(tx *gorm.DB, a *Application, st workflow.Step[Stage, Action, Party], z clock.Zone) (map[string]any, error) {
	n, err := lookupNames(tx, a)
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"application_id": a.ID, "action": string(st.Action), "from": string(st.From), "to": string(a.Status),
		"turn": string(Turn(a.Status)), "specialty": a.Specialty, "by": string(st.By),
	}
	if a.OfferExpiresAt != nil && a.Status == HostAccepted {
		data["offer_expires_at"] = a.OfferExpiresAt.Format(time.RFC3339)
	}
	n.fill(a, data, z)
	if !st.Internal && st.Comment != "" {
		data[DataComment] = st.Comment
	}
	if d, ok := hostDecisionOf[st.Action]; ok {
		data[DataDecision] = d
	}
	if st.Action == Approve {
		data[DataStage] = string(st.From)
	}
	return data, nil
}

// PendingOffer is an offer nobody has answered yet, with what a reminder
// says of it.
type PendingOffer struct {
	ApplicationID int64
	ApplicantID   int64
	ExpiresAt     time.Time
	Data          map[string]any // ref, elective, host, deadline
}

// OffersExpiring lists the unanswered offers that expire after now and no
// later than within from now, and that were open longer than within: an
// offer shorter than the reminder window would be reminded of at once.
func (s *Service) OffersExpiring(ctx context.Context, now time.Time, within time.Duration) ([]PendingOffer, error) {
	now = now.UTC()
	var due []Application
	err := s.db.WithContext(ctx).Where("status = ? AND offer_expires_at > ? AND offer_expires_at <= ?", HostAccepted, now, now.Add(within)).
		Order("offer_expires_at, id").Find(&due).Error
	if err != nil {
		return nil, wrap(err, "find expiring offers")
	}
	var out []PendingOffer
	for i := range due {
		a := &due[i]
		if a.DecidedAt != nil && a.OfferExpiresAt.Sub(*a.DecidedAt) <= within {
			continue
		}
		n, err := lookupNames(s.db.WithContext(ctx), a)
		if err != nil {
			return nil, wrap(err, "expiring offer")
		}
		data := map[string]any{"application_id": a.ID}
		n.fill(a, data, s.zone)
		out = append(out, PendingOffer{ApplicationID: a.ID, ApplicantID: a.ApplicantID, ExpiresAt: a.OfferExpiresAt.UTC(), Data: data})
	}
	return out, nil
}
