package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/statgate/statgate/internal/pipeline"
)

// Error kinds of the HTTP layer; the store's and engine's kinds come from
// pipeline.
var (
	errUnauthorized = errors.New("unauthorized")
	errTooLarge     = errors.New("request body too large")
	errUnavailable  = errors.New("unavailable")
	errForbidden    = errors.New("forbidden")
	errMediaType    = errors.New("unsupported media type")
)

// statusOf is the one table mapping error kinds to status codes. The first
// kind an error wraps wins; anything else is a 500.
var statusOf = []struct {
	kind error
	code int
}{
	{errUnauthorized, http.StatusUnauthorized},
	{errTooLarge, http.StatusRequestEntityTooLarge},
	{errForbidden, http.StatusForbidden},
	{errMediaType, http.StatusUnsupportedMediaType},
	// Before the store's kinds: "could not do it now, try again" wins
	// over the cause it wraps.
	{errUnavailable, http.StatusServiceUnavailable},
	{pipeline.ErrInvalid, http.StatusBadRequest},
	{pipeline.ErrNotFound, http.StatusNotFound},
	{pipeline.ErrConflict, http.StatusConflict},
}

// unavailable marks err as a reason to try again later (503), with a
// message that says what was not done.
func unavailable(what string, err error) error {
	return &wrapped{msg: what + ": " + err.Error(), kind: errUnavailable}
}

func codeOf(err error) int {
	for _, s := range statusOf {
		if errors.Is(err, s.kind) {
			return s.code
		}
	}
	return http.StatusInternalServerError
}

func badField(field, reason string) error {
	return &pipeline.InvalidField{Field: field, Reason: reason}
}

// errorBody is every error answer: a stable status, the message and, when
// one field is to blame, its name.
type errorBody struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError answers err with its kind's status code. Server-side errors
// are logged by the caller's middleware; their text is still returned, as
// the callers are operators and upstream systems, not the public.
func writeError(w http.ResponseWriter, err error) int {
	code := codeOf(err)
	body := errorBody{Status: "error", Error: err.Error()}
	var fe *pipeline.InvalidField
	if errors.As(err, &fe) {
		body.Field = fe.Field
	}
	var pe *pipeline.FieldError
	if body.Field == "" && errors.As(err, &pe) {
		body.Field = pe.Column
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="statgate"`)
	}
	writeJSON(w, code, body)
	return code
}
