// Package apperr is the portal's one error type. Domain packages return it
// with a code and a translation key; the web layer maps the code to an HTTP
// status and the key to a message in the reader's language, in one place.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Code classifies an error by what the user can do about it.
type Code string

// The codes the web layer knows how to show.
const (
	Invalid      Code = "invalid"      // the input is wrong; fix it and retry
	Unauthorized Code = "unauthorized" // sign in first
	Forbidden    Code = "forbidden"    // signed in, but not allowed
	NotFound     Code = "not_found"    // no such thing, or not visible to this user
	Conflict     Code = "conflict"     // someone else changed it first
	Unavailable  Code = "unavailable"  // a dependency is down; retry later
	Internal     Code = "internal"     // our fault; details are logged, not shown
)

// Error carries a code, a message key with its arguments, optional messages
// per form field, and the underlying cause for the log.
type Error struct {
	Code   Code
	Key    string         // translation key of the message shown to the user
	Args   []any          // arguments of the message
	Fields map[string]Msg // form field -> its message
	Err    error          // cause, logged but never shown
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Key
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Msg is a translation key with its arguments.
type Msg struct {
	Key  string
	Args []any
}

// Fields collects messages per form field; its Err is nil while empty.
type Fields map[string]Msg

// Add records a message for field, keeping the first one per field.
func (f Fields) Add(field, key string, args ...any) {
	if _, ok := f[field]; !ok {
		f[field] = Msg{Key: key, Args: args}
	}
}

// Text checks free text a person typed into field: present when required,
// at most maxLen characters, no NUL.
func (f Fields) Text(field, v string, required bool, maxLen int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "form.required")
	case utf8.RuneCountInString(v) > maxLen:
		f.Add(field, "form.too_long", maxLen)
	case strings.ContainsRune(v, 0):
		f.Add(field, "form.bad_characters")
	}
}

// Err returns an Invalid error carrying the fields, or nil when none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "form.invalid", Fields: f}
}

// FieldsOf returns the field messages carried by err, if any.
func FieldsOf(err error) Fields {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// New makes an error with a code, a message key and its arguments.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap makes an error that keeps cause for the log.
func Wrap(code Code, cause error, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: cause}
}

// Internalf wraps an unexpected failure; the user sees a generic message.
func Internalf(format string, a ...any) *Error {
	return &Error{Code: Internal, Key: "error.internal", Err: fmt.Errorf(format, a...)}
}

// Or passes coded errors through and codes anything else as internal,
// naming what failed for the log.
func Or(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return Internalf("%s: %w", what, err)
}

// CodeOf returns the code of err, Internal for errors of any other type.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
