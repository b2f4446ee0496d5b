package web

import (
	"html"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/i18n"
)

// The views of the reviewers' queue. Every string a template shows is
// computed here, translated; templates only place them.

// reviewView is the queue page, and the fragment htmx swaps in.
type reviewView struct {
	Page
	Form   reviewForm
	Errors []string // what is wrong with the filters, translated
	Tabs   []reviewTab
	Table  reviewTable
	Shown  string // how many rows the page shows
	First  string // link to the first page, when on a later one
	Next   string // link to the next page, "" on the last
	Lede   string
	Empty  string
	// Bulk offers the office's bulk actions: selection boxes and buttons.
	Bulk    bool
	Actions []reviewBulkButton
	Columns []reviewExportOption // the columns an export can hold
	// Notice is what came of the last bulk action when it did nothing
	// (none selected), shown above the queue as it was filtered.
	Notice string
}

// reviewTable is what RenderQueueRows and the page share: the rows and
// whether they have selection boxes.
type reviewTable struct {
	Rows []reviewRow
	Bulk bool
}

// reviewRow is one application of the queue.
type reviewRow struct {
	Holder      string // who has taken it and for how long (review_claim.go); "Nobody"
	HolderMine  bool   // highlighted: taken by someone
	ID          int64
	Link        string
	Applicant   string
	SelectLabel string
	Value       string // id:version:rank, what a bulk action acts on
	Stage       string // translated
	StageCode   string
	Turn        string
	Days        string
	Stale       bool
	StaleLabel  string
	Choice      string // "Choice 2", empty for the first
	Elective    browseText
	Institution browseName
	Period      string
}

// reviewTab is a link to one stage of the queue, with its count.
type reviewTab struct {
	Label, Count, Path string
	Current            bool
}

type reviewBulkButton struct {
	Name, Label string
	Primary     bool
}

// reviewForm is the filter form as the reader typed it. The choices of
// its lists are markup made here (optionsHTML): every queue page shows
// every partner, a couple of hundred <option>s that html/template would
// make at a cost (reflection, one escaper call per value) near that of
// the queue's fifty rows.
type reviewForm struct {
	Stage, Partner, Month, Specialty, Waiting, Sort string
	Stages, Partners, Specialties, Sorts            template.HTML
	Claim                                           string            // who holds the rows: application.ClaimMine, ClaimFree or ""
	Claims                                          template.HTML     // its choices
	Fields                                          map[string]string // field -> error message
}

type reviewOption struct {
	Value, Label string
	Selected     bool
}

// optionsHTML is the <option> elements of opts, values and labels escaped.
func optionsHTML(opts []reviewOption) template.HTML {
	var b strings.Builder
	b.Grow(64 * len(opts))
	for _, o := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(o.Value))
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(html.EscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String()) // every value and label escaped above
}

// reviewParams reads the filters of a queue request. The form's raw values
// are kept to show back; numbers that are not numbers are refused here,
// the rest by the queue.
func reviewParams(q url.Values) (reviewForm, application.QueueFilter, map[string]string) {
	form := reviewForm{Stage: q.Get("stage"), Partner: q.Get("partner"), Month: q.Get("month"),
		Specialty: q.Get("specialty"), Waiting: q.Get("waiting"), Sort: q.Get("sort")}
	form.Claim = q.Get("claim")
	f := application.QueueFilter{Month: form.Month, Specialty: form.Specialty, Sort: application.QueueSort(form.Sort), After: q.Get("after"),
		Claim: form.Claim}
	bad := map[string]string{}
	all := false
	for _, st := range q["stage"] {
		switch st {
		case "":
		case reviewAllOpen:
			all = true
		default:
			f.Stages = append(f.Stages, application.Stage(st))
		}
	}
	// No stage chosen is what waits for the reader.
	f.Mine = !all && len(f.Stages) == 0
	num := func(field, v string, dst *int64) {
		if v == "" {
			return
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad[field] = "review.err.number"
			return
		}
		*dst = n
	}
	var waiting, period int64
	num("partner", form.Partner, &f.PartnerID)
	num("period", q.Get("period"), &period)
	num("waiting", form.Waiting, &waiting)
	f.PeriodID, f.WaitingDays = period, int(waiting)
	if waiting > 3650 {
		f.WaitingDays = -1 // let the queue refuse it with its message
	}
	return form, f, bad
}

// reviewAllOpen is the stage filter's value for every open stage; no
// value at all is what waits for the reader.
const reviewAllOpen = "open"

// refuse shows what is wrong with the filters: bad holds the form's own
// complaints (message keys by field), fields the queue's.
func (v *reviewView) refuse(bad map[string]string, fields apperr.Fields) {
	v.Form.Fields = map[string]string{}
	for field, key := range bad {
		v.Form.Fields[field] = v.T(key)
	}
	for field, m := range fields {
		v.Form.Fields[field] = v.T(m.Key, m.Args...)
	}
	for _, field := range []string{"stage", "claim", "partner", "period", "specialty", "month", "waiting", "sort", "after"} {
		if msg, ok := v.Form.Fields[field]; ok {
			v.Errors = append(v.Errors, msg)
		}
	}
}

// reviewLink is the queue's address for f, after cursor when set.
func reviewLink(f application.QueueFilter, after string) string {
	v := url.Values{}
	switch {
	case f.Mine:
	case slices.Equal(f.Stages, application.OpenStages):
		v.Set("stage", reviewAllOpen)
	default:
		for _, st := range f.Stages {
			v.Add("stage", string(st))
		}
	}
	if f.PartnerID > 0 {
		v.Set("partner", strconv.FormatInt(f.PartnerID, 10))
	}
	if f.PeriodID > 0 {
		v.Set("period", strconv.FormatInt(f.PeriodID, 10))
	}
	for name, val := range map[string]string{"month": f.Month, "specialty": f.Specialty, "claim": f.Claim} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if f.WaitingDays > 0 {
		v.Set("waiting", strconv.Itoa(f.WaitingDays))
	}
	if f.Sort != "" && f.Sort != application.OldestFirst {
		v.Set("sort", string(f.Sort))
	}
	if after != "" {
		v.Set("after", after)
	}
	if len(v) == 0 {
		return "/review"
	}
	return "/review?" + v.Encode()
}

// reviewRows turns queue rows into what the table shows: stale marks rows
// in their stage for staleDays days or more; bulk adds selection boxes.
func reviewRows(p Page, rows []application.QueueRow, staleDays int, bulk bool, queue string) reviewTable {
	t := reviewTable{Bulk: bulk, Rows: make([]reviewRow, 0, len(rows))}
	for _, r := range rows {
		v := reviewRow{ID: r.ID, Link: reviewQueueLink(r.ID, queue), Applicant: r.ApplicantName,
			StageCode: string(r.Stage), Stage: p.T("application.stage." + string(r.Stage)),
			Stale: r.DaysInStage >= staleDays && application.ReviewersTurn(r.Stage), Turn: p.T("review.turn.none")}
		if bulk {
			v.SelectLabel = p.T("review.select_row", r.ApplicantName)
			v.Value = strconv.FormatInt(r.ID, 10) + ":" + strconv.Itoa(r.Version) + ":" + strconv.Itoa(r.CurrentChoice)
		}
		if r.Turn != "" {
			v.Turn = p.T("application.party." + string(r.Turn))
		}
		v.Holder = p.T("claim.queue.nobody")
		if r.HolderID != 0 {
			v.HolderMine = true
			days := p.T("claim.queue.today")
			switch {
			case r.DaysClaimed == 1:
				days = p.T("review.days.one")
			case r.DaysClaimed > 1:
				days = p.T("review.days", r.DaysClaimed)
			}
			v.Holder = p.T("claim.queue.held", r.HolderName, days)
		}
		if r.DaysInStage == 1 {
			v.Days = p.T("review.days.one")
		} else {
			v.Days = p.T("review.days", r.DaysInStage)
		}
		if r.Stage == application.Nominated { // the host's turn: it may answer through its dossier link (host.go)
			v.Days = p.T("host.queue.waiting", v.Days)
		}
		if v.Stale {
			v.StaleLabel = p.T("review.stale")
		}
		if r.ElectiveID == 0 {
			v.Elective = browseText{Text: p.T("review.no_choice")}
		} else {
			v.Elective, _ = browseBilingual(p, r.ElectiveTitleEN, r.ElectiveTitleZH)
			v.Institution = browseNameOf(p, r.InstitutionNameEN, r.InstitutionNameLocal, r.Country)
			v.Period = p.T("review.period", p.browseDate(r.StartsOn), p.browseDate(r.EndsOn))
			if r.CurrentChoice > 1 {
				v.Choice = p.T("review.choice_rank", r.CurrentChoice)
			}
		}
		t.Rows = append(t.Rows, v)
	}
	return t
}

// fill puts a queue page into the view.
func (v *reviewView) fill(qp *application.QueuePage, staleDays int) {
	f := qp.Filter
	v.Table = reviewRows(v.Page, qp.Rows, staleDays, v.Bulk, reviewLink(f, ""))
	if f.Mine {
		v.Empty = v.T("review.empty.mine")
	}
	if f.Mine && f.Claim == application.ClaimMine {
		v.Empty = v.T("claim.queue.empty_mine")
	}
	v.Shown = v.T("review.shown", len(qp.Rows))
	if qp.Next != "" {
		v.Next = reviewLink(f, qp.Next)
	}
	v.tabs(f, qp.Counts)
}

// tabs are the open stages (and any other filtered on) with their counts,
// each a link keeping the other filters.
func (v *reviewView) tabs(f application.QueueFilter, counts []application.StageCount) {
	mine := f
	mine.Mine, mine.Stages, mine.Claim = true, nil, ""
	taken := mine
	taken.Claim = application.ClaimMine
	waiting, more := 0, false
	if f.Mine {
		for _, c := range counts {
			if slices.Contains(f.Stages, c.Stage) {
				waiting, more = waiting+c.N, more || c.More
			}
		}
	}
	tab := reviewTab{Label: v.T("review.tab.mine"), Path: reviewLink(mine, ""), Current: f.Mine && f.Claim != application.ClaimMine}
	// What the reader has taken, beside what waits for them.
	took := reviewTab{Label: v.T("claim.queue.tab"), Path: reviewLink(taken, ""), Current: f.Mine && f.Claim == application.ClaimMine}
	count := strconv.Itoa(waiting)
	if more {
		count = v.T("review.count.more", waiting)
	}
	switch {
	case took.Current:
		took.Count = count
	case f.Mine:
		tab.Count = count
	}
	v.Tabs = append(v.Tabs, tab, took)
	open := f
	open.Mine, open.Stages = false, application.OpenStages
	v.Tabs = append(v.Tabs, reviewTab{Label: v.T("review.tab.open"), Path: reviewLink(open, ""),
		Current: !f.Mine && slices.Equal(f.Stages, application.OpenStages)})
	for _, c := range counts {
		one := f
		one.Mine, one.Stages = false, []application.Stage{c.Stage}
		n := strconv.Itoa(c.N)
		if c.More {
			n = v.T("review.count.more", c.N)
		}
		v.Tabs = append(v.Tabs, reviewTab{Label: v.T("application.stage." + string(c.Stage)), Count: n,
			Path: reviewLink(one, ""), Current: len(f.Stages) == 1 && f.Stages[0] == c.Stage})
	}
}

// reviewPartners are the partner choices of the filter form, made once
// for every page until the list is read again: their labels are the same
// in every language, and a couple of hundred of them cost a page more to
// escape than anything else on it but its rows.
type reviewPartners struct {
	options []reviewOption
	html    template.HTML // every option, none selected
}

func newReviewPartners(partners []catalog.Institution) *reviewPartners {
	p := &reviewPartners{options: make([]reviewOption, 0, len(partners))}
	for _, in := range partners {
		label := in.NameEN
		if in.NameLocal != "" && in.NameLocal != in.NameEN {
			label += " · " + in.NameLocal
		}
		p.options = append(p.options, reviewOption{Value: strconv.FormatInt(in.ID, 10), Label: label})
	}
	p.html = optionsHTML(p.options)
	return p
}

// choices is the options with the one whose value is selected marked.
func (p *reviewPartners) choices(selected string) template.HTML {
	if selected == "" {
		return p.html
	}
	opts := slices.Clone(p.options)
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return optionsHTML(opts)
}

// options fills the form's choices; partners come from the catalog.
func (v *reviewView) options(partners *reviewPartners) {
	fm := &v.Form
	stages := []reviewOption{{Value: "", Label: v.T("review.tab.mine"), Selected: fm.Stage == ""},
		{Value: reviewAllOpen, Label: v.T("review.stage.open"), Selected: fm.Stage == reviewAllOpen}}
	for _, st := range application.QueueStages {
		stages = append(stages, reviewOption{Value: string(st), Label: v.T("application.stage." + string(st)), Selected: fm.Stage == string(st)})
	}
	anyPartner := optionsHTML([]reviewOption{{Value: "", Label: v.T("review.partner.any")}})
	specialties := []reviewOption{{Value: "", Label: v.T("review.specialty.any")}}
	for _, sp := range catalog.Specialties {
		specialties = append(specialties, reviewOption{Value: sp, Label: v.T("specialty." + sp), Selected: fm.Specialty == sp})
	}
	var sorts []reviewOption
	for _, o := range []application.QueueSort{application.OldestFirst, application.NewestFirst} {
		sorts = append(sorts, reviewOption{Value: string(o), Label: v.T("review.sort." + string(o)),
			Selected: fm.Sort == string(o) || (fm.Sort == "" && o == application.OldestFirst)})
	}
	var claims []reviewOption
	for _, c := range []struct{ value, key string }{{"", "claim.queue.any"}, {application.ClaimMine, "claim.queue.mine"}, {application.ClaimFree, "claim.queue.free"}} {
		claims = append(claims, reviewOption{Value: c.value, Label: v.T(c.key), Selected: fm.Claim == c.value})
	}
	fm.Stages, fm.Specialties, fm.Sorts, fm.Claims = optionsHTML(stages), optionsHTML(specialties), optionsHTML(sorts), optionsHTML(claims)
	fm.Partners = anyPartner + partners.choices(fm.Partner)
}

// reviewBulkActions are the office's buttons, in the order shown.
var reviewBulkActions = []string{"nominate", application.HostDecisionAccepted, application.HostDecisionWaitlisted,
	application.HostDecisionRejected, "csv", "xlsx"}

func (v *reviewView) bulkButtons() {
	for _, a := range reviewBulkActions {
		v.Actions = append(v.Actions, reviewBulkButton{Name: a, Label: v.T("review.bulk." + a), Primary: a == "nominate"})
	}
}

// reviewPage builds the Page part for RenderQueueRows, which has no
// request: the language is all it needs.
func (s *Server) reviewPage(lang i18n.Lang) Page {
	return Page{Lang: lang, bundle: s.bundle}
}
