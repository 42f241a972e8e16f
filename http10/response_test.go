package http10

import (
	"testing"
	"testing/fstest"
	"time"
)

func TestAppend(t *testing.T) {
	fsys := fstest.MapFS{"a.txt": {Data: []byte("hi\n"), ModTime: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}}
	tests := []struct {
		name, in, want string
	}{
		{"200", "GET /a.txt HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n" +
			"Date: Sun, 10 Mar 2024 12:00:00 GMT\r\n" +
			"Server: stepwise\r\n" +
			"Last-Modified: Fri, 01 Mar 2024 00:00:00 GMT\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"Content-Length: 3\r\n" +
			"\r\n" +
			"hi\n"},
		{"HEAD", "HEAD /a.txt HTTP/1.1\r\n\r\n", "HTTP/1.0 200 OK\r\n" +
			"Date: Sun, 10 Mar 2024 12:00:00 GMT\r\n" +
			"Server: stepwise\r\n" +
			"Last-Modified: Fri, 01 Mar 2024 00:00:00 GMT\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"Content-Length: 3\r\n" +
			"\r\n"},
		{"304", "GET /a.txt HTTP/1.0\r\nIf-Modified-Since: Fri, 01 Mar 2024 00:00:00 GMT\r\n\r\n", "HTTP/1.0 304 Not Modified\r\n" +
			"Date: Sun, 10 Mar 2024 12:00:00 GMT\r\n" +
			"Server: stepwise\r\n" +
			"Last-Modified: Fri, 01 Mar 2024 00:00:00 GMT\r\n" +
			"\r\n"},
		{"404", "GET /b HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n" +
			"Date: Sun, 10 Mar 2024 12:00:00 GMT\r\n" +
			"Server: stepwise\r\n" +
			"Content-Type: text/html; charset=utf-8\r\n" +
			"Content-Length: 162\r\n" +
			"\r\n" +
			"<!DOCTYPE html>\n" +
			"<html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\n" +
			"<body><h1>404 Not Found</h1>\n" +
			"<p>no file &#34;/b&#34; here</p></body></html>\n"},
		{"Simple", "GET /a.txt\r\n", "hi\n"},
		{"Simple 404", "GET /b\n", "<!DOCTYPE html>\n" +
			"<html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\n" +
			"<body><h1>404 Not Found</h1>\n" +
			"<p>no file &#34;/b&#34; here</p></body></html>\n"},
	}
	for _, tc := range tests {
		r := Respond(fsys, mustParse(t, tc.in), testNow)
		if got := string(r.Append(nil)); got != tc.want {
			t.Errorf("%s: Respond(%q).Append(nil) =\n%q\nwant\n%q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestAppendHandMade(t *testing.T) {
	r := &Response{Status: 299, Header: []Field{{"X-Evil", "a\r\nSet-Cookie: b"}}, Body: []byte("body")}
	got := string(r.Append([]byte("prefix|")))
	want := "prefix|HTTP/1.0 299 OK\r\nX-Evil: a  Set-Cookie: b\r\n\r\nbody"
	if got != want {
		t.Errorf("Append = %q; want %q", got, want)
	}
	if got := (&Response{Status: 404}).StatusLine(); got != "HTTP/1.0 404 Not Found" {
		t.Errorf("StatusLine() = %q", got)
	}
	if got := string((&Response{Simple: true, NoBody: true, Body: []byte("x")}).Append(nil)); got != "" {
		t.Errorf("Simple NoBody Append = %q; want nothing", got)
	}
}

func BenchmarkAppend(b *testing.B) {
	fsys := fstest.MapFS{"index.html": {Data: make([]byte, 1300), ModTime: testNow.Add(-time.Hour)}}
	r := Respond(fsys, mustParse(b, curlGet), testNow)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.Append(buf[:0])
	}
}

// sizedResponse is a response of 5000 bytes of body with the usual fields.
func sizedResponse() *Response {
	return &Response{Status: StatusOK, Body: make([]byte, 5000), Header: []Field{
		{"Date", "Sat, 21 Nov 2026 12:00:00 GMT"}, {"Server", "stepwise"},
		{"Content-Type", "text/plain; charset=utf-8"}, {"Content-Length", "5000"},
	}}
}

// Append sizes its buffer with wireSize, which must not fall short.
func TestWireSize(t *testing.T) {
	r := sizedResponse()
	if got, want := len(r.Append(nil)), r.wireSize(); got > want {
		t.Errorf("Append wrote %d bytes, more than wireSize's %d", got, want)
	}
}
