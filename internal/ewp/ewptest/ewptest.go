// Package ewptest checks documents against the vendored EWP schemas with
// xmllint (Debian's libxml2-utils), for the tests of every package that
// produces EWP XML.
package ewptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// The endpoint schemas, relative to internal/ewp/schemas.
const (
	Omobilities = "omobilities-get-response.xsd"
	IIAs        = "iias-get-response.xsd"
)

// Validate fails t unless doc validates against schema, offline.
func Validate(t testing.TB, schema string, doc []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is needed to check EWP documents (apt-get install libxml2-utils)")
	}
	_, here, _, _ := runtime.Caller(0)
	xsd := filepath.Join(filepath.Dir(here), "..", "schemas", schema)
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		t.Fatalf("the document does not validate against %s: %v\n%s\n%s", schema, err, out, doc)
	}
}
