package application

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/user"
)

// The reviewers' queue: applications by stage within the reader's scope,
// filtered, oldest waiting first, a page at a time by keyset, with counts
// per stage for the tabs. One SQL statement answers a whole page, rows and
// counts, because the page's budget is three statements with the session
// lookup; see queueSQL.

// QueuePageSize is how many rows a queue page holds.
const QueuePageSize = 50

// QueueCountCap is where the counts per stage stop counting when they
// must be counted, under a filter on the current choice or the waiting
// time: a tab says "1000+" rather than making every page read every row of
// a large stage. Without such a filter the counts are exact, read from
// application_stage_counts.
const QueueCountCap = 1000

// OpenStages are the stages a queue shows by default and counts: someone
// still has a move to make. Drafts are never in a queue.
var OpenStages = []Stage{Submitted, DepartmentReview, OfficeReview, Nominated, Waitlisted, HostRejected,
	HostAccepted, Confirmed, Returned}

// WaitingStages are the open stages whose next move is u's to make: a
// department reviewer's submitted and department_review, the office's
// office_review, nominated, waitlisted and host_rejected. Rows where the
// student or nobody has the turn are not waiting for a reviewer.
func WaitingStages(u *user.User) []Stage {
	var out []Stage
	for _, st := range OpenStages {
		if ReviewersTurn(st) && u.Has(PartyRoles[Turn(st)]...) {
			out = append(out, st)
		}
	}
	return out
}

// ReviewersTurn reports whether stage waits on a reviewer (department reviewer
// or office) rather than the student or nobody: only such rows can be
// waiting too long.
func ReviewersTurn(stage Stage) bool {
	if !queued(stage) {
		return false
	}
	t := Turn(stage)
	return t == Reviewer || t == Office
}

// queued reports whether a stage whose turn is a reviewer's or the
// office's waits in their queue. A confirmed placement is the office's to
// recognise, but only after its last day, and /evaluations lists those.
func queued(stage Stage) bool { return stage != Confirmed }

// QueueStages are the stages a queue can be filtered on: every one but
// draft, which only its owner sees.
var QueueStages = Stages[1:]

// QueueSort orders a queue.
type QueueSort string

// The orders of a queue.
const (
	OldestFirst QueueSort = "oldest" // longest in its stage first: the default
	NewestFirst QueueSort = "newest"
)

// QueueFilter narrows a queue. The zero value is the open stages, oldest
// waiting first, first page.
type QueueFilter struct {
	Stages      []Stage // none: OpenStages
	PartnerID   int64   // the current choice's institution
	PeriodID    int64   // the current choice's period
	Month       string  // YYYY-MM: the current choice's period overlaps that month
	Specialty   string
	WaitingDays int // more than 0: in its stage for at least this many days
	Sort        QueueSort
	After       string // cursor of the page to read, from QueuePage.Next
	Limit       int    // rows per page; QueuePageSize when 0
	// Mine, without Stages, is what waits for the reader: the open stages
	// whose turn is a party they play (WaitingStages).
	Mine bool
	// Claim narrows to who holds the rows (claim.go): ClaimMine, the
	// reader; ClaimFree, nobody. "" is everyone's.
	Claim string
}

// The values of QueueFilter.Claim.
const (
	ClaimMine = "mine"
	ClaimFree = "free"
)

// QueueRow is one application as a queue shows it.
type QueueRow struct {
	ID            int64
	Version       int
	Stage         Stage
	Turn          Party
	ApplicantName string
	Specialty     string
	StageSince    time.Time
	DaysInStage   int
	CurrentChoice int // the rank the elective and period below are of
	// ElectiveID is 0 when the current choice is missing, which the
	// workflow never leaves behind but a queue must not fail on.
	ElectiveID                                       int64
	ElectiveTitleEN, ElectiveTitleZH                 string
	InstitutionNameEN, InstitutionNameLocal, Country string
	StartsOn, EndsOn                                 time.Time
	// Who holds it at its stage (claim.go): HolderID 0 when nobody.
	HolderID    int64
	HolderName  string
	ClaimedAt   time.Time
	DaysClaimed int
}

// StageCount is how many applications of the queue's scope and filters
// (all but the stage) are at Stage; More says the count stopped at
// QueueCountCap, which only a counted filter does.
type StageCount struct {
	Stage Stage
	N     int
	More  bool
}

// QueuePage is one page of a queue.
type QueuePage struct {
	Filter QueueFilter // as understood: defaults filled in, cursor cleared
	Rows   []QueueRow
	Counts []StageCount // the open stages and any other stage filtered on, in Stages order
	Next   string       // cursor of the next page; "" on the last
	Now    time.Time    // the clock the days in stage were counted on
}

// Queue returns a page of the applications u reviews: a department
// reviewer sees the specialties of their scope (none without one), the
// office and admins every application out of draft. Nobody sees their own
// application in a queue. Anyone else is refused.
func (s *Service) Queue(ctx context.Context, u *user.User, f QueueFilter) (*QueuePage, error) {
	if u == nil || !u.Has(user.Reviewer, user.Office, user.Admin) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if f.Mine && len(f.Stages) == 0 {
		f.Stages = WaitingStages(u)
	}
	f.Mine = f.Mine && len(f.Stages) > 0
	f, cur, err := normalise(f)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	q := queueSQL(u, f, cur, now)
	rows, err := s.db.WithContext(ctx).Raw(q.sql.String(), q.args...).Rows()
	if err != nil {
		return nil, wrap(err, "queue")
	}
	defer rows.Close()
	page := &QueuePage{Now: now, Rows: make([]QueueRow, 0, f.Limit+1)}
	var (
		id, version, rank, elective, holder                                              sql.NullInt64
		stage, name, specialty, titleEN, titleZH, instEN, instLocal, country, holderName sql.NullString
		since, starts, ends, claimed                                                     dbTime
		list                                                                             sql.RawBytes
	)
	dest := []any{&id, &version, &stage, &name, &specialty, &since, &rank, &elective,
		&titleEN, &titleZH, &instEN, &instLocal, &country, &starts, &ends, &holder, &holderName, &claimed, &list}
	var counts []int
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap(err, "queue row")
		}
		if counts == nil {
			if counts, err = countList(string(list), len(q.counted)); err != nil {
				return nil, wrap(err, "queue counts")
			}
		}
		if !id.Valid {
			continue // the counts of an empty page
		}
		r := QueueRow{ID: id.Int64, Version: int(version.Int64), Stage: Stage(stage.String), ApplicantName: name.String, Specialty: specialty.String,
			StageSince: since.Time, CurrentChoice: int(rank.Int64), ElectiveID: elective.Int64,
			ElectiveTitleEN: titleEN.String, ElectiveTitleZH: titleZH.String, InstitutionNameEN: instEN.String,
			InstitutionNameLocal: instLocal.String, Country: country.String, StartsOn: starts.Time, EndsOn: ends.Time,
			HolderID: holder.Int64, HolderName: holderName.String, ClaimedAt: claimed.Time}
		r.Turn = Turn(r.Stage)
		r.DaysInStage = max(int(now.Sub(r.StageSince)/(24*time.Hour)), 0)
		if r.HolderID != 0 {
			r.DaysClaimed = max(int(now.Sub(r.ClaimedAt)/(24*time.Hour)), 0)
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "queue rows")
	}
	if counts == nil { // counts LEFT JOIN shown has a row whatever happens
		return nil, apperr.Internalf("queue: the statement returned no row")
	}
	for i, st := range q.counted {
		c := StageCount{Stage: st, N: counts[i]}
		if !q.exact {
			c.N, c.More = min(counts[i], QueueCountCap), counts[i] > QueueCountCap
		}
		page.Counts = append(page.Counts, c)
	}
	// UNION ALL and the join keep no order of their own.
	sort.Slice(page.Rows, func(i, j int) bool { return before(f.Sort, page.Rows[i], page.Rows[j]) })
	if len(page.Rows) > f.Limit {
		page.Rows = page.Rows[:f.Limit]
		last := page.Rows[f.Limit-1]
		page.Next = encodeCursor(f.Sort, last.StageSince, last.ID)
	}
	f.After = ""
	page.Filter = f
	return page, nil
}

// Check refuses a filter the queue would refuse, without reading
// anything: a form with other mistakes reports these too.
func (f QueueFilter) Check() error {
	_, _, err := normalise(f)
	return err
}

func before(o QueueSort, a, b QueueRow) bool {
	if !a.StageSince.Equal(b.StageSince) {
		return a.StageSince.Before(b.StageSince) == (o == OldestFirst)
	}
	return (a.ID < b.ID) == (o == OldestFirst)
}

// cursor is the position after which a page starts.
type cursor struct {
	since time.Time
	id    int64
}

// normalise fills in the defaults of f and refuses what it cannot mean,
// field by field.
func normalise(f QueueFilter) (QueueFilter, *cursor, error) {
	fields := apperr.Fields{}
	if len(f.Stages) == 0 {
		f.Stages = OpenStages
	}
	var stages []Stage
	for _, st := range QueueStages { // display order, each once
		if slices.Contains(f.Stages, st) {
			stages = append(stages, st)
		}
	}
	for _, st := range f.Stages {
		if !slices.Contains(QueueStages, st) {
			fields.Add("stage", "form.not_a_choice")
		}
	}
	f.Stages = stages
	if f.Specialty != "" && !slices.Contains(catalog.Specialties, f.Specialty) {
		fields.Add("specialty", "form.not_a_choice")
	}
	if f.Month != "" {
		if _, err := time.Parse("2006-01", f.Month); err != nil {
			fields.Add("month", "review.err.month")
		}
	}
	if f.WaitingDays < 0 || f.WaitingDays > 3650 {
		fields.Add("waiting", "review.err.waiting")
	}
	if f.PartnerID < 0 || f.PeriodID < 0 {
		fields.Add("partner", "form.not_a_choice")
	}
	switch f.Claim {
	case "", ClaimMine, ClaimFree:
	default:
		fields.Add("claim", "form.not_a_choice")
	}
	switch f.Sort {
	case "":
		f.Sort = OldestFirst
	case OldestFirst, NewestFirst:
	default:
		fields.Add("sort", "form.not_a_choice")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = QueuePageSize
	}
	var cur *cursor
	if f.After != "" {
		c, err := decodeCursor(f.Sort, f.After)
		if err != nil {
			fields.Add("after", "review.err.cursor")
		}
		cur = c
	}
	return f, cur, fields.Err()
}

// A cursor is the sort, the stage_since and the id of the last row of a
// page, so that the next page starts right after it whatever moved in
// between: keyset pagination, no OFFSET.
func encodeCursor(o QueueSort, since time.Time, id int64) string {
	raw := fmt.Sprintf("%s|%s|%d", o, since.UTC().Format(time.RFC3339Nano), id)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(o QueueSort, s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || QueueSort(parts[0]) != o {
		return nil, fmt.Errorf("cursor %q is not of this order", raw)
	}
	since, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("cursor id %q", parts[2])
	}
	return &cursor{since: since.UTC(), id: id}, nil
}

// query is SQL with its arguments, built in order.
type query struct {
	sql     strings.Builder
	args    []any
	counted []Stage // the stages whose counts the statement returns, in column order
	exact   bool    // the counts come from application_stage_counts, uncapped
}

func (q *query) add(sqlText string, args ...any) {
	q.sql.WriteString(sqlText)
	q.args = append(q.args, args...)
}

// queueSQL builds the one statement of a queue page. Its shape is for
// speed on a million applications on PostgreSQL:
//   - rows: one branch per stage, each reading the index (status,
//     stage_since, id) in order from the cursor and stopping after a page
//     (limit+1, to know whether there is a next page), merged by UNION ALL
//     and cut to a page again; only that page is then joined with the
//     applicant, the current choice, its elective, institution and period.
//     A plain "status IN (...) ORDER BY stage_since" would sort every
//     matching row instead.
//   - counts: without a filter on the current choice or the waiting time,
//     read from application_stage_counts (stageCountsSQL): exact, and a
//     few dozen rows whatever the size of the table. With one, counted:
//     one scalar subquery per stage, each stopping at QueueCountCap+1
//     rows, so that a count costs at most that many index entries however
//     large the stage.
//   - a filter on the current choice (partner, period, month) starts
//     instead from the choices it picks, found by their indexes, joined
//     once with their applications into a small set (cand) that the
//     branches and counts then read: its cost follows the filter's share
//     of the table, not each stage's size.
//
// The counts are a column of every row, and of one row of NULLs when the
// page is empty (counts LEFT JOIN shown), so that one round trip answers
// both.
func queueSQL(u *user.User, f QueueFilter, cur *cursor, now time.Time) *query {
	// The conditions every branch shares: scope and filters but the stage.
	var where query
	if u.Has(PartyRoles[Applicant]...) {
		// Only a student can own applications; asking everyone else
		// would cost the counts their index-only scans.
		where.add(" AND a.applicant_id <> ?", u.ID)
	}
	specialties := specialtyScope(u, f, "a")
	where.add(specialties.sql.String(), specialties.args...)
	if f.WaitingDays > 0 {
		where.add(" AND a.stage_since <= ?", now.AddDate(0, 0, -f.WaitingDays))
	}
	byChoice := f.PartnerID > 0 || f.PeriodID > 0 || f.Month != ""
	// A claim holds only at the stage it was taken at (claim.go).
	switch {
	case f.Claim == ClaimFree:
		where.add(" AND NOT EXISTS (SELECT 1 FROM application_claims AS cl WHERE cl.application_id = a.id AND cl.stage = a.status)")
	case f.Claim == ClaimMine && byChoice:
		where.add(" AND EXISTS (SELECT 1 FROM application_claims AS cl WHERE cl.application_id = a.id AND cl.stage = a.status AND cl.user_id = ?)", u.ID)
	}
	counted := countedStages(f.Stages)

	// Counts need counting only under a filter the counters do not keep.
	q := &query{counted: counted, exact: !byChoice && f.WaitingDays == 0 && f.Claim == ""}
	q.add("WITH ")
	source := "applications"
	if f.Claim == ClaimMine && !byChoice {
		// The reader's claims are few whatever the size of a stage: start
		// from them (their index) rather than walk each stage for them.
		q.add("cand AS MATERIALIZED (SELECT a.id, a.status, a.stage_since FROM application_claims AS cl"+
			" JOIN applications AS a ON a.id = cl.application_id AND a.status = cl.stage WHERE cl.user_id = ? AND a.status IN ?",
			u.ID, append(slices.Clone(f.Stages), counted...))
		q.add(where.sql.String()+"), ", where.args...)
		source, where = "cand", query{}
	}
	if byChoice {
		q.add("cand AS MATERIALIZED (SELECT a.id, a.status, a.stage_since FROM application_choices AS fc" +
			" JOIN electives AS fe ON fe.id = fc.elective_id JOIN periods AS fp ON fp.id = fc.period_id" +
			" JOIN applications AS a ON a.id = fc.application_id AND a.current_choice = fc.rank WHERE a.status IN ?")
		q.args = append(q.args, append(slices.Clone(f.Stages), counted...))
		if f.PartnerID > 0 {
			q.add(" AND fe.institution_id = ?", f.PartnerID)
		}
		if f.PeriodID > 0 {
			q.add(" AND fc.period_id = ?", f.PeriodID)
		}
		if m, err := time.Parse("2006-01", f.Month); err == nil {
			q.add(" AND fp.starts_on <= ? AND fp.ends_on >= ?", m.AddDate(0, 1, -1), m)
		}
		q.add(where.sql.String()+"), ", where.args...)
		source, where = "cand", query{} // cand holds only rows that pass
	}
	cond, condArgs := where.sql.String(), where.args

	order, seek := "a.stage_since, a.id", "(a.stage_since, a.id) > (?, ?)"
	outer := "stage_since, id"
	if f.Sort == NewestFirst {
		order, seek, outer = "a.stage_since DESC, a.id DESC", "(a.stage_since, a.id) < (?, ?)", "stage_since DESC, id DESC"
	}
	limit := f.Limit + 1

	q.add("page AS (SELECT id FROM (")
	for i, st := range f.Stages {
		if i > 0 {
			q.add(" UNION ALL ")
		}
		q.add(fmt.Sprintf("SELECT * FROM (SELECT a.id, a.stage_since FROM %s AS a WHERE a.status = ?%s", source, cond), append([]any{st}, condArgs...)...)
		if cur != nil {
			q.add(" AND "+seek, cur.since, cur.id)
		}
		q.add(fmt.Sprintf(" ORDER BY %s LIMIT %d) AS s%d", order, limit, i))
	}
	q.add(fmt.Sprintf(") AS u ORDER BY %s LIMIT %d), ", outer, limit))

	if q.exact {
		stageCountsSQL(q, u, f, counted)
	} else {
		q.add("counts AS (SELECT ")
		for i, st := range counted {
			if i > 0 {
				q.add(", ")
			}
			q.add(fmt.Sprintf("(SELECT COUNT(*) FROM (SELECT 1 AS x FROM %s AS a WHERE a.status = ?%s LIMIT %d) AS c%d) AS n%d",
				source, cond, QueueCountCap+1, i, i), append([]any{st}, condArgs...)...)
		}
		q.add("), ")
	}

	q.add("shown AS (SELECT a.id, a.version, a.status, usr.name, a.specialty, a.stage_since, a.current_choice, e.id AS elective_id," +
		" e.title_en, e.title_zh, i.name_en, i.name_local, i.country, p.starts_on, p.ends_on," +
		" hc.user_id AS holder_id, hu.name AS holder_name, hc.claimed_at" +
		" FROM page JOIN applications AS a ON a.id = page.id JOIN users AS usr ON usr.id = a.applicant_id" +
		" LEFT JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice" +
		" LEFT JOIN electives AS e ON e.id = c.elective_id LEFT JOIN institutions AS i ON i.id = e.institution_id" +
		" LEFT JOIN periods AS p ON p.id = c.period_id" +
		" LEFT JOIN application_claims AS hc ON hc.application_id = a.id AND hc.stage = a.status" +
		" LEFT JOIN users AS hu ON hu.id = hc.user_id) ")
	// The counts travel as one column, "n0,n1,...": every row repeats it,
	// and one text value costs a row less to decode and scan than a column
	// per stage.
	q.add("SELECT shown.*, ")
	for i := range counted {
		if i > 0 {
			q.add(" || ',' || ")
		}
		q.add(fmt.Sprintf("CAST(counts.n%d AS TEXT)", i))
	}
	q.add(" FROM counts LEFT JOIN shown ON 1 = 1")
	return q
}

// countList reads the counts column of a queue statement.
func countList(s string, n int) ([]int, error) {
	out := make([]int, 0, n)
	for v := range strings.SplitSeq(s, ",") {
		c, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("count %q of %q", v, s)
		}
		out = append(out, c)
	}
	if len(out) != n {
		return nil, fmt.Errorf("counts %q, want %d", s, n)
	}
	return out, nil
}

// specialtyScope is the condition on the specialty of the applications
// (as alias) that u may see and f picks: a department reviewer's scope, the
// specialty filtered on.
func specialtyScope(u *user.User, f QueueFilter, alias string) *query {
	var q query
	if !u.Has(user.Office, user.Admin) {
		q.add(" AND "+alias+".specialty IN (SELECT rs.specialty FROM reviewer_scopes AS rs WHERE rs.user_id = ?)", u.ID)
	}
	if f.Specialty != "" {
		q.add(" AND "+alias+".specialty = ?", f.Specialty)
	}
	return &q
}

// stageCountsSQL adds the counts CTE read from application_stage_counts,
// which database triggers keep exact on every write to applications: a
// few rows per specialty, summed per stage over the specialties of the
// reader's scope and filter, however many applications there are. The
// counters cannot leave out the reader's own applications as the queue
// does; for a reader who may own some (a reviewer who is also a student),
// those are counted from the applicant index and taken off.
func stageCountsSQL(q *query, u *user.User, f QueueFilter, counted []Stage) {
	own := u.Has(PartyRoles[Applicant]...)
	q.add("counts AS (SELECT ")
	for i, st := range counted {
		if i > 0 {
			q.add(", ")
		}
		q.add("CAST(COALESCE(SUM(CASE WHEN sc.status = ? THEN sc.n END), 0) AS BIGINT)", st)
		if own {
			mine := specialtyScope(u, f, "a")
			q.add(" - (SELECT COUNT(*) FROM applications AS a WHERE a.applicant_id = ? AND a.status = ?"+mine.sql.String()+")",
				append([]any{u.ID, st}, mine.args...)...)
		}
		q.add(fmt.Sprintf(" AS n%d", i))
	}
	scope := specialtyScope(u, f, "sc")
	q.add(" FROM application_stage_counts AS sc WHERE sc.status IN ?"+scope.sql.String()+"), ",
		append([]any{counted}, scope.args...)...)
}

// countedStages are the open stages and any other stage filtered on, in
// display order.
func countedStages(filtered []Stage) []Stage {
	var out []Stage
	for _, st := range QueueStages {
		if slices.Contains(OpenStages, st) || slices.Contains(filtered, st) {
			out = append(out, st)
		}
	}
	return out
}

// dbTime scans a timestamp or date however the driver hands it over:
// PostgreSQL as a time, SQLite as a time where it knows the column's
// declared type and as text where a subquery hid it.
type dbTime struct{ time.Time }

var dbTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", time.DateOnly}

func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = x.UTC()
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("scan %T as a time", v)
}

func (t *dbTime) parse(s string) error {
	for _, l := range dbTimeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan %q as a time", s)
}
