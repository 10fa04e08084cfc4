package alerts

// NotFoundError is a request for a rule that is not there.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Missing reports that the request named something that is not there.
func (e *NotFoundError) Missing() bool { return true }

// InvalidError is a rule that cannot be saved as sent: its message says
// what to change.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Missing is false: the request is wrong, not looking for what is gone.
func (e *InvalidError) Missing() bool { return false }

var errNoRule = &NotFoundError{Msg: "alert not found"}
