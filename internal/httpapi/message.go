package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// Message is a Phase 2 completion message (SPEC §8), from a Pub/Sub push
// envelope or sent bare.
type Message struct {
	// Table is the last segment of output_table (or source_table).
	Table       string        `json:"table"`
	GameDate    pipeline.Date `json:"game_date"`
	Status      string        `json:"status"`
	RecordCount int           `json:"record_count,omitempty"`
	// MessageID is the Pub/Sub message id ("" for a bare message).
	MessageID     string `json:"message_id,omitempty"`
	ExecutionID   string `json:"execution_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	BackfillMode  bool   `json:"backfill_mode,omitempty"`
	// Payload is the message JSON as sent, kept with the trigger.
	Payload string `json:"-"`
}

// wireMessage is the message as sent. Unknown fields are allowed: an
// upstream may add fields before this service knows them.
type wireMessage struct {
	OutputTable   *string `json:"output_table"`
	SourceTable   *string `json:"source_table"`
	GameDate      *string `json:"game_date"`
	Status        *string `json:"status"`
	RecordCount   *int    `json:"record_count"`
	ExecutionID   string  `json:"execution_id"`
	CorrelationID string  `json:"correlation_id"`
	BackfillMode  bool    `json:"backfill_mode"`
}

// pushEnvelope is a Pub/Sub push request body.
type pushEnvelope struct {
	Message *struct {
		Data       *string           `json:"data"`
		MessageID  string            `json:"messageId"`
		MessageID2 string            `json:"message_id"`
		Attributes map[string]string `json:"attributes"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// DecodeProcess reads a /process body: a Pub/Sub push envelope (a JSON
// object with a "message") or the bare message. Its game_date must be a
// real game date on the day today (pipeline.CheckGameDate): a far-off
// date is a typo, and taken as real it would make every date up to it a
// date to work on. Errors are ErrInvalid and name the field.
func DecodeProcess(body []byte, today pipeline.Date) (Message, error) {
	var probe map[string]json.RawMessage
	if err := strictUnmarshal(body, &probe); err != nil {
		return Message{}, err
	}
	// An envelope has a "message" object; a bare message may carry a
	// "message" of its own (a string, say).
	if raw, ok := probe["message"]; !ok || !isObject(raw) {
		return decodeMessage(body, "", today)
	}
	var env pushEnvelope
	if err := strictUnmarshal(body, &env); err != nil {
		return Message{}, err // encoding/json names the full path
	}
	if env.Message == nil {
		return Message{}, badField("message", "must be an object")
	}
	if env.Message.Data == nil {
		return Message{}, badField("message.data", "missing")
	}
	data, err := base64.StdEncoding.DecodeString(*env.Message.Data)
	if err != nil {
		return Message{}, badField("message.data", "not base64: "+err.Error())
	}
	id := env.Message.MessageID
	if id == "" {
		id = env.Message.MessageID2
	}
	if id == "" {
		return Message{}, badField("message.messageId", "missing")
	}
	m, err := decodeMessage(data, "message.data.", today)
	if err != nil {
		return Message{}, err
	}
	m.MessageID = id
	return m, nil
}

func decodeMessage(data []byte, prefix string, today pipeline.Date) (Message, error) {
	var w wireMessage
	if err := strictUnmarshal(data, &w); err != nil {
		return Message{}, prefixField(strings.TrimSuffix(prefix, "."), err)
	}
	m := Message{ExecutionID: w.ExecutionID, CorrelationID: w.CorrelationID, BackfillMode: w.BackfillMode,
		Payload: string(data)}
	switch {
	case w.OutputTable != nil && *w.OutputTable != "":
		m.Table = lastSegment(*w.OutputTable)
	case w.SourceTable != nil && *w.SourceTable != "":
		m.Table = lastSegment(*w.SourceTable)
	default:
		return Message{}, badField(prefix+"output_table", "missing (or source_table)")
	}
	if m.Table == "" {
		return Message{}, badField(prefix+"output_table", "ends with a dot")
	}
	if w.GameDate == nil {
		return Message{}, badField(prefix+"game_date", "missing")
	}
	d, err := pipeline.ParseDate(*w.GameDate)
	if err != nil {
		return Message{}, badField(prefix+"game_date", err.Error())
	}
	if err := pipeline.CheckGameDate(d, today); err != nil {
		return Message{}, badField(prefix+"game_date", err.Error())
	}
	m.GameDate = d
	if w.Status == nil {
		return Message{}, badField(prefix+"status", "missing")
	}
	switch *w.Status {
	case pipeline.StatusSuccess, pipeline.StatusPartial, pipeline.StatusNoData, pipeline.StatusFailed:
		m.Status = *w.Status
	default:
		return Message{}, badField(prefix+"status", fmt.Sprintf("%q: want success, partial, no_data or failed", *w.Status))
	}
	if w.RecordCount != nil {
		if *w.RecordCount < 0 {
			return Message{}, badField(prefix+"record_count", "negative")
		}
		m.RecordCount = *w.RecordCount
	}
	return m, nil
}

// isObject reports whether raw JSON is an object (or null, which an
// envelope reports as such).
func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '{' || string(t) == "null")
}

// lastSegment turns "project.nba_raw.nbac_team_boxscore" into its table.
func lastSegment(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}

// strictUnmarshal decodes exactly one JSON value, turning decoder errors
// into field errors.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	switch _, err := dec.Token(); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return badField("body", "malformed data after the JSON value")
	}
	return badField("body", "more than one JSON value")
}

// jsonError names the field a decoding error is about, in JSON's terms.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return badField(field, fmt.Sprintf("want %s, got %s", jsonKind(te.Type), te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badField("body", fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badField("body", "empty or truncated JSON")
	}
	return badField("body", err.Error())
}

// jsonKind says what JSON a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// prefixField puts a path in front of a field error's field; an error
// about the whole value ("body") is then about the prefix itself.
func prefixField(prefix string, err error) error {
	var fe *pipeline.InvalidField
	if prefix == "" || !errors.As(err, &fe) {
		return err
	}
	if fe.Field == "body" {
		return badField(prefix, fe.Reason)
	}
	return badField(prefix+"."+fe.Field, fe.Reason)
}
