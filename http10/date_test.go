package http10

import (
	"testing"
	"time"
)

// TestAppendDate checks the hand-written rfc1123-date against the standard
// library's layout: every day of the week and month, single and double
// digits in every field, years at both ends of four digits, and beyond.
func TestAppendDate(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	times := []time.Time{
		time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC),
		time.Date(1994, 11, 6, 9, 49, 37, 999e6, cet), // to GMT, and to the second
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // too long for the layout
		time.Date(-1, 6, 15, 12, 0, 0, 0, time.UTC),
	}
	// Every 7th hour and a few seconds, for 40 years: all weekdays, months,
	// days and hours.
	for tm := time.Date(1990, 1, 1, 0, 0, 5, 0, time.UTC); tm.Year() < 2030; tm = tm.Add(7*time.Hour + 13*time.Minute + 11*time.Second) {
		times = append(times, tm)
	}
	for _, tm := range times {
		want := tm.UTC().Format(rfc1123Layout)
		if got := string(appendDate([]byte("x"), tm)); got != "x"+want {
			t.Fatalf("appendDate(%v) = %q; want %q", tm, got, "x"+want)
		}
	}
}

func BenchmarkAppendDate(b *testing.B) {
	buf := make([]byte, 0, 64)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendDate(buf[:0], now)
	}
}
