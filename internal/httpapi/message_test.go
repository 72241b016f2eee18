package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/httpapi"
	"github.com/statgate/statgate/internal/pipeline"
)

// msgEnvelope wraps data (already JSON) in a Pub/Sub push envelope whose
// message has the given extra fields; it is built by hand so that tests can
// send what real clients never would.
func msgEnvelope(data string, fields string) string {
	msg := `"data":"` + base64.StdEncoding.EncodeToString([]byte(data)) + `"`
	if fields != "" {
		msg += "," + fields
	}
	return `{"message":{` + msg + `},"subscription":"projects/nba/subscriptions/phase3-push"}`
}

// msgToday is the day the decoding tests run on: 2024-06-01, so the
// latest real game date is 2025-06-01 whatever the calendar says.
var msgToday = pipeline.MustDate("2024-06-01")

const msgTeamBox = `{"output_table":"nba-props.nba_raw.nbac_team_boxscore","game_date":"2023-02-01","status":"success",` +
	`"record_count":20,"execution_id":"exec-9","correlation_id":"corr-3","backfill_mode":true}`

func TestDecodeProcess(t *testing.T) {
	t.Parallel()
	feb1 := pipeline.MustDate("2023-02-01")
	tests := []struct {
		name string
		body string
		want httpapi.Message
	}{
		{
			name: "bare message with a dotted table",
			body: msgTeamBox,
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "success", RecordCount: 20,
				ExecutionID: "exec-9", CorrelationID: "corr-3", BackfillMode: true, Payload: msgTeamBox},
		},
		{
			name: "bare message with an undotted table and no count",
			body: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"no_data"}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: feb1, Status: "no_data",
				Payload: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"no_data"}`},
		},
		{
			name: "bare message with a message field of its own",
			body: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"success","message":"3 games"}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: feb1, Status: "success",
				Payload: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"success","message":"3 games"}`},
		},
		{
			name: "source_table when output_table is absent",
			body: `{"source_table":"nba_raw.nbac_gamebook_player_stats","game_date":"2023-02-01","status":"partial","record_count":0}`,
			want: httpapi.Message{Table: "nbac_gamebook_player_stats", GameDate: feb1, Status: "partial",
				Payload: `{"source_table":"nba_raw.nbac_gamebook_player_stats","game_date":"2023-02-01","status":"partial","record_count":0}`},
		},
		{
			name: "source_table when output_table is empty",
			body: `{"output_table":"","source_table":"a.b.nbac_schedule","game_date":"2023-02-01","status":"failed"}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: feb1, Status: "failed",
				Payload: `{"output_table":"","source_table":"a.b.nbac_schedule","game_date":"2023-02-01","status":"failed"}`},
		},
		{
			name: "output_table wins over source_table",
			body: `{"output_table":"x.nbac_team_boxscore","source_table":"x.nbac_schedule","game_date":"2023-02-01","status":"success"}`,
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "success",
				Payload: `{"output_table":"x.nbac_team_boxscore","source_table":"x.nbac_schedule","game_date":"2023-02-01","status":"success"}`},
		},
		{
			name: "unknown fields are allowed",
			body: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"success","rows_written":5,"extra":{"a":[1]}}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: feb1, Status: "success",
				Payload: `{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"success","rows_written":5,"extra":{"a":[1]}}`},
		},
		{
			name: "push envelope with messageId",
			body: msgEnvelope(msgTeamBox, `"messageId":"1234","attributes":{"source":"phase2"}`),
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "success", RecordCount: 20, MessageID: "1234",
				ExecutionID: "exec-9", CorrelationID: "corr-3", BackfillMode: true, Payload: msgTeamBox},
		},
		{
			name: "push envelope with message_id",
			body: msgEnvelope(msgTeamBox, `"message_id":"5678"`),
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "success", RecordCount: 20, MessageID: "5678",
				ExecutionID: "exec-9", CorrelationID: "corr-3", BackfillMode: true, Payload: msgTeamBox},
		},
		{
			name: "messageId wins over message_id",
			body: msgEnvelope(msgTeamBox, `"messageId":"1234","message_id":"5678"`),
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "success", RecordCount: 20, MessageID: "1234",
				ExecutionID: "exec-9", CorrelationID: "corr-3", BackfillMode: true, Payload: msgTeamBox},
		},
		{
			name: "the first real game date",
			body: `{"output_table":"nbac_schedule","game_date":"1946-11-01","status":"success"}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: pipeline.FirstGameDate, Status: "success",
				Payload: `{"output_table":"nbac_schedule","game_date":"1946-11-01","status":"success"}`},
		},
		{
			name: "the last real game date: a year after today",
			body: `{"output_table":"nbac_schedule","game_date":"2025-06-01","status":"no_data"}`,
			want: httpapi.Message{Table: "nbac_schedule", GameDate: pipeline.MustDate("2025-06-01"), Status: "no_data",
				Payload: `{"output_table":"nbac_schedule","game_date":"2025-06-01","status":"no_data"}`},
		},
		{
			name: "harness push helper",
			body: string(push(message("nbac_team_boxscore", feb1, "partial", 3), "m-1")),
			want: httpapi.Message{Table: "nbac_team_boxscore", GameDate: feb1, Status: "partial", RecordCount: 3, MessageID: "m-1",
				ExecutionID: "exec-2023-02-01", CorrelationID: "corr-1", Payload: string(message("nbac_team_boxscore", feb1, "partial", 3))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := httpapi.DecodeProcess([]byte(tt.body), msgToday)
			if err != nil {
				t.Fatalf("DecodeProcess(%s) = %v, want no error", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeProcess(%s) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestDecodeProcessErrors(t *testing.T) {
	t.Parallel()
	valid := func(drop string, extra string) string {
		m := map[string]any{"output_table": "nba_raw.nbac_team_boxscore", "game_date": "2023-02-01", "status": "success"}
		delete(m, drop)
		b, _ := json.Marshal(m)
		if extra != "" {
			b = append(b[:len(b)-1], []byte(","+extra+"}")...)
		}
		return string(b)
	}
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{name: "empty body", body: ``, field: "body"},
		{name: "malformed JSON", body: `{"output_table":`, field: "body"},
		{name: "not an object", body: `["nbac_schedule"]`, field: "body"},
		{name: "a bare string", body: `"hello"`, field: "body"},
		{name: "trailing value", body: valid("", "") + ` {}`, field: "body"},
		{name: "trailing garbage", body: valid("", "") + `x`, field: "body"},
		{name: "no table", body: valid("output_table", ""), field: "output_table"},
		{name: "empty table names", body: valid("output_table", `"output_table":"","source_table":""`), field: "output_table"},
		{name: "table ends with a dot", body: valid("output_table", `"output_table":"nba_raw."`), field: "output_table"},
		{name: "table not a string", body: valid("output_table", `"output_table":7`), field: "output_table"},
		{name: "source_table not a string", body: valid("output_table", `"source_table":["a"]`), field: "source_table"},
		{name: "missing game_date", body: valid("game_date", ""), field: "game_date"},
		{name: "null game_date", body: valid("game_date", `"game_date":null`), field: "game_date"},
		{name: "impossible game_date", body: valid("game_date", `"game_date":"2023-02-30"`), field: "game_date"},
		{name: "short game_date", body: valid("game_date", `"game_date":"2023-2-1"`), field: "game_date"},
		{name: "game_date with a time", body: valid("game_date", `"game_date":"2023-02-01T00:00:00Z"`), field: "game_date"},
		{name: "game_date a number", body: valid("game_date", `"game_date":20230201`), field: "game_date"},
		{name: "game_date in year 9999", body: valid("game_date", `"game_date":"9999-12-31"`), field: "game_date"},
		{name: "game_date a century ahead", body: valid("game_date", `"game_date":"2122-10-18"`), field: "game_date"},
		{name: "game_date in year 0", body: valid("game_date", `"game_date":"0000-01-01"`), field: "game_date"},
		{name: "game_date before the first game", body: valid("game_date", `"game_date":"1946-10-31"`), field: "game_date"},
		{name: "game_date over a year ahead", body: valid("game_date", `"game_date":"2025-06-02"`), field: "game_date"},
		{name: "missing status", body: valid("status", ""), field: "status"},
		{name: "unknown status", body: valid("status", `"status":"done"`), field: "status"},
		{name: "status in capitals", body: valid("status", `"status":"SUCCESS"`), field: "status"},
		{name: "status a number", body: valid("status", `"status":1`), field: "status"},
		{name: "negative record_count", body: valid("", `"record_count":-1`), field: "record_count"},
		{name: "fractional record_count", body: valid("", `"record_count":1.5`), field: "record_count"},
		{name: "record_count a string", body: valid("", `"record_count":"12"`), field: "record_count"},
		{name: "record_count overflows", body: valid("", `"record_count":1e30`), field: "record_count"},
		{name: "backfill_mode a string", body: valid("", `"backfill_mode":"yes"`), field: "backfill_mode"},
		{name: "execution_id a number", body: valid("", `"execution_id":12`), field: "execution_id"},

		{name: "envelope message null", body: `{"message":null}`, field: "message"},
		{name: "envelope without data", body: `{"message":{"messageId":"1"}}`, field: "message.data"},
		{name: "envelope data null", body: `{"message":{"data":null,"messageId":"1"}}`, field: "message.data"},
		{name: "envelope data not base64", body: `{"message":{"data":"not base64!","messageId":"1"}}`, field: "message.data"},
		{name: "envelope data URL-safe base64", body: `{"message":{"data":"` +
			base64.URLEncoding.EncodeToString([]byte(`{"output_table":"nbac_schedule","game_date":"2023-02-01","status":"success","x":"??>"}`)) +
			`","messageId":"1"}}`, field: "message.data"},
		{name: "envelope without messageId", body: msgEnvelope(valid("", ""), `"attributes":{"a":"b"}`), field: "message.messageId"},
		{name: "envelope with empty ids", body: msgEnvelope(valid("", ""), `"messageId":"","message_id":""`), field: "message.messageId"},
		{name: "envelope data missing game_date", body: msgEnvelope(valid("game_date", ""), `"messageId":"1"`), field: "message.data.game_date"},
		{name: "envelope data bad game_date", body: msgEnvelope(valid("game_date", `"game_date":"01/02/2023"`), `"messageId":"1"`), field: "message.data.game_date"},
		{name: "envelope data game_date in year 9999", body: msgEnvelope(valid("game_date", `"game_date":"9999-12-31"`), `"messageId":"1"`), field: "message.data.game_date"},
		{name: "envelope data game_date in year 0", body: msgEnvelope(valid("game_date", `"game_date":"0000-01-01"`), `"messageId":"1"`), field: "message.data.game_date"},
		{name: "envelope data unknown status", body: msgEnvelope(valid("status", `"status":"ok"`), `"messageId":"1"`), field: "message.data.status"},
		{name: "envelope data no table", body: msgEnvelope(valid("output_table", ""), `"messageId":"1"`), field: "message.data.output_table"},
		{name: "envelope data negative count", body: msgEnvelope(valid("", `"record_count":-4`), `"messageId":"1"`), field: "message.data.record_count"},
		{name: "envelope data wrong type", body: msgEnvelope(valid("status", `"status":true`), `"messageId":"1"`), field: "message.data.status"},
		{name: "envelope trailing data", body: msgEnvelope(valid("", ""), `"messageId":"1"`) + `{}`, field: "body"},
		{
			name: "envelope data not JSON", body: msgEnvelope(`output_table=nbac_schedule`, `"messageId":"1"`), field: "message.data",
		},
		{
			name: "envelope data two JSON values", body: msgEnvelope(valid("", "")+valid("", ""), `"messageId":"1"`), field: "message.data",
		},
		{
			name: "envelope data a JSON array", body: msgEnvelope(`[1,2]`, `"messageId":"1"`), field: "message.data",
		},
		{
			// A "message" that is not an object makes a bare message (whose
			// own fields are then missing), not an envelope.
			name: "bare message with a message string", body: `{"message":"hello"}`, field: "output_table",
		},
		{
			name: "envelope messageId a number", body: `{"message":{"data":"e30=","messageId":5}}`, field: "message.messageId",
		},
		{
			name: "envelope data a number", body: `{"message":{"data":5,"messageId":"1"}}`, field: "message.data",
		},
		{
			name: "envelope subscription a number", body: `{"message":{"data":"e30=","messageId":"1"},"subscription":5}`, field: "subscription",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := httpapi.DecodeProcess([]byte(tt.body), msgToday)
			if err == nil {
				t.Fatalf("DecodeProcess(%s) = %+v, nil; want an error about %s", tt.body, got, tt.field)
			}
			if !errors.Is(err, pipeline.ErrInvalid) {
				t.Errorf("DecodeProcess(%s) = %v, want an error wrapping ErrInvalid", tt.body, err)
			}
			if diff := cmp.Diff(httpapi.Message{}, got); diff != "" {
				t.Errorf("DecodeProcess(%s) returned a message with its error (-want +got):\n%s", tt.body, diff)
			}
			var fe *pipeline.InvalidField
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeProcess(%s) = %v, want a *pipeline.InvalidField", tt.body, err)
			}
			if fe.Reason == "" {
				t.Errorf("DecodeProcess(%s) = %v, want a reason with the field", tt.body, err)
			}
			if fe.Field != tt.field {
				t.Errorf("DecodeProcess(%s) names field %q, want %q (error: %v)", tt.body, fe.Field, tt.field, err)
			}
			if strings.Contains(fe.Reason, "httpapi.") || strings.Contains(fe.Reason, "struct {") {
				t.Errorf("DecodeProcess(%s) reason %q shows Go type names", tt.body, fe.Reason)
			}
		})
	}
}

// FuzzDecodeProcess checks that every body either decodes to a valid
// message, dated on a real game date, or fails with ErrInvalid naming a
// field; never a panic, a half-valid message or an unexplained error.
func FuzzDecodeProcess(f *testing.F) {
	feb1 := pipeline.MustDate("2023-02-01")
	for _, seed := range []string{
		msgTeamBox,
		`{"source_table":"nba_raw.nbac_schedule","game_date":"2023-02-01","status":"no_data"}`,
		`{"output_table":"nba_raw.","game_date":"2023-02-01","status":"success"}`,
		`{"output_table":"nbac_schedule","game_date":"2023-02-30","status":"success","record_count":-1}`,
		string(push(message("nbac_team_boxscore", feb1, "success", 20), "m-1")),
		msgEnvelope(msgTeamBox, `"message_id":"5678"`),
		`{"message":{"data":"bm90IGpzb24=","messageId":"1"}}`,
		`{"message":{"data":5}}`,
		`{"message":null} {}`,
		``,
		`{"output_table":"nbac_schedule","game_date":"9999-12-31","status":"success"}`,
		`{"output_table":"nbac_team_boxscore","game_date":"0000-01-01","status":"no_data"}`,
		string(push([]byte(`{"output_table":"nbac_schedule","game_date":"2122-10-18","status":"success"}`), "far-1")),
		`{"output_table":"nbac_schedule","game_date":"1946-11-01","status":"failed"}`,
		`{"output_table":"nbac_schedule","game_date":"2025-06-02","status":"partial"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := httpapi.DecodeProcess(body, msgToday)
		if err != nil {
			if !errors.Is(err, pipeline.ErrInvalid) {
				t.Fatalf("DecodeProcess(%q) = %v, want an error wrapping ErrInvalid", body, err)
			}
			var fe *pipeline.InvalidField
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("DecodeProcess(%q) = %v, want an InvalidField naming a field", body, err)
			}
			return
		}
		if m.Table == "" || strings.Contains(m.Table, ".") {
			t.Errorf("DecodeProcess(%q).Table = %q, want a non-empty name without dots", body, m.Table)
		}
		switch m.Status {
		case pipeline.StatusSuccess, pipeline.StatusPartial, pipeline.StatusNoData, pipeline.StatusFailed:
		default:
			t.Errorf("DecodeProcess(%q).Status = %q, want success, partial, no_data or failed", body, m.Status)
		}
		if m.RecordCount < 0 {
			t.Errorf("DecodeProcess(%q).RecordCount = %d, want >= 0", body, m.RecordCount)
		}
		if err := pipeline.CheckGameDate(m.GameDate, msgToday); err != nil {
			t.Errorf("DecodeProcess(%q, %s).GameDate = %s: %v; want a real game date", body, msgToday, m.GameDate, err)
		}
		if d, err := pipeline.ParseDate(m.GameDate.String()); err != nil || d != m.GameDate {
			t.Errorf("ParseDate(%q) = %v, %v; want %d, nil (DecodeProcess(%q).GameDate)", m.GameDate.String(), d, err, m.GameDate, body)
		}
		if m.Payload == "" {
			t.Errorf("DecodeProcess(%q).Payload is empty, want the message as sent", body)
		}
	})
}
