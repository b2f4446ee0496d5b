package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/privacy"
	"portal/internal/user"
)

// Sizes says how much data Generate makes. Besides users and audit
// events, it adds what a site with that many users holds: live sessions
// of a fifth of them and role grants to one in fifty, so that the lookups
// every request makes meet tables of a realistic size. Electives come with
// partners (one per fifty electives, up to 200), agreements and periods.
type Sizes struct {
	Users     int // rows in users
	Audit     int // rows in audit_events
	Electives int // rows in electives
}

// Dataset is what Generate made: the counts and one user per role that the
// benchmark signs in as.
type Dataset struct {
	Users, Audit, Sessions, Grants int
	Catalog                        Catalog
	// Personas maps a role ("student", "reviewer", "office") to a generated
	// user holding it; the development provider offers each under the
	// role's name as username.
	Personas map[user.Role]user.User
}

// personaRoles are the roles of the first generated users, one each, so
// that every persona exists however few users are asked for.
var personaRoles = []user.Role{user.Student, user.Reviewer, user.Office}

// batchSize rows go into one INSERT; electives, the widest table, have 24
// columns, which keeps a statement below PostgreSQL's 65535 parameters and
// SQLite's 32766.
const batchSize = 1000

// Generate fills a migrated, empty database with users whose issuer is
// issuer (so that the provider of the run can sign them in), their
// sessions and grants, audit events by them, and the catalog, all in one
// transaction. The same seed makes the same data, apart from the
// timestamps, which are relative to now.
func Generate(ctx context.Context, d *db.DB, issuer string, sizes Sizes, seed uint64, now time.Time) (Dataset, error) {
	if sizes.Users < len(personaRoles) {
		return Dataset{}, fmt.Errorf("bench: need at least %d users, one per persona", len(personaRoles))
	}
	names, err := i18n.Load()
	if err != nil {
		return Dataset{}, err
	}
	rng := newRand(seed)
	users := makeUsers(rng, issuer, sizes.Users, now)
	var grants []roleGrant
	var sessions []auth.Session
	var cat Catalog
	err = d.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insert(tx, "users", users); err != nil {
			return err
		}
		ids := make([]int64, len(users))
		for i, u := range users {
			ids[i] = u.ID
		}
		grants = makeGrants(rng, ids, users, now)
		sessions = makeSessions(rng, ids, len(users)/5, now)
		events := makeEvents(rng, ids, users, sizes.Audit, now)
		if err := insert(tx, "role grants", grants); err != nil {
			return err
		}
		if err := insert(tx, "sessions", sessions); err != nil {
			return err
		}
		if err := insert(tx, "audit events", events); err != nil {
			return err
		}
		// Every generated user has used the portal before and read its
		// privacy notice: without it, a sign-in lands on the notice, not
		// on the page a scenario measures.
		if err := insert(tx, "notice acknowledgements", makeAcks(ids, now)); err != nil {
			return err
		}
		// The catalog draws from a randomness of its own, so that asking for
		// more users does not change which electives are made.
		c, err := generateCatalog(tx, newRand(seed+1), names, sizes.Electives, now)
		cat = c
		return err
	})
	if err != nil {
		return Dataset{}, err
	}
	// Fresh tables have no planner statistics until autovacuum comes by;
	// production tables do.
	if err := d.WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return Dataset{}, fmt.Errorf("analyze: %w", err)
	}
	ds := Dataset{Users: len(users), Audit: sizes.Audit, Sessions: len(sessions), Grants: len(grants), Catalog: cat, Personas: map[user.Role]user.User{}}
	for i, r := range personaRoles {
		ds.Personas[r] = users[i]
	}
	return ds, nil
}

// noticeAck is a row of privacy_notice_acks: someone read a notice.
type noticeAck struct {
	UserID         int64
	Notice         string
	Version        string
	AcknowledgedAt time.Time
}

func (noticeAck) TableName() string { return "privacy_notice_acks" }

// makeAcks acknowledges the current general notice for each of ids.
func makeAcks(ids []int64, now time.Time) []noticeAck {
	out := make([]noticeAck, len(ids))
	for i, id := range ids {
		out[i] = noticeAck{UserID: id, Notice: privacy.GeneralNotice.Kind, Version: privacy.GeneralNotice.Version, AcknowledgedAt: now}
	}
	return out
}

// newRand returns the generator's source of randomness for seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// insert stores rows in multi-row INSERTs of batchSize rows each.
func insert[T any](tx *gorm.DB, what string, rows []T) error {
	if len(rows) == 0 {
		return nil // GORM refuses an empty batch
	}
	if err := tx.CreateInBatches(rows, batchSize).Error; err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	return nil
}

// Names of students and staff at a Taiwanese medical university and of the
// exchange students it welcomes.
var (
	twSurnames = []struct{ roman, han string }{
		{"Chen", "陳"}, {"Lin", "林"}, {"Huang", "黃"}, {"Chang", "張"}, {"Lee", "李"},
		{"Wang", "王"}, {"Wu", "吳"}, {"Liu", "劉"}, {"Tsai", "蔡"}, {"Yang", "楊"},
		{"Hsu", "許"}, {"Cheng", "鄭"}, {"Hsieh", "謝"}, {"Kuo", "郭"}, {"Hung", "洪"},
		{"Tseng", "曾"}, {"Chiu", "邱"}, {"Liao", "廖"}, {"Lai", "賴"}, {"Chou", "周"},
	}
	twGiven = []struct{ roman, han string }{
		{"Mei-Hua", "美華"}, {"Chih-Ming", "志明"}, {"Shu-Fen", "淑芬"}, {"Yi-Chun", "怡君"},
		{"Chia-Hao", "家豪"}, {"Ya-Ting", "雅婷"}, {"Chun-Chieh", "俊傑"}, {"Hsin-Yi", "欣怡"},
		{"Wei-Lun", "偉倫"}, {"Pei-Shan", "佩珊"}, {"Tzu-Hsuan", "子萱"}, {"Cheng-Han", "承翰"},
		{"Yu-Ting", "郁婷"}, {"Po-Yu", "柏宇"}, {"Hsiao-Wen", "筱雯"}, {"Kuan-Ting", "冠廷"},
	}
	intlGiven = []string{
		"Emily", "David", "Sophie", "Lukas", "Hana", "Kenji", "Minji", "Arjun", "Clara",
		"Mateo", "Nora", "Thomas", "Yuki", "Siti", "Nguyen", "Olivia", "Jonas", "Aiko",
	}
	intlSurnames = []string{
		"Smith", "Müller", "Tanaka", "Kim", "Garcia", "Nakamura", "Schmidt", "Rossi",
		"Tran", "Patel", "Dubois", "Jansen", "Park", "Suzuki", "Novak", "Andersson",
	}
	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
	}
)

// makeUsers makes n users: mostly students, some reviewers and office
// staff, the first ones the personas in the order of personaRoles.
func makeUsers(rng *rand.Rand, issuer string, n int, now time.Time) []user.User {
	users := make([]user.User, n)
	for i := range users {
		var role user.Role
		switch r := rng.IntN(100); {
		case i < len(personaRoles):
			role = personaRoles[i]
		case r < 90:
			role = user.Student
		case r < 97:
			role = user.Reviewer
		default:
			role = user.Office
		}
		var name, local, locale string
		if rng.IntN(10) < 8 {
			s, g := twSurnames[rng.IntN(len(twSurnames))], twGiven[rng.IntN(len(twGiven))]
			name = s.roman + " " + g.roman + " " + s.han + g.han
			local = strings.ToLower(strings.ReplaceAll(g.roman, "-", "") + "." + s.roman)
			locale = "zh-Hant"
		} else {
			g, s := intlGiven[rng.IntN(len(intlGiven))], intlSurnames[rng.IntN(len(intlSurnames))]
			name = g + " " + s
			local = strings.ToLower(g + "." + strings.ReplaceAll(s, "ü", "ue"))
			locale = "en"
		}
		domain := "stu.example.edu.tw"
		if role != user.Student {
			domain = "example.edu.tw"
		}
		created := now.Add(-time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		u := user.User{
			Issuer:     issuer,
			Subject:    subject(rng),
			Email:      local + strconv.Itoa(i+1) + "@" + domain,
			Name:       name,
			Locale:     locale,
			ClaimRoles: string(role),
			CreatedAt:  created,
			UpdatedAt:  created,
		}
		if rng.IntN(10) < 8 {
			at := now.Add(-time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
			u.LastLoginAt, u.UpdatedAt = &at, at
		}
		users[i] = u
	}
	return users
}

// subject is an identity provider's opaque, stable id, UUID-shaped.
func subject(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// makeEvents makes n audit events over the last year, oldest first as an
// append-only log would hold them: mostly sign-ins and sign-outs.
func makeEvents(rng *rand.Rand, ids []int64, users []user.User, n int, now time.Time) []audit.Event {
	year := int64(365 * 24 * time.Hour)
	ats := make([]time.Time, n)
	for i := range ats {
		ats[i] = now.Add(-time.Duration(rng.Int64N(year)))
	}
	slices.SortFunc(ats, func(a, b time.Time) int { return a.Compare(b) })

	events := make([]audit.Event, n)
	for i := range events {
		k := rng.IntN(len(ids))
		actor := ids[k]
		m := audit.Meta{
			IP:        fmt.Sprintf("140.136.%d.%d", rng.IntN(256), 1+rng.IntN(254)),
			UserAgent: userAgents[rng.IntN(len(userAgents))],
			RequestID: fmt.Sprintf("%016x", rng.Uint64()),
		}
		var e audit.Event
		switch r := rng.IntN(100); {
		case r < 55:
			e = audit.New(ats[i], &actor, audit.SignIn, m, map[string]any{"roles": []string{users[k].ClaimRoles}})
		case r < 80:
			e = audit.New(ats[i], &actor, audit.SignOut, m, nil)
		case r < 90:
			e = audit.New(ats[i], nil, audit.SessionExpiry, m, nil)
		case r < 95:
			e = audit.New(ats[i], nil, audit.SignInRefused, m, map[string]any{"reason": "state_mismatch"})
		default:
			admin := ids[rng.IntN(len(ids))]
			e = audit.New(ats[i], &admin, audit.RoleGranted, m, map[string]any{"user_id": actor, "role": user.Reviewer}).On("user", actor)
		}
		events[i] = e
	}
	return events
}

// roleGrant is a row of user_roles: a role an admin granted in the portal.
type roleGrant struct {
	UserID    int64
	Role      string
	GrantedBy *int64
	GrantedAt time.Time
}

// TableName is the table of grants.
func (roleGrant) TableName() string { return "user_roles" }

// makeGrants gives one user in fifty (never a persona, whose roles the
// scenarios rely on) a role on top of the one from their claims.
func makeGrants(rng *rand.Rand, ids []int64, users []user.User, now time.Time) []roleGrant {
	extra := []user.Role{user.Reviewer, user.Coordinator, user.Office}
	admin := ids[len(ids)-1]
	var grants []roleGrant
	for i := len(personaRoles); i < len(ids); i++ {
		if rng.IntN(50) != 0 {
			continue
		}
		role := extra[rng.IntN(len(extra))]
		if string(role) == users[i].ClaimRoles {
			role = user.Coordinator
		}
		at := now.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		grants = append(grants, roleGrant{UserID: ids[i], Role: string(role), GrantedBy: &admin, GrantedAt: at})
	}
	return grants
}

// makeSessions makes n live signed-in sessions of random users (not the
// personas, who get theirs by signing in), each holding an ID token of a
// typical size as the portal's sessions do.
func makeSessions(rng *rand.Rand, ids []int64, n int, now time.Time) []auth.Session {
	sessions := make([]auth.Session, n)
	token := make([]byte, 600)
	for i := range sessions {
		uid := ids[len(personaRoles)+rng.IntN(len(ids)-len(personaRoles))]
		for j := range token {
			token[j] = byte(rng.Uint32())
		}
		created := now.Add(-time.Duration(rng.Int64N(int64(11 * time.Hour))))
		seen := now.Add(-time.Duration(rng.Int64N(int64(25 * time.Minute))))
		if seen.Before(created) {
			seen = created
		}
		sessions[i] = auth.Session{
			IDHash:     fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()),
			UserID:     &uid,
			Data:       `{"id_token":"` + base64.RawURLEncoding.EncodeToString(token) + `"}`,
			CreatedAt:  created,
			LastSeenAt: seen,
			ExpiresAt:  created.Add(12 * time.Hour),
		}
	}
	return sessions
}
