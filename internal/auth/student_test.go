package auth

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
)

// A sign-in at the university's provider stores the student number and
// year of study its claims carry, whether as strings or numbers and under
// the claim names the operator configured; the session's user has them.
// A later sign-in without them keeps them; a number the provider gives
// someone else moves to them. A partner's claims never give a number.
func TestSignInStoresStudentNumberAndYear(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		users := []devoidc.User{
			{Username: "lin", Subject: "s-lin", Email: "lin@example.edu", Name: "Lin", Groups: []string{"student"},
				Extra: map[string]any{"student_number": "B10901234", "year_of_study": 5}},
			{Username: "chang", Subject: "s-chang", Email: "chang@example.edu", Name: "Chang", Groups: []string{"student"},
				Extra: map[string]any{"student_number": 10901235, "year_of_study": "4"}},
			{Username: "staff", Subject: "s-staff", Email: "staff@example.edu", Name: "Staff", Groups: []string{"office"}},
		}
		h := newHarness(t, d, users, nil, func(o *Options) {
			o.StudentNumberClaim, o.YearOfStudyClaim = "student_number", "year_of_study"
		})
		for _, c := range []struct {
			username, number string
			year             int
		}{{"lin", "B10901234", 5}, {"chang", "10901235", 4}, {"staff", "", 0}} {
			v, _ := h.authenticate(h.signIn(c.username))
			if v.User == nil {
				t.Fatalf("%s is not signed in", c.username)
			}
			if got, year := deref(v.User.StudentNumber), derefInt(v.User.YearOfStudy); got != c.number || year != c.year {
				t.Errorf("%s signed in with number %q, year %d; want %q, %d", c.username, got, year, c.number, c.year)
			}
			stored, err := user.NewStore(d).Find(context.Background(), v.User.ID)
			if err != nil || deref(stored.StudentNumber) != c.number || derefInt(stored.YearOfStudy) != c.year {
				t.Errorf("%s stored as %+v (%v)", c.username, stored, err)
			}
		}
		if n := h.count("SELECT COUNT(*) FROM users WHERE student_number IS NULL AND year_of_study IS NULL AND subject = 's-staff'"); n != 1 {
			t.Error("the office's user has a number or year")
		}

		// A provider that leaves the claims out the next time keeps what
		// was stored; one that gives the number to a new account moves it.
		store, now := user.NewStore(d), time.Now()
		again, err := store.SignIn(context.Background(), user.Identity{Issuer: h.issuer, Subject: "s-lin", Email: "lin@example.edu", Name: "Lin"}, now)
		if err != nil || deref(again.StudentNumber) != "B10901234" || derefInt(again.YearOfStudy) != 5 {
			t.Errorf("a sign-in without the claims: %+v, %v", again, err)
		}
		moved, err := store.SignIn(context.Background(), user.Identity{Issuer: h.issuer, Subject: "s-lin-new", Name: "Lin",
			StudentNumber: "B10901234", YearOfStudy: 6}, now)
		if err != nil || deref(moved.StudentNumber) != "B10901234" || derefInt(moved.YearOfStudy) != 6 {
			t.Fatalf("the number's new holder: %+v, %v", moved, err)
		}
		if n := h.count("SELECT COUNT(*) FROM users WHERE student_number = 'B10901234'"); n != 1 {
			t.Errorf("%d users hold B10901234, want 1", n)
		}
	})
}

// Nested claims: the operator names a dotted path.
func TestStudentClaimsAtADottedPath(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		users := []devoidc.User{{Username: "wu", Subject: "s-wu", Email: "wu@example.edu", Name: "Wu", Groups: []string{"student"},
			Extra: map[string]any{"ext": map[string]any{"sid": "M11201001", "grade": 6.0}, "student_number": "ignored"}}}
		h := newHarness(t, d, users, nil, func(o *Options) { o.StudentNumberClaim, o.YearOfStudyClaim = "ext.sid", "ext.grade" })
		v, _ := h.authenticate(h.signIn("wu"))
		if v.User == nil || deref(v.User.StudentNumber) != "M11201001" || derefInt(v.User.YearOfStudy) != 6 {
			t.Errorf("signed in as %+v", v.User)
		}
	})
}

// What claims read as a number and a year, and what reads as nothing.
func TestStudentClaimValues(t *testing.T) {
	numbers := []struct {
		in   any
		want string
	}{{"B10901234", "B10901234"}, {" 10901 ", "10901"}, {10901235.0, "10901235"}, {json.Number("42"), "42"}, {7, "7"},
		{1.5, ""}, {-3.0, ""}, {true, ""}, {nil, ""}, {[]any{"x"}, ""}, {"a\nb", ""}, {strings.Repeat("9", 65), ""}}
	for _, c := range numbers {
		if got := StudentNumber(c.in); got != c.want {
			t.Errorf("StudentNumber(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
	years := []struct {
		in   any
		want int
	}{{5.0, 5}, {"4", 4}, {" 6 ", 6}, {json.Number("3"), 3}, {5, 5}, {0.0, 0}, {13.0, 0}, {4.5, 0}, {"five", 0}, {nil, 0}, {false, 0}}
	for _, c := range years {
		if got := YearOfStudy(c.in); got != c.want {
			t.Errorf("YearOfStudy(%#v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
