package monitors

// NotFoundError is a request for a monitor that is not there.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Missing reports that the request named something that is not there.
func (e *NotFoundError) Missing() bool { return true }
