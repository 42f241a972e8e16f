package client

import (
	"strings"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		status   string
		header   []string
		done     bool
		body     string
		length   int
		extra    string
	}{
		{"full", "HTTP/1.0 200 OK\r\nA: b\r\nContent-Length: 2\r\n\r\nhi", "HTTP/1.0 200 OK", []string{"A: b", "Content-Length: 2"}, true, "hi", 2, ""},
		{"bare lf", "HTTP/1.0 200 OK\nA: b\n\nbody", "HTTP/1.0 200 OK", []string{"A: b"}, true, "body", -1, ""},
		{"no headers", "HTTP/1.0 204 No Content\r\n\r\n", "HTTP/1.0 204 No Content", []string{}, true, "", -1, ""},
		{"head unfinished", "HTTP/1.0 200 OK\r\nA: b\r\n", "HTTP/1.0 200 OK", []string{"A: b", ""}, false, "", -1, ""},
		{"extra after length", "HTTP/1.0 200 OK\r\ncontent-length:  1 \r\n\r\nxHTTP/1.0 200 OK\r\n", "HTTP/1.0 200 OK", []string{"content-length:  1 "}, true, "x", 1, "HTTP/1.0 200 OK\r\n"},
		{"http/0.9", "hello\n", "", nil, false, "hello\n", -1, ""},
		{"nothing", "", "", nil, false, "", -1, ""},
	} {
		a := ParseAnswer([]byte(tt.in))
		if a.Status != tt.status || strings.Join(a.Header, "|") != strings.Join(tt.header, "|") || a.HeadDone != tt.done ||
			string(a.Body) != tt.body || a.Length != tt.length || string(a.Extra) != tt.extra {
			t.Errorf("%s: ParseAnswer(%q) = %+v; want status %q, header %q, done %v, body %q, length %d, extra %q",
				tt.name, tt.in, a, tt.status, tt.header, tt.done, tt.body, tt.length, tt.extra)
		}
	}
}
