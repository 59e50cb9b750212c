package main

import (
	"context"
	"errors"
)

// runConfig is replaced by the metadata work (issue 5).
func runConfig(_ context.Context, _ []string) error {
	return errors.New("not implemented yet")
}
