package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDocumentSettings(t *testing.T) {
	c, errs := Load(ModeDev, func(string) string { return "" })
	if len(errs) > 0 || c.UploadLimit() != 10<<20 || c.Storage() != filepath.Join("./var", "files") {
		t.Fatalf("defaults: limit %d, storage %q, %v", c.UploadLimit(), c.Storage(), errs)
	}
	env := map[string]string{"PORTAL_UPLOAD_MAX_BYTES": "5242880", "PORTAL_STORAGE_URL": "s3://portal-docs?region=ap-northeast-1&endpoint=http://minio:9000"}
	c, errs = Load(ModeServe, func(k string) string { return env[k] })
	if len(errs) > 0 || c.UploadLimit() != 5<<20 || c.Storage() != env["PORTAL_STORAGE_URL"] {
		t.Fatalf("set: limit %d, storage %q, %v", c.UploadLimit(), c.Storage(), errs)
	}
	for _, bad := range []map[string]string{
		{"PORTAL_UPLOAD_MAX_BYTES": "ten"},
		{"PORTAL_UPLOAD_MAX_BYTES": "0"},
		{"PORTAL_UPLOAD_MAX_BYTES": "99999999999"},
		{"PORTAL_STORAGE_URL": "gs://bucket"},
		{"PORTAL_STORAGE_URL": "s3://"},
		{"PORTAL_STORAGE_URL": "file://"},
	} {
		_, errs := Load(ModeServe, func(k string) string { return bad[k] })
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "PORTAL_") {
			t.Errorf("%v: errors %v, want one naming the variable", bad, errs)
		}
	}
}
