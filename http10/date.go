package http10

import (
	"strings"
	"time"
)

// Date formats (RFC 1945, 3.3). A server must accept all three and must
// generate only the first, always in GMT.
const (
	rfc1123Layout = "Mon, 02 Jan 2006 15:04:05 GMT"  // "Sun, 06 Nov 1994 08:49:37 GMT"
	rfc850Layout  = "Monday, 02-Jan-06 15:04:05 GMT" // "Sunday, 06-Nov-94 08:49:37 GMT"
	asctimeLayout = "Mon Jan _2 15:04:05 2006"       // "Sun Nov  6 08:49:37 1994"
)

// appendDate appends t as an rfc1123-date in GMT, to the second.
//
// It writes the fixed layout by hand: every response carries a Date, and
// time.AppendFormat, which reads its layout string anew on each call, was
// a tenth of the server's own CPU time per request (docs/performance.md).
// A year outside 0000-9999, which the layout cannot hold, goes the slow
// way, and comes out as AppendFormat writes it.
func appendDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, rfc1123Layout)
	}
	hour, minute, sec := t.Clock()
	const days, months = "SunMonTueWedThuFriSat", "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd, mo := int(t.Weekday()), int(month)-1
	return append(b,
		days[3*wd], days[3*wd+1], days[3*wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		months[3*mo], months[3*mo+1], months[3*mo+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

// formatDate returns t as an rfc1123-date in GMT.
func formatDate(t time.Time) string {
	var a [len(rfc1123Layout) + 4]byte
	return string(appendDate(a[:0], t))
}

// parseDate parses an HTTP-date in any of the three formats of RFC 1945, 3.3.
// A two-digit rfc850 year that would land more than 50 years after now is
// taken as the most recent year with those digits (RFC 9110, 5.6.7; RFC 1945
// is silent). The result is in UTC.
func parseDate(s string, now time.Time) (time.Time, bool) {
	// The day name tells the formats apart: "Sun," "Sunday," or "Sun ".
	layout := asctimeLayout
	switch comma := strings.IndexByte(s, ','); {
	case comma == 3:
		layout = rfc1123Layout
	case comma > 3:
		layout = rfc850Layout
	case comma >= 0 || len(s) != len(asctimeLayout):
		return time.Time{}, false
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	for layout == rfc850Layout && t.Year() > now.Year()+50 {
		t = t.AddDate(-100, 0, 0)
	}
	return t, true
}
