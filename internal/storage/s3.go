//go:build nos3

package storage

import (
	"context"
	"errors"
)

// openBucket refuses: this binary was built with -tags nos3.
func openBucket(context.Context, string) (Storage, error) {
	return nil, errors.New("storage: this binary was built without S3 support (build tag nos3); use a directory, or a build without that tag")
}
