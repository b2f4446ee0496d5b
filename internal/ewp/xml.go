package ewp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"time"
)

// The namespaces of the two get-responses the portal writes.
const (
	nsOmobilities = "https://github.com/erasmus-without-paper/ewp-specs-api-omobilities/blob/stable-v3/endpoints/get-response.xsd"
	nsIIAs        = "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"
	nsContact     = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"
	xmlLangNS     = "http://www.w3.org/XML/1998/namespace"
)

// Facts of medicine that the catalog does not carry per elective: every
// exchange of a medical university is in ISCED-F 0912 (medicine), studied
// at EQF level 7 (the long-cycle master's degree of a medical course).
const (
	IscedMedicine = "0912"
	EQFMedicine   = 7
)

// Name is one name in one script; Lang is its BCP 47 tag, "" when unknown.
type Name struct {
	Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty" json:"lang,omitempty"`
	Value string `xml:",chardata" json:"value"`
}

// Student is the person part of a mobility.
type Student struct {
	GivenNames  []Name `xml:"given-names" json:"given_names"`
	FamilyName  []Name `xml:"family-name" json:"family_name"`
	GlobalID    string `xml:"global-id" json:"global_id"`
	BirthDate   string `xml:"birth-date" json:"birth_date"`
	Nationality string `xml:"nationality" json:"nationality"`
	Gender      int    `xml:"gender" json:"gender"`
	Email       string `xml:"email" json:"email"`
}

// HEI names an institution by its SCHAC identifier.
type HEI struct {
	HeiID string `xml:"hei-id" json:"hei_id"`
	IiaID string `xml:"iia-id,omitempty" json:"iia_id,omitempty"`
}

// Nomination is what the sending institution proposes; its ProposalID is
// a digest of everything else in it and of the student, so it changes
// exactly when the nomination's content does.
type Nomination struct {
	ProposalID         string    `xml:"proposal-id,attr" json:"proposal_id"`
	SendingHEI         HEI       `xml:"sending-hei" json:"sending_hei"`
	ReceivingHEI       HEI       `xml:"receiving-hei" json:"receiving_hei"`
	NonStandardPeriod  *struct{} `xml:"non-standard-mobility-period" json:"-"`
	StartsOn           string    `xml:"-" json:"starts_on"`
	EndsOn             string    `xml:"-" json:"ends_on"`
	AcademicYearID     string    `xml:"receiving-academic-year-id" json:"receiving_academic_year_id"`
	ActivityType       string    `xml:"activity-type" json:"activity_type"`
	ActivityAttributes string    `xml:"activity-attributes" json:"activity_attributes"`
	AgreementIsced     string    `xml:"agreement-isced-f-code" json:"agreement_isced_f_code"`
	EQFLevel           int       `xml:"eqf-level-studied-at-departure" json:"eqf_level_studied_at_departure"`
	NomineeIsced       string    `xml:"nominee-isced-f-code" json:"nominee_isced_f_code"`
}

// Mobility is one nomination of one student to one host: an Outgoing
// Mobilities v3 student-mobility, or, for a clinical traineeship that v3
// cannot express, the same fields as JSON.
type Mobility struct {
	XMLName     xml.Name   `xml:"student-mobility" json:"-"`
	OmobilityID string     `xml:"omobility-id" json:"omobility_id"`
	Student     Student    `xml:"student" json:"student"`
	Nomination  Nomination `xml:"nomination" json:"nomination"`
	Status      string     `xml:"status" json:"status"`
	// Traineeship marks a mobility outside EWP v3 (JSON only).
	Traineeship bool `xml:"-" json:"traineeship"`
}

type omobilitiesResponse struct {
	XMLName    xml.Name   `xml:"omobilities-get-response"`
	NS         string     `xml:"xmlns,attr"`
	Mobilities []Mobility `xml:"student-mobility"`
}

// MarshalOmobilities writes an Outgoing Mobilities API v3.0.0 get-response.
func MarshalOmobilities(ms []Mobility) ([]byte, error) {
	return document(omobilitiesResponse{NS: nsOmobilities, Mobilities: ms})
}

// seal sets m's proposal-id from its content.
func seal(m *Mobility) error {
	m.Nomination.ProposalID = ""
	b, err := xml.Marshal(struct {
		XMLName    xml.Name `xml:"proposal"`
		Student    Student
		Nomination Nomination
	}{Student: m.Student, Nomination: m.Nomination})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	m.Nomination.ProposalID = "p-" + hex.EncodeToString(sum[:16])
	return nil
}

// AcademicYearID is the EWP academic year ("2026/2027") that a placement
// starting on day falls in, on the northern scheme with years from August:
// the schema also allows "2026/2026" for partners of the southern
// hemisphere, which the portal's partners are not.
func AcademicYearID(day time.Time) string {
	y := day.Year()
	if day.Month() < time.August {
		y--
	}
	return fmt.Sprintf("%d/%d", y, y+1)
}

// ---- Interinstitutional Agreements API v7.0.0

// Partner is one side of an IIA; the local institution comes first.
type Partner struct {
	HeiID   string   `xml:"hei-id"`
	IiaID   string   `xml:"iia-id,omitempty"`
	IiaCode string   `xml:"iia-code,omitempty"`
	Contact *Contact `xml:"https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1 contact,omitempty"`
}

// Contact is a partner's contact person for the agreement.
type Contact struct {
	Name  string `xml:"https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1 contact-name"`
	Email string `xml:"https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1 email,omitempty"`
}

// LanguageSkill is a recommended language and level.
type LanguageSkill struct {
	Language string `xml:"language"`
	CEFR     string `xml:"cefr-level,omitempty"`
}

// SubjectArea is an ISCED-F field.
type SubjectArea struct {
	Isced string `xml:"isced-f-code"`
}

// MobilitySpec is one direction of student flow of an agreement.
type MobilitySpec struct {
	XMLName           xml.Name
	SendingHeiID      string          `xml:"sending-hei-id"`
	ReceivingHeiID    string          `xml:"receiving-hei-id"`
	FirstYearID       string          `xml:"receiving-first-academic-year-id"`
	LastYearID        string          `xml:"receiving-last-academic-year-id"`
	MobilitiesPerYear int             `xml:"mobilities-per-year"`
	Languages         []LanguageSkill `xml:"recommended-language-skill"`
	SubjectArea       SubjectArea     `xml:"subject-area"`
	TotalMonths       string          `xml:"total-months-per-year,omitempty"`
	Blended           bool            `xml:"blended"`
	EQFLevels         []int           `xml:"eqf-level,omitempty"`
}

// IIA is one agreement as EWP describes it.
type IIA struct {
	XMLName    xml.Name       `xml:"iia"`
	Partners   [2]Partner     `xml:"partner"`
	InEffect   bool           `xml:"in-effect"`
	Conditions []MobilitySpec `xml:"cooperation-conditions>x"`
	Hash       string         `xml:"iia-hash"`
}

// MarshalXML writes cooperation-conditions with each spec under its own
// element name, which the ">" path syntax cannot do.
func (i IIA) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type conditions struct {
		Specs []MobilitySpec
	}
	out := struct {
		XMLName    xml.Name   `xml:"iia"`
		Partners   [2]Partner `xml:"partner"`
		InEffect   bool       `xml:"in-effect"`
		Conditions conditions `xml:"cooperation-conditions"`
		Hash       string     `xml:"iia-hash"`
	}{Partners: i.Partners, InEffect: i.InEffect, Conditions: conditions{i.Conditions}, Hash: i.Hash}
	return e.Encode(out)
}

// hashConditions is the iia-hash: the SHA-256 of the cooperation
// conditions as the portal writes them. EWP computes it over the text an
// XSLT of its own extracts; partners that recompute it that way get a
// different value, which only tells them to fetch the agreement again.
func hashConditions(specs []MobilitySpec) (string, error) {
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"cooperation-conditions"`
		Specs   []MobilitySpec
	}{Specs: specs})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

type iiasResponse struct {
	XMLName xml.Name `xml:"iias-get-response"`
	NS      string   `xml:"xmlns,attr"`
	IIAs    []IIA    `xml:"iia"`
}

// MarshalIIAs writes an Interinstitutional Agreements API v7.0.0 get-response.
func MarshalIIAs(is []IIA) ([]byte, error) {
	return document(iiasResponse{NS: nsIIAs, IIAs: is})
}

func document(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	e := xml.NewEncoder(&buf)
	e.Indent("", "  ")
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func xmlName(local string) xml.Name { return xml.Name{Local: local} }
