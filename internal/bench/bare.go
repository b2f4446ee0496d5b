package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/application"
)

// bareQueueSQL reads the first page of the office's queue, the open
// stages oldest waiting first, in one statement with nothing the portal
// adds around it: no session, no scope, no counts, no cursor. Like the
// portal's, it takes the oldest rows of each stage from the (status,
// stage_since, id) index and merges them, instead of sorting every open
// application.
func bareQueueSQL(stages []application.Stage, limit int) string {
	var b strings.Builder
	b.WriteString("WITH page AS (SELECT id, stage_since FROM (")
	for i, st := range stages {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "(SELECT id, stage_since FROM applications WHERE status = '%s' ORDER BY stage_since, id LIMIT %d)", st, limit)
	}
	fmt.Fprintf(&b, `) AS u ORDER BY stage_since, id LIMIT %d)
SELECT a.id, a.version, a.status, u.name, a.specialty, a.stage_since, a.current_choice,
	COALESCE(e.id, 0), COALESCE(e.title_en, ''), COALESCE(e.title_zh, ''), COALESCE(i.name_en, ''),
	COALESCE(i.name_local, ''), COALESCE(i.country, ''), COALESCE(p.starts_on, a.stage_since), COALESCE(p.ends_on, a.stage_since)
FROM page
JOIN applications AS a ON a.id = page.id
JOIN users AS u ON u.id = a.applicant_id
LEFT JOIN application_choices AS c ON c.application_id = a.id AND c.rank = a.current_choice
LEFT JOIN electives AS e ON e.id = c.elective_id
LEFT JOIN institutions AS i ON i.id = e.institution_id
LEFT JOIN periods AS p ON p.id = c.period_id
ORDER BY a.stage_since, a.id`, limit)
	return b.String()
}

// RenderRows writes queue rows as the portal's own template does.
type RenderRows func(w io.Writer, rows []application.QueueRow) error

// BareQueue is the yardstick of the review-queue scenarios: the same rows
// the office's first page shows, read with one raw pgx query and rendered
// with the portal's row template, served over HTTP from the bench process.
// What the portal's page costs beyond it is its session, scope, counts and
// layout.
type BareQueue struct {
	URL  string
	pool *pgxpool.Pool
	srv  *http.Server
}

// ServeBareQueue serves the yardstick on a free port with a pool of conns
// connections to databaseURL.
func ServeBareQueue(ctx context.Context, databaseURL string, conns int, render RenderRows) (*BareQueue, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns, cfg.MinConns = int32(conns), int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pool.Close()
		return nil, err
	}
	query := bareQueueSQL(application.OpenStages, application.QueuePageSize)
	b := &BareQueue{URL: "http://" + ln.Addr().String(), pool: pool}
	b.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := b.rows(r.Context(), query)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if err := render(&buf, rows); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})}
	go func() {
		if err := b.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("bench: bare queue server: %v", err))
		}
	}()
	return b, nil
}

func (b *BareQueue) rows(ctx context.Context, query string) ([]application.QueueRow, error) {
	rs, err := b.pool.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	now := time.Now()
	out := make([]application.QueueRow, 0, application.QueuePageSize)
	for rs.Next() {
		var q application.QueueRow
		var stage string
		err := rs.Scan(&q.ID, &q.Version, &stage, &q.ApplicantName, &q.Specialty, &q.StageSince, &q.CurrentChoice,
			&q.ElectiveID, &q.ElectiveTitleEN, &q.ElectiveTitleZH, &q.InstitutionNameEN, &q.InstitutionNameLocal, &q.Country,
			&q.StartsOn, &q.EndsOn)
		if err != nil {
			return nil, err
		}
		q.Stage = application.Stage(stage)
		q.Turn = application.Turn(q.Stage)
		q.DaysInStage = int(now.Sub(q.StageSince) / (24 * time.Hour))
		out = append(out, q)
	}
	return out, rs.Err()
}

// Close stops serving and closes the pool.
func (b *BareQueue) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.srv.Shutdown(ctx)
	b.pool.Close()
}
