package document_test

import (
	"testing"

	"portal/internal/document"
	"portal/internal/rotation"
)

// The wallet names rotation requests as the rotation pages do.
func TestRequestListNamesRequestsAsRotationPagesDo(t *testing.T) {
	got := document.RequestList([]int64{7, 1234})
	if want := rotation.Ref(7) + ", " + rotation.Ref(1234); got != want {
		t.Errorf("RequestList = %q, want %q", got, want)
	}
}
