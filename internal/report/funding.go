package report

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sort"
	"strings"
	"time"

	"portal/internal/user"
)

// FundingRow is one student's mobility in the funding register: where,
// when, the scholarship money tied to it and whether the student's report
// is in. A mobility funded in two currencies has a row per currency, so
// that every amount is a plain number.
type FundingRow struct {
	Direction                       string // "outgoing" or "incoming"
	ID                              int64  // the application, or the rotation request
	StudentName                     string
	InstitutionID                   int64 // 0: an incoming student's home entered by name
	InstitutionEN, InstitutionLocal string
	StartsOn, EndsOn                time.Time
	Weeks                           int
	Currency                        string // "" when nothing was awarded
	Awarded                         int64  // awarded and not returned
	Paid                            int64
	ReportSubmitted                 bool // outgoing only: incoming students file none here
}

// FundingPageSize is how many rows of the register a page of the portal
// shows: a year can hold hundreds of thousands.
const FundingPageSize = 100

// FundingPage is one page of the register with what the whole selection
// adds up to, so that the office reads the year's totals on any page.
type FundingPage struct {
	Rows   []FundingRow
	Page   int // from 1; a page past the last is the last
	Pages  int
	Offset int // rows before this page
	Total  int // rows in the whole register
	Money  []FundingTotal
}

// FundingTotal is the money of the whole register in one currency.
type FundingTotal struct {
	Currency      string
	Rows          int // the register's rows in this currency
	Awarded, Paid int64
}

// fundingOrder is the register's order: by first day, outgoing before
// incoming, then by application or request and currency; stable from
// page to page.
const fundingOrder = "g.starts_on, g.dir, g.id, g.currency"

// fundingSQL is the register as lean rows (dir 0 outgoing, 1 incoming):
// the keys, dates and money, without names, which only the rows shown
// need. Both halves start from what begins in the year (periods.starts_on
// and rotation_choices.starts_on are indexed), so the work follows the
// year's mobilities rather than every application ever made. Money is
// summed per application and currency; scholarship awards are few next
// to applications.
func (s *Service) fundingSQL(f Filter) (string, []any) {
	from, to := dateSpan(s.Year(f))
	return fundingBetween(f, from, to)
}

// fundingBetween is fundingSQL over the mobilities starting on a day in
// [from, to) only.
func fundingBetween(f Filter, from, to time.Time) (string, []any) {
	out := `SELECT 0 AS dir, a.id, a.applicant_id AS person, e.institution_id AS inst, p.starts_on, p.ends_on, 0 AS weeks,
		COALESCE(m.currency, '') AS currency, COALESCE(m.awarded, 0) AS awarded, COALESCE(m.paid, 0) AS paid
	FROM periods AS p
	JOIN application_choices AS c ON c.period_id = p.id
	JOIN applications AS a ON a.id = c.application_id AND a.current_choice = c.rank
	JOIN electives AS e ON e.id = c.elective_id
	LEFT JOIN (SELECT q.application_id, w.currency,
			CAST(SUM(CASE WHEN w.status <> 'returned' THEN w.amount ELSE 0 END) AS BIGINT) AS awarded,
			CAST(SUM(CASE WHEN w.status = 'paid' THEN w.amount ELSE 0 END) AS BIGINT) AS paid
		FROM scholarship_requests AS q JOIN scholarship_awards AS w ON w.request_id = q.id
		GROUP BY q.application_id, w.currency) AS m ON m.application_id = a.id
	WHERE p.starts_on >= ` + dateLiteral(from) + ` AND p.starts_on < ` + dateLiteral(to) + `
		AND a.direction = 'outgoing' AND a.status IN ` + mobilityIn
	var args []any
	if f.InstitutionID != 0 {
		out += " AND e.institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	if f.Specialty != "" {
		out += " AND e.specialty = ?"
		args = append(args, f.Specialty)
	}
	if f.Specialty != "" {
		return out, args // incoming rotations have no specialty
	}
	in := `SELECT 1, r.id, r.applicant_id, COALESCE(ip.home_institution_id, 0), rc.starts_on, rc.starts_on, rc.weeks, '', 0, 0
	FROM rotation_choices AS rc
	JOIN rotation_requests AS r ON r.id = rc.request_id AND r.accepted_choice = rc.rank
	LEFT JOIN incoming_profiles AS ip ON ip.user_id = r.applicant_id
	WHERE rc.starts_on >= ` + dateLiteral(from) + ` AND rc.starts_on < ` + dateLiteral(to) + ` AND r.status IN ` + mobilityIn
	if f.InstitutionID != 0 {
		in += " AND ip.home_institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	return out + "\nUNION ALL\n" + in, args
}

// mobilityIn is mobilityStatuses as SQL, and dateLiteral a day as SQL:
// written into the statement rather than bound, so that PostgreSQL plans
// each year for its own size. With the year bound, a statement prepared
// once is planned once, for whichever year came first: a plan good for a
// year of a thousand placements (index probes one by one) takes minutes
// on a year of a quarter million, and the reverse wastes a scan on a
// small year. Neither holds anything a reader typed.
const mobilityIn = "('confirmed', 'completed')"

// dateLiteral compares as a DATE on PostgreSQL and, on SQLite, as the
// text the driver stored ("2026-03-02 00:00:00+00:00" sorts after
// "2026-03-02" and before "2026-03-03").
func dateLiteral(t time.Time) string { return "'" + t.Format(time.DateOnly) + "'" }

// fundingDetail is the select that dresses lean rows g with the student's
// name, the partner and the report, read for the rows returned only.
const fundingDetail = `SELECT g.dir, g.id, g.starts_on, g.ends_on, g.weeks, g.currency, g.awarded, g.paid, u.name AS student_name,
	COALESCE(i.id, 0) AS institution_id, COALESCE(i.name_en, ip.home_institution_name, '') AS institution_en,
	COALESCE(i.name_local, '') AS institution_local, sr.submitted_at IS NOT NULL AS report_submitted
FROM (%s) AS g
JOIN users AS u ON u.id = g.person
LEFT JOIN institutions AS i ON i.id = g.inst
LEFT JOIN incoming_profiles AS ip ON g.dir = 1 AND ip.user_id = g.person
LEFT JOIN student_reports AS sr ON g.dir = 0 AND sr.application_id = g.id
ORDER BY ` + fundingOrder

// FundingPage reports page n (from 1), of size rows, of the register of the mobilities
// starting in the filter's year: outgoing placements with their
// scholarship awards (internal/scholarship) and report (internal/
// evaluation), and incoming rotations, which no scholarship of the portal
// funds. A specialty narrows it to the outgoing electives of that
// specialty. The counts and money are aggregates over the whole register;
// only the page's rows are read.
//
// A year may hold hundreds of thousands of placements, so neither the
// count nor the page scans them: the rows per first day come from the
// per-period counters (period_application_counts, kept by triggers), the
// extra rows of students funded in several currencies from the awards
// (few), and the page's rows are then read for the days it covers only.
func (s *Service) FundingPage(ctx context.Context, u *user.User, f Filter, n, size int) (FundingPage, error) {
	if err := s.allow(u); err != nil {
		return FundingPage{}, err
	}
	days, money, err := s.fundingDays(ctx, f)
	if err != nil {
		return FundingPage{}, err
	}
	var page FundingPage
	for _, d := range days {
		page.Total += d.rows
	}
	page.Money = money
	size = max(size, 1)
	page.Pages = max(1, (page.Total+size-1)/size)
	page.Page = min(max(n, 1), page.Pages)
	page.Offset = (page.Page - 1) * size
	// The days whose rows the page holds, and the rows before the first.
	var from, to time.Time
	before, seen := 0, 0
	for _, d := range days {
		if seen+d.rows > page.Offset && seen < page.Offset+size {
			if from.IsZero() {
				from, before = d.day, seen
			}
			to = d.day.AddDate(0, 0, 1)
		}
		seen += d.rows
	}
	if from.IsZero() {
		return page, nil
	}
	register, args := fundingBetween(f, from, to)
	lean := "SELECT * FROM (" + register + ") AS g ORDER BY " + fundingOrder + " LIMIT ? OFFSET ?"
	err = s.eachFunding(ctx, fmt.Sprintf(fundingDetail, lean), append(args, size, page.Offset-before), func(r FundingRow) error {
		page.Rows = append(page.Rows, r)
		return nil
	})
	return page, err
}

// fundingDay is how many rows of the register start on one day.
type fundingDay struct {
	day  time.Time
	rows int
}

// fundingDays counts the register's rows per first day, in order, and
// adds up its money per currency, without reading its placements: the
// outgoing ones are counted by the per-period counters, the currencies
// beyond a placement's first read off the awards, and the incoming
// rotations, which are few, counted where they start.
func (s *Service) fundingDays(ctx context.Context, f Filter) ([]fundingDay, []FundingTotal, error) {
	from, to := dateSpan(s.Year(f))
	byDay := map[string]*fundingDay{}
	add := func(t time.Time, n int) {
		d := day(t)
		k := d.Format(time.DateOnly)
		if byDay[k] == nil {
			byDay[k] = &fundingDay{day: d}
		}
		byDay[k].rows += n
	}
	var out []struct {
		StartsOn sqlDate
		N        int
	}
	q := `SELECT p.starts_on, SUM(k.current_n) AS n FROM period_application_counts AS k
		JOIN periods AS p ON p.id = k.period_id JOIN electives AS e ON e.id = p.elective_id
		WHERE k.status IN ` + mobilityIn + ` AND e.direction = 'outgoing'
		AND p.starts_on >= ` + dateLiteral(from) + ` AND p.starts_on < ` + dateLiteral(to)
	var args []any
	if f.InstitutionID != 0 {
		q += " AND e.institution_id = ?"
		args = append(args, f.InstitutionID)
	}
	if f.Specialty != "" {
		q += " AND e.specialty = ?"
		args = append(args, f.Specialty)
	}
	if err := s.read(ctx).Raw(q+" GROUP BY p.starts_on", args...).Scan(&out).Error; err != nil {
		return nil, nil, wrap(err, "funding register days")
	}
	for _, o := range out {
		add(o.StartsOn.t, o.N)
	}
	// The awards of the year's placements, per placement and currency: a
	// placement funded in k currencies is k rows, not one.
	var awards []struct {
		ApplicationID int64
		StartsOn      sqlDate
		Currency      string
		Awarded, Paid int64
	}
	aq := `SELECT q.application_id, p.starts_on, w.currency,
			CAST(SUM(CASE WHEN w.status <> 'returned' THEN w.amount ELSE 0 END) AS BIGINT) AS awarded,
			CAST(SUM(CASE WHEN w.status = 'paid' THEN w.amount ELSE 0 END) AS BIGINT) AS paid
		FROM scholarship_awards AS w JOIN scholarship_requests AS q ON q.id = w.request_id
		JOIN applications AS a ON a.id = q.application_id
		JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice
		JOIN periods AS p ON p.id = c.period_id JOIN electives AS e ON e.id = c.elective_id
		WHERE a.direction = 'outgoing' AND a.status IN ` + mobilityIn + `
		AND p.starts_on >= ` + dateLiteral(from) + ` AND p.starts_on < ` + dateLiteral(to)
	if f.InstitutionID != 0 {
		aq += " AND e.institution_id = ?"
	}
	if f.Specialty != "" {
		aq += " AND e.specialty = ?"
	}
	if err := s.read(ctx).Raw(aq+" GROUP BY q.application_id, p.starts_on, w.currency ORDER BY w.currency", args...).Scan(&awards).Error; err != nil {
		return nil, nil, wrap(err, "funding register money")
	}
	var money []FundingTotal
	funded := map[int64]bool{}
	for _, w := range awards {
		if funded[w.ApplicationID] {
			add(w.StartsOn.t, 1)
		}
		funded[w.ApplicationID] = true
		if len(money) == 0 || money[len(money)-1].Currency != w.Currency {
			money = append(money, FundingTotal{Currency: w.Currency})
		}
		m := &money[len(money)-1]
		m.Rows++
		m.Awarded += w.Awarded
		m.Paid += w.Paid
	}
	if f.Specialty == "" { // incoming rotations have no specialty
		var in []struct {
			StartsOn sqlDate
			N        int
		}
		iq := `SELECT rc.starts_on, COUNT(*) AS n FROM rotation_choices AS rc
			JOIN rotation_requests AS r ON r.id = rc.request_id AND r.accepted_choice = rc.rank
			LEFT JOIN incoming_profiles AS ip ON ip.user_id = r.applicant_id
			WHERE rc.starts_on >= ` + dateLiteral(from) + ` AND rc.starts_on < ` + dateLiteral(to) + ` AND r.status IN ` + mobilityIn
		var iargs []any
		if f.InstitutionID != 0 {
			iq += " AND ip.home_institution_id = ?"
			iargs = append(iargs, f.InstitutionID)
		}
		if err := s.read(ctx).Raw(iq+" GROUP BY rc.starts_on", iargs...).Scan(&in).Error; err != nil {
			return nil, nil, wrap(err, "funding register incoming days")
		}
		for _, r := range in {
			add(r.StartsOn.t, r.N)
		}
	}
	days := make([]fundingDay, 0, len(byDay))
	for _, d := range byDay {
		days = append(days, *d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].day.Before(days[j].day) })
	return days, money, nil
}

// Funding reports the whole register, every row in FundingPage's order,
// for the tests and whoever needs it in memory.
func (s *Service) Funding(ctx context.Context, u *user.User, f Filter) ([]FundingRow, error) {
	var rows []FundingRow
	err := s.FundingEach(ctx, u, f, func(r FundingRow) error {
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// FundingEach hands every row of the register to fn in FundingPage's
// order, as the database streams them: an export of a year never holds
// the rows twice.
func (s *Service) FundingEach(ctx context.Context, u *user.User, f Filter, fn func(FundingRow) error) error {
	if err := s.allow(u); err != nil {
		return err
	}
	register, args := s.fundingSQL(f)
	return s.eachFunding(ctx, fmt.Sprintf(fundingDetail, register), args, fn)
}

// eachFunding runs a fundingDetail query and hands its rows to fn.
func (s *Service) eachFunding(ctx context.Context, query string, args []any, fn func(FundingRow) error) error {
	rows, err := s.read(ctx).Raw(query, args...).Rows()
	if err != nil {
		return wrap(err, "funding register")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r            FundingRow
			dir          int
			starts, ends sqlDate
		)
		err := rows.Scan(&dir, &r.ID, &starts, &ends, &r.Weeks, &r.Currency, &r.Awarded, &r.Paid, &r.StudentName,
			&r.InstitutionID, &r.InstitutionEN, &r.InstitutionLocal, &r.ReportSubmitted)
		if err != nil {
			return wrap(err, "funding register row")
		}
		r.StartsOn = starts.t
		if dir == 0 {
			r.Direction, r.EndsOn = "outgoing", ends.t
			r.Weeks = weeksOf(r.StartsOn, r.EndsOn)
		} else {
			r.Direction = "incoming"
			r.EndsOn = r.StartsOn.AddDate(0, 0, 7*r.Weeks-1)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrap(err, "funding register rows")
	}
	return nil
}

// sqlDate reads a date column that went through a UNION: PostgreSQL still
// gives a time, SQLite gives the text it stored ("2026-03-02 00:00:00+00:00"),
// having lost the column's declared type.
type sqlDate struct{ t time.Time }

var sqlDateLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05", "2006-01-02"}

func (d *sqlDate) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case time.Time:
		d.t = day(v)
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("a date as %T", v)
	}
	for _, layout := range sqlDateLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(text)); err == nil {
			d.t = day(t)
			return nil
		}
	}
	return fmt.Errorf("a date as %q", text)
}

// Value lets GORM take sqlDate for a column type when it scans a struct.
func (d sqlDate) Value() (driver.Value, error) { return d.t, nil }

var (
	_ sql.Scanner   = (*sqlDate)(nil)
	_ driver.Valuer = sqlDate{}
)
