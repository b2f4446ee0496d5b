package ewp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

type agreementRow struct {
	ID           int64
	Kind         string
	ValidFrom    time.Time
	ValidUntil   time.Time
	QuotaOut     int
	QuotaIn      int
	PartnerSchac string
	PartnerName  string
	ContactName  string
	ContactEmail string
}

type languageRow struct {
	Language      string
	LanguageLevel string
}

// IIA returns agreement id as EWP describes it: the home institution
// first, a student mobility specification per direction with a yearly
// quota (mobilities per year is the quota), for the academic years the
// agreement's validity spans.
func (s *Service) IIA(ctx context.Context, u *user.User, id int64) (*IIA, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out IIA
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a agreementRow
		err := tx.Table("agreements AS a").
			Select("a.id, a.kind, a.valid_from, a.valid_until, a.quota_out, a.quota_in, i.identifier AS partner_schac, "+
				"i.name_en AS partner_name, i.contact_name, i.contact_email").
			Joins("JOIN institutions AS i ON i.id = a.institution_id").Where("a.id = ?", id).Take(&a).Error
		if err != nil {
			return err
		}
		home, err := homeSchac(tx)
		if err != nil {
			return err
		}
		if a.PartnerSchac == "" {
			return apperr.New(apperr.Invalid, "api.ewp.no_host_schac", a.PartnerName)
		}
		var langs []languageRow
		err = tx.Table("electives").Select("DISTINCT language, language_level").
			Where("agreement_id = ? AND retired_at IS NULL AND language <> ''", id).Order("language, language_level").Scan(&langs).Error
		if err != nil {
			return err
		}
		out = buildIIA(a, home, skills(langs), s.o.Now())
		return nil
	})
	if err != nil {
		return nil, wrap(err, "iia")
	}
	return &out, nil
}

// IIAXML is agreement id as an IIA v7 get-response.
func (s *Service) IIAXML(ctx context.Context, u *user.User, id int64) ([]byte, error) {
	i, err := s.IIA(ctx, u, id)
	if err != nil {
		return nil, err
	}
	b, err := MarshalIIAs([]IIA{*i})
	return b, wrap(err, "marshal iia")
}

func buildIIA(a agreementRow, home string, langs []LanguageSkill, now time.Time) IIA {
	i := IIA{
		Partners: [2]Partner{
			{HeiID: home, IiaID: fmt.Sprintf("agreement-%d", a.ID), IiaCode: fmt.Sprintf("AG-%d", a.ID)},
			{HeiID: a.PartnerSchac},
		},
		InEffect: !a.ValidFrom.After(now),
	}
	if a.ContactName != "" {
		i.Partners[1].Contact = &Contact{Name: a.ContactName, Email: a.ContactEmail}
	}
	// A student-exchange or dual-degree agreement sends students for
	// studies; any other (electives, internships) for traineeships.
	kind := "student-traineeship-mobility-spec"
	var eqf []int
	if a.Kind == "student_exchange" || a.Kind == "dual_degree" {
		kind, eqf = "student-studies-mobility-spec", []int{EQFMedicine}
	}
	if len(langs) == 0 {
		langs = []LanguageSkill{{Language: "en"}}
	}
	spec := func(from, to string, n int) MobilitySpec {
		return MobilitySpec{
			XMLName:      xmlName(kind),
			SendingHeiID: from, ReceivingHeiID: to,
			FirstYearID: AcademicYearID(a.ValidFrom), LastYearID: AcademicYearID(a.ValidUntil),
			MobilitiesPerYear: n, Languages: langs, SubjectArea: SubjectArea{Isced: IscedMedicine},
			EQFLevels: eqf,
		}
	}
	// mobilities-per-year is a positive integer: a direction without a
	// quota is no cooperation condition at all.
	if a.QuotaOut > 0 {
		i.Conditions = append(i.Conditions, spec(home, a.PartnerSchac, a.QuotaOut))
	}
	if a.QuotaIn > 0 {
		i.Conditions = append(i.Conditions, spec(a.PartnerSchac, home, a.QuotaIn))
	}
	i.Hash, _ = hashConditions(i.Conditions)
	return i
}

// skills turns the electives' languages into recommended skills, keeping
// a CEFR level only where the catalog wrote one ("B2", not "JLPT N2").
func skills(rows []languageRow) []LanguageSkill {
	var out []LanguageSkill
	for _, r := range rows {
		l := LanguageSkill{Language: strings.ToLower(strings.TrimSpace(r.Language))}
		if lv := strings.ToUpper(strings.TrimSpace(r.LanguageLevel)); len(lv) == 2 && strings.ContainsRune("ABC", rune(lv[0])) && (lv[1] == '1' || lv[1] == '2') {
			l.CEFR = lv
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
