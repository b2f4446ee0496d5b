package main

import (
	"context"
	"fmt"
	"time"

	"portal/internal/api"
	"portal/internal/audit"
	"portal/internal/user"
)

// bearerTokens is how many personal API tokens a bearer scenario spreads
// its requests over. Each token is rate limited (a burst of 60, then 5 a
// second: what one script may do), so one token would measure the
// limiter's 429s, not the API; the scenario is many scripts at once,
// each well within its limit, which is what the API must serve.
const bearerTokens = 2048

// mintBearers makes the persona of role the tokens of the bearer
// scenarios, once, through the token service as `portal token create`
// does (hashed, audited).
func (r *runner) mintBearers(ctx context.Context, role user.Role) error {
	if len(r.bearers[role]) > 0 {
		return nil
	}
	p, ok := r.personas[role]
	if !ok {
		return fmt.Errorf("no %s persona to make API tokens for", role)
	}
	t0 := time.Now()
	svc := api.NewService(r.db, user.NewStore(r.db), api.Options{})
	out := make([]string, 0, bearerTokens)
	for i := range bearerTokens {
		plain, _, err := svc.Create(ctx, nil, p.ID, api.CreateInput{Name: fmt.Sprintf("bench %d", i), Scope: string(api.Read), Days: 1}, audit.Meta{})
		if err != nil {
			return err
		}
		out = append(out, plain)
	}
	r.bearers[role] = out
	r.logf("api: %d read tokens for %s made in %s", bearerTokens, role, time.Since(t0).Round(time.Millisecond))
	return nil
}
