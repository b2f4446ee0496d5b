package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"portal/internal/api"
	"portal/internal/db"
	"portal/internal/user"
)

// token makes a personal API token for scripts (issue 15):
//
//	portal token create --user <subject or e-mail> --scope read|write [--days 90] [--name script]
//
// against the database of PORTAL_DATABASE_URL (dev's or serve's). The
// token is printed once; only its hash is kept, and its making audited.
func token(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	usage := "usage: portal token create --user <name> --scope read|write [--days 90] [--name <label>]"
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	login := fs.String("user", "", "the owner: their sign-in name (subject) or e-mail")
	scope := fs.String("scope", "read", "read or write")
	days := fs.Int("days", 90, "days until it expires")
	name := fs.String("name", "command line", "a label to recognise it by")
	if err := fs.Parse(args[1:]); err != nil || *login == "" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	url := strings.TrimSpace(getenv("PORTAL_DATABASE_URL"))
	if url == "" {
		fmt.Fprintln(stderr, "portal token: PORTAL_DATABASE_URL is missing; set a postgres:// URL or a SQLite file path")
		return 2
	}
	d, err := db.Open(ctx, url, db.Pool{MaxOpen: 2, MaxIdle: 2})
	if err != nil {
		fmt.Fprintf(stderr, "portal token: %v\n", err)
		return 1
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		fmt.Fprintf(stderr, "portal token: %v; run `portal migrate up` first\n", err)
		return 3
	}
	plain, t, err := api.NewService(d, user.NewStore(d), api.Options{}).CreateFor(ctx, *login, api.CreateInput{Name: *name, Scope: *scope, Days: *days})
	if err != nil {
		fmt.Fprintf(stderr, "portal token: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "token %d for %s (%s), expires %s; it is shown only now:\n", t.ID, *login, t.Scope, t.ExpiresAt.Format("2006-01-02"))
	fmt.Fprintln(stdout, plain)
	return 0
}
