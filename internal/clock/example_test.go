package clock_test

import (
	"fmt"
	"time"

	"portal/internal/clock"
	"portal/internal/i18n"
)

// How a page, a mail or a letter shows an instant: the zone comes from
// the configuration (config.Config.Zone, or wiring.App.Zone), the words
// from the reader's translator (a page's p.T, a mail's v.T).
func ExampleZone_Phrase() {
	zone, _ := clock.Load("Asia/Taipei")
	b, _ := i18n.Load()
	T := func(key string, args ...any) string { return b.T(i18n.English, key, args...) }
	at := time.Date(2026, 12, 7, 1, 32, 0, 0, time.UTC)

	fmt.Println(zone.Phrase(T, at))                     // a time on a page or in a mail
	fmt.Println(zone.Time(at))                          // a time where the language is unknown
	fmt.Println(zone.DateText(T, at))                   // its calendar day, for people
	fmt.Println(zone.Date(at))                          // ...and for machines
	fmt.Println(zone.Time(zone.Deadline(at, 14)))       // an answer due within 14 days
	fmt.Println(zone.Label(T, at))                      // the zone alone, for a table's caption
	fmt.Println(zone.In(at).Format("2006-01-02 15:04")) // ...and its rows
	// Output:
	// 7 Dec 2026 09:32 (Taipei time, UTC+8)
	// 2026-12-07 09:32 UTC+8
	// 7 Dec 2026
	// 2026-12-07
	// 2026-12-21 23:59 UTC+8
	// Taipei time, UTC+8
	// 2026-12-07 09:32
}
