package web

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"portal/internal/catalog"
	"portal/internal/i18n"
)

// The views of the student-facing catalog. Every string a template shows is
// computed here, translated, so that templates only place them.

// browseText is text with its language, set only when it differs from the
// page's, for a lang attribute (WCAG 3.1.2).
type browseText struct {
	Text, Lang string
}

// browseName is an institution's English name and its name in its own script.
type browseName struct {
	EN, Local browseText
}

// browseLocalLang is the language of a partner's local-script name, by country.
var browseLocalLang = map[string]string{
	"JP": "ja", "KR": "ko", "FR": "fr", "DE": "de", "NL": "nl", "TW": "zh-Hant", "HK": "zh-Hant",
	"CN": "zh-Hans", "TH": "th", "VN": "vi", "ID": "id", "MY": "ms",
}

// english marks English text on a page in another language.
func browseEnglish(p Page, s string) browseText {
	if p.Lang == i18n.English {
		return browseText{Text: s}
	}
	return browseText{Text: s, Lang: "en"}
}

// bilingual picks the page language's version of a text, falling back to
// English, and returns the other version as well ("" when there is none).
func browseBilingual(p Page, en, zh string) (main, other browseText) {
	if p.Lang == i18n.TraditionalChinese && zh != "" {
		return browseText{Text: zh}, browseText{Text: en, Lang: "en"}
	}
	if p.Lang == i18n.TraditionalChinese {
		return browseEnglish(p, en), browseText{}
	}
	if zh != "" {
		other = browseText{Text: zh, Lang: string(i18n.TraditionalChinese)}
	}
	return browseEnglish(p, en), other
}

func browseNameOf(p Page, en, local, country string) browseName {
	n := browseName{EN: browseEnglish(p, en)}
	if local != "" && local != en {
		n.Local = browseText{Text: local, Lang: browseLocalLang[country]}
		if string(p.Lang) == n.Local.Lang {
			n.Local.Lang = ""
		}
	}
	return n
}

func (p Page) browseDate(t time.Time) string { return p.Day(t) }

// place is "city, country".
func (p Page) browsePlace(city, country string) string {
	c := p.T("country." + country)
	if city == "" {
		return c
	}
	city, _ = p.dataText("city", city)
	return p.T("browse.place", city, c)
}

func (p Page) browseWeeks(n int) string { return p.N("browse.weeks", n) }

// seats says how many seats are left, and whether that is few or none.
func (p Page) browseSeats(left int) (text, state string) {
	switch left {
	case 0:
		return p.T("browse.seats.full"), "full"
	case 1:
		return p.N("browse.seats_left", left), "low"
	}
	return p.N("browse.seats_left", left), "open"
}

// daysLeft is how many calendar days remain until day, 0 on the day.
func browseDaysLeft(today, day time.Time) int {
	return int(catalog.Day(day).Sub(catalog.Day(today)).Hours() / 24)
}

// browseWindow is the state of an elective's application window.
type browseWindow struct {
	State     string // open, soon or closed
	Heading   string
	Text      string // the dates
	Short     string // the dates as a card says them
	Remaining string // "closes in 12 days", emphasised
}

func (p Page) browseWindowOf(today, opens, closes time.Time) browseWindow {
	switch {
	case closes.Before(today):
		return browseWindow{State: "closed", Heading: p.T("browse.window.closed"), Text: p.T("browse.window.closed_on", p.browseDate(closes)),
			Short: p.T("browse.deadline.closed")}
	case opens.After(today):
		n := browseDaysLeft(today, opens)
		rem := p.N("browse.opens_in", n)
		if n == 1 {
			rem = p.T("browse.opens_tomorrow")
		}
		return browseWindow{State: "soon", Heading: p.T("browse.window.soon"), Text: p.T("browse.window.soon_text", p.browseDate(opens), p.browseDate(closes)),
			Short: p.T("browse.deadline.soon", p.browseDate(opens)), Remaining: rem}
	}
	n := browseDaysLeft(today, closes)
	rem := p.N("browse.closes_in", n)
	switch n {
	case 0:
		rem = p.T("browse.closes_today")
	case 1:
		rem = p.T("browse.closes_tomorrow")
	}
	return browseWindow{State: "open", Heading: p.T("browse.window.open"), Text: p.T("browse.window.open_text", p.browseDate(closes)),
		Short: p.T("browse.deadline.open", p.browseDate(closes)), Remaining: rem}
}

// fee is "JPY 30,000", or "No fee".
func (p Page) browseFee(amount int, currency string) string {
	if amount <= 0 {
		return p.T("browse.fee.none")
	}
	return currency + " " + browseGrouped(amount)
}

// grouped writes n with thousands separators, the same in both languages.
func browseGrouped(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// browseCard is one elective as a result card.
type browseCard struct {
	ID                 int64
	Path               string
	Title              browseText
	Institution        browseName
	Place              string
	Specialty, Kind    string
	Language, Duration string
	Next               string // when the next period starts
	Seats, SeatsState  string // the seats of that period
	Later              string // the seats of the periods after it, if any
	Deadline           string
	DeadlineState      string
	Remaining          string
	InstitutionPath    string
	Star               *starButton // a student's star toggle (stars.go)
	// Body, when set, is the card already rendered without its star
	// (catalog_cards.go), and the fields above it may be empty.
	Body template.HTML
}

func (p Page) browseCardOf(c catalog.Card, today time.Time) browseCard {
	title, _ := browseBilingual(p, c.TitleEN, c.TitleZH)
	v := browseCard{
		ID: c.ElectiveID, Path: "/electives/" + strconv.FormatInt(c.ElectiveID, 10), Title: title,
		Institution: browseNameOf(p, c.InstitutionNameEN, c.InstitutionNameLocal, c.Country),
		Place:       p.browsePlace(c.City, c.Country),
		Specialty:   p.T("specialty." + c.Specialty), Kind: p.T("elective_kind." + c.Kind),
		Language: p.T("language." + c.Language), Duration: p.browseWeeks(c.DurationWeeks),
		InstitutionPath: "/institutions/" + strconv.FormatInt(c.InstitutionID, 10),
	}
	if c.NextStart != nil {
		v.Next = p.T("browse.next_start", p.browseDate(*c.NextStart))
		v.Seats, v.SeatsState = p.browseSeats(c.SeatsLeft)
		if c.Periods > 1 {
			v.Later = p.N("browse.later_seats", c.LaterSeats)
		}
	} else {
		v.Next, v.SeatsState = p.T("browse.no_periods"), "full"
	}
	w := p.browseWindowOf(today, c.OpensOn, c.ClosesOn)
	v.Deadline, v.DeadlineState, v.Remaining = w.Short, w.State, w.Remaining
	return v
}

// browseCatalogView is the catalog page, and the fragment of its results.
type browseCatalogView struct {
	Page
	Query      catalog.Query // as the search understood it
	Selects    []browseSelect
	Filters    template.HTML // Selects rendered (catalog_cards.go)
	Count      string
	Cards      []browseCard
	Empty      string // why there are no cards
	Suggest    *browseSuggest
	Prev, Next string
	PageInfo   string
	SaveSearch *saveSearchForm // a student's "save this search" (stars.go)
}

// browseSuggest is the "did you mean" line: the corrected words, linked
// to their search, and why the cards are theirs.
type browseSuggest struct {
	Before, Text, After, Link, Note string
}

// browseSelect is one drop-down filter of the search form.
type browseSelect struct {
	ID, Name, Label string
	Options         []browseOption // the first is "all"
}

type browseOption struct {
	Value, Label string
	Selected     bool
}

// results fills the view from a page of results; card makes each card
// (the server's cardCache).
func (v *browseCatalogView) results(res catalog.Results, card func(catalog.Card) (browseCard, error)) error {
	v.Query = res.Query
	if res.Total == 0 {
		v.Count = v.T("browse.count.none")
	} else {
		v.Count = v.N("browse.count", int(res.Total), res.Total)
	}
	if res.Suggestion != "" {
		q := res.Query
		q.Text = res.Suggestion
		v.Suggest = &browseSuggest{Before: v.T("search.did_you_mean.before"), Text: res.Suggestion, After: v.T("search.did_you_mean.after"),
			Link: browseLink(q, 1), Note: v.T("search.corrected", res.Query.Text, res.Suggestion)}
	}
	for _, c := range res.Cards {
		bc, err := card(c)
		if err != nil {
			return err
		}
		v.Cards = append(v.Cards, bc)
	}
	if len(v.Cards) == 0 {
		v.Empty = v.T("browse.empty")
		if res.Total > 0 {
			v.Empty = v.T("browse.past_end")
		}
	}
	if res.Pages > 1 && len(v.Cards) > 0 {
		v.PageInfo = v.T("browse.page_of", res.Page, res.Pages)
		if res.Page > 1 {
			v.Prev = browseLink(res.Query, res.Page-1)
		}
		if res.Page < res.Pages {
			v.Next = browseLink(res.Query, res.Page+1)
		}
	}
	return nil
}

// form fills the drop-downs, with the values the search kept selected.
func (v *browseCatalogView) form(q catalog.Query, countries []string) {
	sel := func(id, name, label, all, prefix, current string, values []string) browseSelect {
		s := browseSelect{ID: id, Name: name, Label: v.T(label), Options: []browseOption{{Value: "", Label: v.T(all)}}}
		for _, val := range values {
			s.Options = append(s.Options, browseOption{Value: val, Label: v.T(prefix + val), Selected: val == current})
		}
		return s
	}
	v.Selects = []browseSelect{
		sel("browse-country", "country", "browse.country", "browse.country.all", "country.", q.Country, countries),
		sel("browse-specialty", "specialty", "browse.specialty", "browse.specialty.all", "specialty.", q.Specialty, catalog.Specialties),
		sel("browse-kind", "kind", "browse.kind", "browse.kind.all", "elective_kind.", q.Kind, catalog.ElectiveKinds),
		sel("browse-language", "language", "browse.language", "browse.language.all", "language.", q.Language, catalog.Languages),
	}
}

// browseFact is one line of a page's description list.
type browseFact struct {
	Label string
	Value browseText
}

// browseAgreement is an agreement as students see it.
type browseAgreement struct {
	Kind    string
	Title   browseText
	Fields  []browseText
	Valid   string
	Expired bool // past its last day: said in words
}

func (p Page) browseAgreementOf(a catalog.Agreement) browseAgreement {
	b := browseAgreement{Kind: p.T("agreement_kind." + a.Kind), Title: browseData(p, "agreement_title", a.Title),
		Valid: p.T("browse.agreement.valid", p.browseDate(a.ValidFrom), p.browseDate(a.ValidUntil))}
	for _, f := range a.FieldList() {
		b.Fields = append(b.Fields, browseData(p, "tag", f))
	}
	return b
}

// browsePeriod is one period of an elective's table.
type browsePeriod struct {
	Dates, Capacity string
	Seats, State    string // State: open, low, full or past
}

// browseElectiveView is an elective's page.
type browseElectiveView struct {
	Page
	Heading, OtherTitle browseText
	Retired             bool
	Incoming            string // the rotation notice, for an elective at our hospital
	Institution         browseName
	InstitutionPath     string
	Place               string
	Window              browseWindow
	Description         browseText
	Facts               []browseFact
	Docs                []string
	Periods             []browsePeriod
	Agreement           *browseAgreement
	Checklist           *WalletChecklist // nil unless a student or incoming applicant is signed in
	Apply               *ApplyForm       // applications: nil unless a student may apply now
	Held                *electiveHeld    // what the signed-in student already has here
	Star                *starButton      // a student's star toggle (stars.go)
	Cutoffs             *roundCutoffs    // the last selection round's figures (rounds_outcome.go)

	Feedback *evaluationFeedbackView // past students' reports (evaluation.go)
}

func (v *browseElectiveView) fill(d *catalog.ElectiveDetail, today time.Time) {
	e, inst := d.Elective, d.Institution
	v.Heading, v.OtherTitle = browseBilingual(v.Page, e.TitleEN, e.TitleZH)
	v.Retired = e.RetiredAt != nil
	v.Institution = browseNameOf(v.Page, inst.NameEN, inst.NameLocal, inst.Country)
	v.InstitutionPath = "/institutions/" + strconv.FormatInt(inst.ID, 10)
	v.Place = v.browsePlace(inst.City, inst.Country)
	v.Window = v.browseWindowOf(today, e.OpensOn, e.ClosesOn)
	v.Description, _ = browseBilingual(v.Page, e.DescriptionEN, e.DescriptionZH)
	if e.Direction == catalog.Incoming {
		dep := v.T("browse.incoming.any")
		if d.Department != nil {
			dep = d.Department.NameEN
			if v.Lang == i18n.TraditionalChinese && d.Department.NameZH != "" {
				dep = d.Department.NameZH
			}
		}
		v.Incoming = v.T("browse.incoming", dep)
	}
	lang := v.T("language." + e.Language)
	if e.LanguageLevel != "" {
		lang = v.T("browse.language_level", lang, e.LanguageLevel)
	}
	v.Facts = []browseFact{
		{v.T("browse.specialty"), browseText{Text: v.T("specialty." + e.Specialty)}},
		{v.T("browse.kind"), browseText{Text: v.T("elective_kind." + e.Kind)}},
		{v.T("browse.fact.language"), browseText{Text: lang}},
		{v.T("browse.fact.eligibility"), browseText{Text: v.T("browse.min_year", e.MinYear)}},
		{v.T("browse.fact.duration"), browseText{Text: v.browseWeeks(e.DurationWeeks)}},
		{v.T("browse.fact.fee"), browseText{Text: v.browseFee(e.FeeAmount, e.FeeCurrency)}},
		{v.T("browse.fact.window"), browseText{Text: v.T("browse.window.dates", v.browseDate(e.OpensOn), v.browseDate(e.ClosesOn))}},
	}
	for _, doc := range e.RequiredDocList() {
		v.Docs = append(v.Docs, v.T("doc."+doc))
	}
	for _, p := range d.Periods {
		row := browsePeriod{Dates: v.T("browse.period.dates", v.browseDate(p.StartsOn), v.browseDate(p.EndsOn)), Capacity: strconv.Itoa(p.Capacity)}
		if p.StartsOn.Before(today) {
			row.Seats, row.State = v.T("browse.period.past"), "past"
		} else {
			row.Seats, row.State = v.browseSeats(p.SeatsLeft())
		}
		v.Periods = append(v.Periods, row)
	}
	if d.Agreement != nil && d.Agreement.RetiredAt == nil {
		a := v.browseAgreementOf(*d.Agreement)
		a.Expired = expired(*d.Agreement, today)
		v.Agreement = &a
	}
}

// browseInstitutionView is an institution's page.
type browseInstitutionView struct {
	Page
	Name         browseName
	Retired      bool
	Place, Kind  string
	Website      string
	ContactName  browseText
	ContactEmail string
	Agreements   []browseAgreement
	Cards        []browseCard
}

func (v *browseInstitutionView) fill(d *catalog.InstitutionDetail, cards []catalog.Card, today time.Time) {
	i := d.Institution
	v.Name = browseNameOf(v.Page, i.NameEN, i.NameLocal, i.Country)
	v.Retired = i.RetiredAt != nil
	v.Place = v.browsePlace(i.City, i.Country)
	v.Kind = v.T("institution_kind." + i.Kind)
	v.Website, v.ContactEmail = i.Website, i.ContactEmail
	if i.ContactName != "" {
		v.ContactName = browseEnglish(v.Page, i.ContactName)
	}
	// Students see the agreements in force; expired ones are history for
	// the office.
	for _, a := range d.Agreements {
		if !a.ValidUntil.Before(today) {
			v.Agreements = append(v.Agreements, v.browseAgreementOf(a))
		}
	}
	for _, c := range cards {
		v.Cards = append(v.Cards, v.browseCardOf(c, today))
	}
}
