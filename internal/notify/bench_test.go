package notify

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/testutil"
)

// BenchmarkOutboxThroughput measures how many mails a second the outbox
// delivers on PostgreSQL to an SMTP sink in the same process, with 1 and 4
// workers: claim (FOR UPDATE SKIP LOCKED), render both parts in the
// recipient's language, SMTP over a kept connection, mark sent. Each
// iteration is one mail; the events/s metric is the one to read.
func BenchmarkOutboxThroughput(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			d := testutil.OpenDB(b, testutil.Postgres)
			k := startSink(b)
			k.light = true
			s := newService(b, d, smtpMailer(b, k, workers), Options{Poll: 5 * time.Millisecond})
			en := addUser(b, d, "Emily Huang", "en")
			zh := addUser(b, d, "Lin Mei-Hua 林美華", "zh-Hant")
			err := d.Transaction(func(tx *gorm.DB) error {
				for i := range b.N {
					p := en
					if i%2 == 1 {
						p = zh
					}
					if err := Enqueue(tx, Event{Kind: HostDecision, RecipientUserID: p.ID, Data: sampleData(HostDecision), Link: fmt.Sprintf("/applications/%d", i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			stop := run(b, s, workers)
			k.waitFor(b.N, 10*time.Minute)
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}
