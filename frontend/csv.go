package frontend

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// csvWriter writes exports that spreadsheets open as data. Excel,
// LibreOffice and Google Sheets run a cell that starts with '=', '+', '-',
// '@', a tab or a carriage return as a formula (=HYPERLINK(...) sends what
// it is given to any site, DDE formulas run commands), and event data is
// written by whoever can send events: such cells are prefixed with a single
// quote, as OWASP recommends. A cell that is a plain number ("-12.5") is
// not a formula and stays a number.
type csvWriter struct {
	out *csv.Writer
	row []string
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{out: csv.NewWriter(w)} }

// Write writes one row, formulas neutralized.
func (w *csvWriter) Write(cells []string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, csvCell(c))
	}
	return w.out.Write(w.row)
}

// Flush writes what is buffered to the underlying writer.
func (w *csvWriter) Flush() { w.out.Flush() }

func csvCell(c string) string {
	if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) || plainNumber(c) {
		return c
	}
	return "'" + c
}

// plainNumber reports a decimal number, with an optional sign, fraction and
// exponent: not "Inf", "NaN" or hexadecimal, which ParseFloat also reads.
func plainNumber(s string) bool {
	if strings.Trim(s, "0123456789.eE+-") != "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
