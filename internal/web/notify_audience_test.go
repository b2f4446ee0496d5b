package web

import (
	"testing"

	"portal/internal/notify"
)

// A new kind of mail must say whom it reaches, or the preferences page
// would offer it to people it can never reach (an admin asked about
// starred electives).
func TestEveryMailKindHasAnAudience(t *testing.T) {
	t.Parallel()
	for _, k := range notify.Kinds {
		if _, ok := kindAudience[k]; !ok {
			t.Errorf("mail kind %s has no audience in kindAudience", k)
		}
	}
}
