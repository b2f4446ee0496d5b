package catalog

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// searchCache holds the catalog as search reads it, in memory: every live
// elective at a live institution with its folded text and the fields of
// its card. A search then filters and ranks in Go (under a millisecond for
// ten thousand electives) instead of asking the database to scan, count
// and sort the whole table on every request, which is what made search
// and browse slow. The cache belongs to one Service; its zero value is
// ready.
//
// Replicas share no memory, so each request first reads one number,
// catalog_search_version.version, which triggers on electives and
// institutions raise with every committed change (migration 00014): a
// change on any replica is seen by the next search on every replica. Seats
// change with every placement and have a version of their own
// (seats_version, migration 00067), so that a placement reloads the seats
// and not the whole catalog (seatindex.go).
type searchCache struct {
	mu      sync.Mutex // held while loading, so that one request loads and the others wait
	cur     atomic.Pointer[searchSnapshot]
	version versionGate[searchVersions]
	seats   seatCache // seatindex.go
}

// searchVersions are the two numbers a search reads before it answers:
// the catalog's (electives and institutions) and the seats' (periods).
type searchVersions struct {
	catalog, seats int64
}

// versionGate shares reads of the search version among concurrent
// searches: one read is in flight at a time, and the searches that arrive
// meanwhile share the next one, so 32 searches at once cost a few queries
// instead of 32. A search only waits for a read sent after it arrived, so
// a change committed before it arrived is never missed.
type versionGate[V any] struct {
	mu   sync.Mutex
	busy bool            // a read is in flight
	next *versionRead[V] // the read the arrivals during it wait for
}

type versionRead[V any] struct {
	done    chan struct{}
	version V
	err     error
}

// read returns the search version as read after the call began.
func (g *versionGate[V]) read(ctx context.Context, query func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	if g.next == nil {
		g.next = &versionRead[V]{done: make(chan struct{})}
	}
	r := g.next
	if !g.busy {
		g.busy, g.next = true, nil
		g.mu.Unlock()
		// Without the caller's cancellation: others share the answer.
		g.send(context.WithoutCancel(ctx), r, query)
	} else {
		g.mu.Unlock()
	}
	select {
	case <-r.done:
		return r.version, r.err
	case <-ctx.Done():
		var zero V
		return zero, wrap(ctx.Err(), "search version")
	}
}

// send reads the version for r, then starts the read that waited for it.
func (g *versionGate[V]) send(ctx context.Context, r *versionRead[V], query func(context.Context) (V, error)) {
	r.version, r.err = query(ctx)
	close(r.done)
	g.mu.Lock()
	next := g.next
	g.next = nil
	g.busy = next != nil
	g.mu.Unlock()
	if next != nil {
		go g.send(ctx, next, query)
	}
}

// searchSnapshot is the catalog at one version; never changed once built
// but for its vocabulary, built on first need.
type searchSnapshot struct {
	version int64
	rows    []searchRow // by closing day, then id
	// keys and triples are the rows' filter fields and word triples, in
	// the rows' order, apart from the rest: the loop of find reads them
	// for every row and should not pull whole rows through the cache.
	keys      []searchKey
	triples   []tripleSet
	codes     map[string]int16 // direction, country, specialty, kind and language codes, numbered
	countries []string         // of the live partners with live outgoing electives, sorted

	// vocab is the Latin words of the texts and how often they occur,
	// for "did you mean"; only a search that finds nothing needs it.
	vocabOnce sync.Once
	vocab     map[string]int

	// answers are the pages found at this version, by query and day:
	// students ask the same few things, and scanning ten thousand rows
	// for each was a fifth of a search's time (issue 13). They die with
	// the snapshot, so a change to the catalog is never answered from
	// them; searches by month or seats, which depend on the periods, are
	// not kept.
	answersMu sync.Mutex
	answers   map[answerKey]answer
}

type answerKey struct {
	q     Query
	today int64 // Unix seconds
}

type answer struct {
	total      int
	page       []*searchRow
	suggestion string
}

// answersMax bounds the memory of the answers: a page is 20 pointers.
const answersMax = 5000

// answer returns the page of q kept from an earlier search, if any.
func (snap *searchSnapshot) answer(k answerKey) (answer, bool) {
	snap.answersMu.Lock()
	defer snap.answersMu.Unlock()
	a, ok := snap.answers[k]
	return a, ok
}

func (snap *searchSnapshot) keep(k answerKey, a answer) {
	snap.answersMu.Lock()
	defer snap.answersMu.Unlock()
	if snap.answers == nil || len(snap.answers) >= answersMax {
		snap.answers = map[answerKey]answer{}
	}
	snap.answers[k] = a
}

// searchRow is one elective as search sees it.
type searchRow struct {
	card      Card // without seats, which are read per page
	direction string
	text      string // folded search text: everything a student may type
	title     string // folded titles, which rank first
	place     string // folded names of the institution and its city, which rank next
}

// searchKey is a row's codes, numbered by searchSnapshot.codes.
type searchKey struct{ direction, country, specialty, kind, language int16 }

// tripleSet is the set of the byte triples of a text, hashed into 1024
// bits: a word whose triples are not all in a row's set is not in its
// text. Testing a few bits rejects nearly every row without reading its
// text, which is what makes a word search cost about what browsing does.
// (Pairs of bytes were tried first: English words share too many.)
// A word shorter than three bytes has no triple and filters nothing.
type tripleSet [16]uint64

func triplesOf(s string) tripleSet {
	var p tripleSet
	for i := 0; i+2 < len(s); i++ {
		// Fibonacci hashing of the three bytes to 10 bits.
		h := (uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])) * 0x9e3779b1 >> 22
		p[h>>6] |= 1 << (h & 63)
	}
	return p
}

// tripleMask is one word of a tripleSet and the bits it must have.
type tripleMask struct {
	at   int
	bits uint64
}

// masks lists the words of p with bits set.
func (p *tripleSet) masks() []tripleMask {
	var out []tripleMask
	for i, b := range p {
		if b != 0 {
			out = append(out, tripleMask{i, b})
		}
	}
	return out
}

// mayContain reports whether text with the triples p may contain every word
// whose triples have the masks want; false means it surely does not.
func (p *tripleSet) mayContain(want []tripleMask) bool {
	for _, m := range want {
		if p[m.at]&m.bits != m.bits {
			return false
		}
	}
	return true
}

// snapshot returns the catalog at the database's current version,
// loading it when it changed since the last search, and the versions read.
func (s *Service) snapshot(ctx context.Context) (*searchSnapshot, searchVersions, error) {
	v, err := s.search.version.read(ctx, s.searchVersions)
	if err != nil {
		return nil, v, err
	}
	if cur := s.search.cur.Load(); cur != nil && cur.version == v.catalog {
		return cur, v, nil
	}
	s.search.mu.Lock()
	defer s.search.mu.Unlock()
	// Another request may have loaded it while this one waited.
	if cur := s.search.cur.Load(); cur != nil && cur.version >= v.catalog {
		return cur, v, nil
	}
	snap, err := s.loadSnapshot(ctx)
	if err != nil {
		return nil, v, err
	}
	s.search.cur.Store(snap)
	return snap, v, nil
}

func (s *Service) searchVersions(ctx context.Context) (searchVersions, error) {
	var row struct{ Version, SeatsVersion int64 }
	err := s.db.WithContext(ctx).Raw("SELECT version, seats_version FROM catalog_search_version WHERE id = 1").Scan(&row).Error
	return searchVersions{catalog: row.Version, seats: row.SeatsVersion}, wrap(err, "search version")
}

// loadSnapshot reads the version before the rows: a change committed in
// between is then loaded with the older number, and loaded again by the
// next search, never missed.
func (s *Service) loadSnapshot(ctx context.Context) (*searchSnapshot, error) {
	vs, err := s.searchVersions(ctx)
	if err != nil {
		return nil, err
	}
	v := vs.catalog
	var rows []struct {
		Card
		Direction  string
		SearchText string
	}
	err = s.db.WithContext(ctx).Table("electives AS e").
		Joins("JOIN institutions AS i ON i.id = e.institution_id").
		Where("e.retired_at IS NULL AND i.retired_at IS NULL").
		Select(`e.id AS elective_id, e.direction, e.search_text, e.title_en, e.title_zh, e.kind, e.specialty, e.language,
			e.duration_weeks, e.fee_amount, e.fee_currency, e.opens_on, e.closes_on, i.id AS institution_id,
			i.name_en AS institution_name_en, i.name_local AS institution_name_local, i.country, i.city`).
		Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "load the catalog for search")
	}
	snap := &searchSnapshot{version: v, rows: make([]searchRow, len(rows))}
	countries := map[string]bool{}
	for i, r := range rows {
		c := r.Card
		// Fold again: rows written before search text was folded are
		// folded here, and folding folded text changes nothing.
		snap.rows[i] = searchRow{
			card: c, direction: r.Direction, text: Fold(r.SearchText),
		}
		snap.rows[i].title, snap.rows[i].place = searchParts(snap.rows[i].text)
		if r.Direction == Outgoing {
			countries[c.Country] = true
		}
	}
	slices.SortFunc(snap.rows, func(a, b searchRow) int {
		if c := a.card.ClosesOn.Compare(b.card.ClosesOn); c != 0 {
			return c
		}
		return cmpInt64(a.card.ElectiveID, b.card.ElectiveID)
	})
	snap.codes = map[string]int16{}
	code := func(v string) int16 {
		n, ok := snap.codes[v]
		if !ok {
			n = int16(len(snap.codes))
			snap.codes[v] = n
		}
		return n
	}
	snap.keys, snap.triples = make([]searchKey, len(snap.rows)), make([]tripleSet, len(snap.rows))
	for i := range snap.rows {
		r := &snap.rows[i]
		snap.keys[i] = searchKey{code("direction:" + r.direction), code("country:" + r.card.Country),
			code("specialty:" + r.card.Specialty), code("kind:" + r.card.Kind), code("language:" + r.card.Language)}
		snap.triples[i] = triplesOf(r.text)
	}
	for c := range countries {
		snap.countries = append(snap.countries, c)
	}
	slices.Sort(snap.countries)
	return snap, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// periodFilter is the electives that have a live period in a month or
// with a seat left to come, read from the database because seats change
// with every placement. nil means no such filter.
type periodFilter map[int64]bool

// find returns how many rows match q's words and filters, and the limit
// of them from offset from, in the order the catalog lists them: the most
// relevant first when there are words, then open windows before closed
// ones, then by closing day and id. It sorts nothing: the rows are by
// closing day already, so the closed ones are a prefix to visit last, and
// relevance takes a few small values, kept in one list each.
func (snap *searchSnapshot) find(q Query, words []string, periods periodFilter, today time.Time, from, limit int) (total int, page []*searchRow) {
	open, _ := slices.BinarySearchFunc(snap.rows, today, func(r searchRow, t time.Time) int { return r.card.ClosesOn.Compare(t) })
	var byScore [][]*searchRow // with words: the matches of each score
	var all tripleSet          // the triples of all the words
	for _, w := range words {
		p := triplesOf(w)
		for i := range all {
			all[i] |= p[i]
		}
	}
	want := all.masks()
	// The codes asked for, -1 for any; one the catalog lacks finds nothing.
	wanted := searchKey{-1, -1, -1, -1, -1}
	for _, f := range []struct {
		to     *int16
		prefix string
		value  string
	}{{&wanted.direction, "direction:", q.Direction}, {&wanted.country, "country:", q.Country},
		{&wanted.specialty, "specialty:", q.Specialty}, {&wanted.kind, "kind:", q.Kind}, {&wanted.language, "language:", q.Language}} {
		if f.value == "" {
			continue
		}
		n, ok := snap.codes[f.prefix+f.value]
		if !ok {
			return 0, nil
		}
		*f.to = n
	}
	take := func(r *searchRow) {
		if total >= from && total < from+limit {
			page = append(page, r)
		}
		total++
	}
	for k := range snap.rows {
		i := (open + k) % len(snap.rows)
		key := &snap.keys[i]
		if wanted.direction >= 0 && key.direction != wanted.direction || wanted.country >= 0 && key.country != wanted.country ||
			wanted.specialty >= 0 && key.specialty != wanted.specialty || wanted.kind >= 0 && key.kind != wanted.kind ||
			wanted.language >= 0 && key.language != wanted.language || !snap.triples[i].mayContain(want) {
			continue
		}
		r := &snap.rows[i]
		if periods != nil && !periods[r.card.ElectiveID] {
			continue
		}
		if len(words) == 0 {
			take(r)
			continue
		}
		score, ok := relevance(r, words)
		if !ok {
			continue
		}
		for len(byScore) <= score {
			byScore = append(byScore, nil)
		}
		byScore[score] = append(byScore[score], r)
	}
	for score := len(byScore) - 1; score >= 0; score-- {
		for _, r := range byScore[score] {
			take(r)
		}
	}
	return total, page
}

// Relevance scores folded search text, as SearchText writes it, for
// folded words, all of which it must contain: a word in a title counts
// most, then one in the institution's names or city, then one anywhere
// else (a description, a specialty's name); a title with the word at the
// start of one of its words scores one more. ok is false when a word is
// missing. Search ranks by it; it is exported so that the benchmark's
// generator predicts the first card the way search orders them.
func Relevance(text string, words []string) (score int, ok bool) {
	title, place := searchParts(text)
	return relevance(&searchRow{text: text, title: title, place: place}, words)
}

// searchParts are the titles and the institution's names and city in
// search text: its first two and next three parts (see SearchText). It
// counts the bars, not " | ": folding makes an empty part's " |  | " one
// " | | ".
func searchParts(text string) (title, place string) {
	end := func(from, parts int) int {
		i := from
		for range parts {
			j := strings.IndexByte(text[i:], '|')
			if j < 0 {
				return len(text)
			}
			i += j + 1
		}
		return i
	}
	t := end(0, 2)
	return text[:t], text[t:end(t, 3)]
}

func relevance(r *searchRow, words []string) (score int, ok bool) {
	for _, w := range words {
		switch {
		case strings.Contains(r.title, w):
			score += 4
			if i := strings.Index(r.title, w); i == 0 || r.title[i-1] == ' ' {
				score++
			}
		case strings.Contains(r.place, w):
			score += 2
		case strings.Contains(r.text, w):
			score++
		default:
			return 0, false
		}
	}
	return score, true
}

// latinWords are the runs of at least three Latin letters in folded text,
// the words a typo can be corrected to.
func latinWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 3 {
			out = append(out, s[start:i])
		}
		start = -1
	}
	return out
}

// suggest returns words with each Latin word that no text contains
// replaced by the closest word of the catalog (see closest), and whether
// any was replaced.
func (snap *searchSnapshot) suggest(words []string) ([]string, bool) {
	snap.vocabOnce.Do(func() {
		snap.vocab = map[string]int{}
		for i := range snap.rows {
			for _, w := range latinWords(snap.rows[i].text) {
				snap.vocab[w]++
			}
		}
	})
	out := slices.Clone(words)
	changed := false
	for i, w := range words {
		if !isLatinWord(w) || len(w) < 4 || snap.known(w) {
			continue
		}
		if c := closest(w, snap.vocab); c != "" {
			out[i], changed = c, true
		}
	}
	return out, changed
}

func isLatinWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return w != ""
}

// known reports whether some word of the catalog contains w.
func (snap *searchSnapshot) known(w string) bool {
	if snap.vocab[w] > 0 {
		return true
	}
	for v := range snap.vocab {
		if strings.Contains(v, w) {
			return true
		}
	}
	return false
}

// closest is the word of vocab nearest to w by edit distance (letters
// inserted, deleted, replaced or swapped), at most one edit for words of
// four or five letters and two for longer ones, so that a short word is
// not "corrected" into another word; ties go to the more frequent word,
// then the first alphabetically. "" when none is that close.
func closest(w string, vocab map[string]int) string {
	limit := 1
	if len(w) >= 6 {
		limit = 2
	}
	best, bestD, bestN := "", limit+1, 0
	for v, n := range vocab {
		if d := len(v) - len(w); d > limit || -d > limit {
			continue
		}
		d := editDistance(w, v, limit)
		if d < bestD || d == bestD && (n > bestN || n == bestN && v < best) {
			best, bestD, bestN = v, d, n
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (ASCII), or limit+1 as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
