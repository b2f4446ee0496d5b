package workflow_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/workflow"
)

// What a person is told for each kind of failure under a transition: a
// missing row is "not found", the database's overlap backstop the overlap
// message, a coded refusal itself, anything else "try again".
func TestWrapTellsEachFailureItsMessage(t *testing.T) {
	refusal := apperr.New(apperr.Invalid, "application.err.not_now")
	for _, c := range []struct {
		err  error
		code apperr.Code
		key  string
	}{
		{fmt.Errorf("load: %w", gorm.ErrRecordNotFound), apperr.NotFound, "error.not_found"},
		{fmt.Errorf("claim: %w", &pgconn.PgError{Code: "23P01", ConstraintName: "applications_placement_excl"}), apperr.Conflict, "workflow.err.overlap"},
		{&pgconn.PgError{Code: "23505"}, apperr.Internal, "error.internal"},
		{refusal, apperr.Invalid, "application.err.not_now"},
		{errors.New("connection reset"), apperr.Internal, "error.internal"},
	} {
		var ae *apperr.Error
		if got := workflow.Wrap(c.err, "move"); !errors.As(got, &ae) || ae.Code != c.code || ae.Key != c.key {
			t.Errorf("Wrap(%v) = %v, want %s %s", c.err, got, c.code, c.key)
		}
	}
	if workflow.Wrap(nil, "move") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}
