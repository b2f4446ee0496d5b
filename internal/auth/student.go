package auth

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Identity providers disagree on types: one directory sends a student
// number as a string ("B10901234"), another as a JSON number (10901234),
// and a year of study as 5, 5.0 or "5". What follows reads each of them,
// and anything else as nothing, so that an odd claim never stops a
// sign-in.

// maxYearOfStudy bounds a year of study: medicine takes six or seven
// years, and anything far beyond is a provider's mistake, not a year.
const maxYearOfStudy = 12

// maxStudentNumber bounds a student number's length: a longer value is
// not a number a university gives.
const maxStudentNumber = 64

// StudentNumber reads a student-number claim: a string, or a whole JSON
// number (or a Go int); "" for anything else.
func StudentNumber(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case float64:
		if x != math.Trunc(x) || x < 0 || x > 1<<53 {
			return ""
		}
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case int:
		if x < 0 {
			return ""
		}
		s = strconv.Itoa(x)
	}
	if len(s) > maxStudentNumber || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return ""
	}
	return s
}

// YearOfStudy reads a year-of-study claim: a whole number from 1 to
// maxYearOfStudy, as a JSON number or a string; 0 for anything else.
func YearOfStudy(v any) int {
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case int: // claims built in Go (the development provider's users)
		n = float64(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0
		}
		n = f
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0
		}
		n = float64(i)
	default:
		return 0
	}
	if n != math.Trunc(n) || n < 1 || n > maxYearOfStudy {
		return 0
	}
	return int(n)
}
