package devoidc

// DemoUsers returns the demo identities of `portal dev`, one per role, in
// the order the sign-in page lists them: student, incoming, reviewer,
// office, coordinator, admin. Each call returns fresh values the caller
// may change. The incoming applicant signs in here for one click, although
// real ones come by emailed link or a partner's provider: the role is what
// the portal gives them either way.
func DemoUsers() []User {
	return []User{
		{
			Username: "student",
			Subject:  "demo-student",
			Email:    "student@demo.portal.test",
			Name:     "Lin Mei-Hua 林美華",
			Locale:   "zh-Hant",
			Groups:   []string{"student"},
			Extra:    map[string]any{"student_number": "B10901001", "year_of_study": 5},
		},
		{
			Username: "incoming",
			Subject:  "demo-incoming",
			Email:    "incoming@demo.portal.test",
			Name:     "Yamada Hanako 山田花子",
			Locale:   "en",
			Groups:   []string{"incoming"},
		},
		{
			Username: "reviewer",
			Subject:  "demo-reviewer",
			Email:    "reviewer@demo.portal.test",
			Name:     "Chen Chih-Ming 陳志明",
			Locale:   "zh-Hant",
			Groups:   []string{"reviewer"},
		},
		{
			Username: "office",
			Subject:  "demo-office",
			Email:    "office@demo.portal.test",
			Name:     "Emily Huang 黃怡君",
			Locale:   "en",
			Groups:   []string{"office"},
		},
		{
			Username: "coordinator",
			Subject:  "demo-coordinator",
			Email:    "coordinator@demo.portal.test",
			Name:     "Wang Shu-Fen 王淑芬",
			Locale:   "zh-Hant",
			Groups:   []string{"coordinator"},
		},
		{
			Username: "admin",
			Subject:  "demo-admin",
			Email:    "admin@demo.portal.test",
			Name:     "David Wu 吳大衛",
			Locale:   "en",
			Groups:   []string{"admin"},
		},
	}
}

// PartnerUsers returns the demo identities of the development partner
// provider of `portal dev` (a partner university's own sign-in): foreign
// students who request rotations. The groups claim says admin on purpose:
// a partner's claims never give a role in the portal.
func PartnerUsers() []User {
	return []User{
		{
			Username: "exchange",
			Subject:  "kumamoto-20260042",
			Email:    "haruka.sato@kumamoto-u.demo.test",
			Name:     "Sato Haruka 佐藤遥",
			Locale:   "en",
			Groups:   []string{"admin"},
		},
	}
}
