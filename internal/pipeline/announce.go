package pipeline

// Upstream message statuses (SPEC §8).
const (
	StatusSuccess = "success"
	StatusPartial = "partial"
	StatusNoData  = "no_data"
	StatusFailed  = "failed"
)

// Announcement says that an upstream system wrote a raw partition's rows
// into its table itself and that they are now complete (SPEC §3): the store
// versions the rows it finds there.
type Announcement struct {
	Table *Table
	Date  Date
	// MessageID identifies the message; "" derives one from the content,
	// so that equal content announces once.
	MessageID string
	// Status is the upstream's status: success, partial or no_data. A
	// partial announcement is versioned and flagged partial.
	Status string
	// RecordCount, when positive, is how many rows the upstream wrote. A
	// table holding fewer rows than that for the date refuses the
	// announcement with ErrConflict: the rows are not all there yet (not
	// committed, or still being written), and the sender retries. More
	// rows is fine: an upstream run may count only what it added.
	RecordCount int
	// Payload is the message as received, kept with the trigger.
	Payload string
}

// Duplicate reasons of an AnnounceResult.
const (
	DuplicateMessage = "message_id"
	DuplicateContent = "content"
)

// AnnounceResult is the outcome of an Announcement.
type AnnounceResult struct {
	// Version is the partition's current version after the announcement.
	Version PartitionVersion
	// TriggerID is the recorded trigger (the earlier one for a duplicate
	// message; 0 for duplicate content, which records nothing).
	TriggerID int64
	// Duplicate is "" when a new version was recorded, else why not
	// (DuplicateMessage, DuplicateContent).
	Duplicate string
}

// TriggerFor is the trigger a publication records: its own, or the one
// derived from the content for Announce.
func (p Prepared) TriggerFor(v PartitionVersion) (Trigger, bool) {
	if !p.recordsTrigger() {
		return Trigger{}, false
	}
	t := Trigger{MessageID: AnnounceID(v.Table, v.Date, v.ContentHash), Status: StatusSuccess,
		Table: v.Table, Date: v.Date, RecordCount: v.RowCount, ContentHash: v.ContentHash, Source: v.Source}
	if p.Trigger != nil {
		t.Status = p.Trigger.Status
		if p.Trigger.MessageID != "" {
			t.MessageID = p.Trigger.MessageID
		}
	}
	return t, true
}
