package frontend

// normalize turns the older spellings Sentry still accepts, and that
// sentry-cli sends, into the current ones: "muted" is "ignored",
// "resolvedInNextRelease" is "resolved" with statusDetails.inNextRelease,
// and snoozeDuration (minutes) is statusDetails.ignoreDuration.
func (b *changeBody) normalize() {
	if b.Status != nil {
		switch *b.Status {
		case "muted":
			s := "ignored"
			b.Status = &s
		case "resolvedInNextRelease":
			s := "resolved"
			b.Status, b.StatusDetails.InNextRelease = &s, true
		}
	}
	if b.SnoozeDuration != nil && b.StatusDetails.IgnoreDuration == 0 {
		b.StatusDetails.IgnoreDuration = *b.SnoozeDuration
	}
}
