package http10

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testNow is the origination time of every response in these tests.
var testNow = time.Date(2024, time.March, 10, 12, 0, 0, 0, time.UTC)

const testDate = "Sun, 10 Mar 2024 12:00:00 GMT"

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":      {Data: []byte("<h1>home</h1>\n"), ModTime: time.Date(2024, 3, 1, 8, 30, 15, 700e6, time.UTC)},
		"hello.txt":       {Data: []byte("hello\n"), ModTime: time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)},
		"future.css":      {Data: []byte("p{}"), ModTime: testNow.Add(time.Hour)},
		"embedded.js":     {Data: []byte("1")},
		"noext":           {Data: []byte{0, 1}, ModTime: testNow},
		"img/logo.PNG":    {Data: []byte("png"), ModTime: testNow},
		"docs/index.html": {Data: []byte("docs"), ModTime: testNow},
		"docs/a b.md":     {Data: []byte("# a"), ModTime: testNow},
		"my dir/x":        {Data: []byte("x"), ModTime: testNow},
		"empty":           {Mode: fs.ModeDir},
		"odd/index.html":  {Mode: fs.ModeDir},
		"dev":             {Mode: fs.ModeDevice},
		"fifo":            {Mode: fs.ModeNamedPipe},
	}
}

// mustParse parses in, which must be a complete request.
func mustParse(t testing.TB, in string) *Request {
	t.Helper()
	req, n, err := ParseRequest([]byte(in), Limits{})
	if req == nil || n == 0 || err != nil {
		t.Fatalf("ParseRequest(%q) = %v, %d, %v; want a request", in, req, n, err)
	}
	return req
}

// header returns the value of the field name in r, and whether it is there.
func header(r *Response, name string) (string, bool) {
	for _, f := range r.Header {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// names returns the names of r's fields, in order, joined with spaces.
func names(r *Response) string {
	var s []string
	for _, f := range r.Header {
		s = append(s, f.Name)
	}
	return strings.Join(s, " ")
}

// checkCommon checks what every response from Respond or Refuse must have.
func checkCommon(t *testing.T, what string, r *Response) {
	t.Helper()
	if d, _ := header(r, "Date"); d != testDate {
		t.Errorf("%s: Date = %q; want %q", what, d, testDate)
	}
	if s, _ := header(r, "Server"); s != ServerName {
		t.Errorf("%s: Server = %q; want %q", what, s, ServerName)
	}
	if r.Note == "" {
		t.Errorf("%s: empty Note", what)
	}
	if r.Status == StatusNotModified {
		if _, ok := header(r, "Content-Length"); ok || !r.NoBody {
			t.Errorf("%s: 304 with fields %s, NoBody %v; want no Content-Length and no body", what, names(r), r.NoBody)
		}
		return
	}
	if _, ok := header(r, "Content-Type"); !ok {
		t.Errorf("%s: no Content-Type in %s", what, names(r))
	}
	if cl, _ := header(r, "Content-Length"); r.Body != nil && cl != fmt.Sprint(len(r.Body)) {
		t.Errorf("%s: Content-Length = %q; want %d", what, cl, len(r.Body))
	}
	if r.Status >= 400 {
		title := fmt.Sprintf("%d %s", r.Status, StatusText(r.Status))
		page := string(r.Body)
		if ct, _ := header(r, "Content-Type"); ct != "text/html; charset=utf-8" ||
			!strings.Contains(page, "<title>"+title+"</title>") || !strings.Contains(page, "<h1>"+title+"</h1>") || !strings.Contains(page, "<p>") {
			t.Errorf("%s: error page %q (%s); want an HTML page titled %q", what, page, ct, title)
		}
	}
}

func TestRespond(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		status   int
		ctype    string // "" to skip
		body     string // "-" to skip
		noBody   bool
		fields   string // field names in order, "" to skip
		lastMod  string // "" to skip
		location string
		allow    string
	}{
		{name: "file", in: "GET /hello.txt HTTP/1.0\r\n\r\n", status: 200, ctype: "text/plain; charset=utf-8", body: "hello\n",
			fields: "Date Server Last-Modified Content-Type Content-Length", lastMod: "Sun, 06 Nov 1994 08:49:37 GMT"},
		{name: "root serves index.html", in: "GET / HTTP/1.0\r\n\r\n", status: 200, ctype: "text/html; charset=utf-8", body: "<h1>home</h1>\n",
			lastMod: "Fri, 01 Mar 2024 08:30:15 GMT"},
		{name: "index.html by name", in: "GET /index.html HTTP/1.1\r\n\r\n", status: 200, body: "<h1>home</h1>\n"},
		{name: "decoded name", in: "GET /docs/a%20b.md HTTP/1.0\r\n\r\n", status: 200, ctype: "text/markdown; charset=utf-8", body: "# a"},
		{name: "upper-case extension", in: "GET /img/logo.PNG HTTP/1.0\r\n\r\n", status: 200, ctype: "image/png", body: "png"},
		{name: "unknown extension", in: "GET /noext HTTP/1.0\r\n\r\n", status: 200, ctype: "application/octet-stream", body: "\x00\x01"},
		{name: "last-modified clamped to now", in: "GET /future.css HTTP/1.0\r\n\r\n", status: 200, ctype: "text/css; charset=utf-8", lastMod: testDate, body: "p{}"},
		{name: "no modification time", in: "GET /embedded.js HTTP/1.0\r\n\r\n", status: 200, ctype: "text/javascript; charset=utf-8", body: "1",
			fields: "Date Server Content-Type Content-Length"},
		{name: "head", in: "HEAD /hello.txt HTTP/1.0\r\n\r\n", status: 200, ctype: "text/plain; charset=utf-8", body: "", noBody: true,
			fields: "Date Server Last-Modified Content-Type Content-Length", lastMod: "Sun, 06 Nov 1994 08:49:37 GMT"},
		{name: "directory without slash", in: "GET /docs HTTP/1.0\r\n\r\n", status: 301, ctype: "text/html; charset=utf-8", body: "-", location: "/docs/",
			fields: "Date Server Location Content-Type Content-Length"},
		{name: "directory redirect keeps query", in: "GET /docs?a=1 HTTP/1.0\r\n\r\n", status: 301, body: "-", location: "/docs/?a=1"},
		{name: "directory redirect escapes", in: "GET /my%20dir HTTP/1.0\r\n\r\n", status: 301, body: "-", location: "/my%20dir/"},
		{name: "directory redirect on Host", in: "GET /docs?a=1 HTTP/1.0\r\nHost: localhost:8080\r\n\r\n", status: 301, body: "-", location: "http://localhost:8080/docs/?a=1"},
		{name: "directory redirect on the URI's host", in: "GET HTTP://Example.COM:81/docs#x HTTP/1.0\r\nHost: other\r\n\r\n", status: 301, body: "-", location: "http://Example.COM:81/docs/"},
		{name: "directory redirect on an IPv6 Host", in: "GET /docs HTTP/1.0\r\nHost: [::1]:8080\r\n\r\n", status: 301, body: "-", location: "http://[::1]:8080/docs/"},
		{name: "directory redirect drops the fragment", in: "GET /docs?a#b?c HTTP/1.0\r\n\r\n", status: 301, body: "-", location: "/docs/?a"},
		{name: "directory redirect, no query but in the fragment", in: "GET /docs#b?c HTTP/1.0\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, two Hosts", in: "GET /docs HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, Host with a slash", in: "GET /docs HTTP/1.0\r\nHost: a/b\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, bare IPv6 Host", in: "GET /docs HTTP/1.0\r\nHost: ::1\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, Host with no name", in: "GET /docs HTTP/1.0\r\nHost: :8080\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, Host of dots", in: "GET /docs HTTP/1.0\r\nHost: ...\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, Host with a bracket", in: "GET /docs HTTP/1.0\r\nHost: a[b\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, two ports", in: "GET /docs HTTP/1.0\r\nHost: a:b:c\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, port out of range", in: "GET /docs HTTP/1.0\r\nHost: a:99999\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, port 0", in: "GET /docs HTTP/1.0\r\nHost: a:0\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, signed port", in: "GET /docs HTTP/1.0\r\nHost: a:+80\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, highest port", in: "GET /docs HTTP/1.0\r\nHost: a:65535\r\n\r\n", status: 301, body: "-", location: "http://a:65535/docs/"},
		{name: "directory redirect, empty port", in: "GET /docs HTTP/1.0\r\nHost: a:\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, bracketed IPv4", in: "GET /docs HTTP/1.0\r\nHost: [127.0.0.1]\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory redirect, bracketed IPv6 no port", in: "GET /docs HTTP/1.0\r\nHost: [::1]\r\n\r\n", status: 301, body: "-", location: "http://[::1]/docs/"},
		{name: "directory redirect, name and port", in: "GET /docs HTTP/1.0\r\nHost: my-host.example_1:80\r\n\r\n", status: 301, body: "-", location: "http://my-host.example_1:80/docs/"},
		{name: "directory redirect, userinfo", in: "GET http://u@h/docs HTTP/1.0\r\n\r\n", status: 301, body: "-", location: "/docs/"},
		{name: "directory with slash", in: "GET /docs/ HTTP/1.0\r\n\r\n", status: 200, ctype: "text/html; charset=utf-8", body: "docs"},
		{name: "directory without index", in: "GET /empty/ HTTP/1.0\r\n\r\n", status: 403, body: "-"},
		{name: "index.html is a directory", in: "GET /odd/ HTTP/1.0\r\n\r\n", status: 403, body: "-"},
		{name: "no index, head", in: "HEAD /my%20dir/ HTTP/1.0\r\n\r\n", status: 403, body: "-", noBody: true},
		{name: "device", in: "GET /dev HTTP/1.0\r\n\r\n", status: 403, body: "-"},
		{name: "named pipe", in: "GET /fifo HTTP/1.0\r\n\r\n", status: 403, body: "-"},
		{name: "missing", in: "GET /nope.html HTTP/1.0\r\n\r\n", status: 404, body: "-"},
		{name: "file with slash", in: "GET /hello.txt/ HTTP/1.0\r\n\r\n", status: 404, body: "-"},
		{name: "through a file", in: "GET /hello.txt/x HTTP/1.0\r\n\r\n", status: 404, body: "-"},
		{name: "not utf-8", in: "GET /%ff HTTP/1.0\r\n\r\n", status: 404, body: "-"},
		{name: "echo", in: "POST /echo HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}", status: 200,
			ctype: "application/json", body: `{"a":1}`, fields: "Date Server Content-Type Content-Length"},
		{name: "echo without type", in: "POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", status: 200, ctype: "application/octet-stream", body: "hi"},
		{name: "echo empty", in: "POST /echo HTTP/1.0\r\nContent-Length: 0\r\n\r\n", status: 200, body: ""},
		{name: "get echo", in: "GET /echo HTTP/1.0\r\n\r\n", status: 405, body: "-", allow: "POST", fields: "Date Server Allow Content-Type Content-Length"},
		{name: "head echo", in: "HEAD /echo HTTP/1.0\r\n\r\n", status: 405, noBody: true, body: "-", allow: "POST"},
		{name: "post elsewhere", in: "POST /hello.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n", status: 405, body: "-", allow: "GET, HEAD"},
		// If-Modified-Since (RFC 1945, 10.9 and 8.2).
		{name: "ims rfc1123 equal", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", status: 304, noBody: true,
			fields: "Date Server Last-Modified", lastMod: "Sun, 06 Nov 1994 08:49:37 GMT"},
		{name: "ims rfc850", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n\r\n", status: 304, noBody: true},
		{name: "ims asctime", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun Nov  6 08:49:37 1994\r\n\r\n", status: 304, noBody: true},
		{name: "ims later", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n", status: 304, noBody: true},
		{name: "ims sub-second mod time", in: "GET /index.html HTTP/1.0\r\nIf-Modified-Since: Fri, 01 Mar 2024 08:30:15 GMT\r\n\r\n", status: 304, noBody: true},
		{name: "ims earlier", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n\r\n", status: 200, body: "hello\n"},
		{name: "ims in the future ignored", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n\r\n", status: 200, body: "hello\n"},
		{name: "ims with a length", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT; length=6\r\n\r\n", status: 304, noBody: true},
		{name: "ims with a space and a length", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT ; length=6\r\n\r\n", status: 304, noBody: true},
		{name: "ims with a length, earlier", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT; length=6\r\n\r\n", status: 200, body: "hello\n"},
		{name: "ims invalid ignored", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: yesterday\r\n\r\n", status: 200, body: "hello\n"},
		{name: "ims not GMT ignored", in: "GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 PST\r\n\r\n", status: 200, body: "hello\n"},
		{name: "ims ignored on head", in: "HEAD /hello.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", status: 200, noBody: true, body: ""},
		{name: "ims on clamped file", in: "GET /future.css HTTP/1.0\r\nIf-Modified-Since: " + testDate + "\r\n\r\n", status: 304, noBody: true},
		{name: "ims without mod time", in: "GET /embedded.js HTTP/1.0\r\nIf-Modified-Since: " + testDate + "\r\n\r\n", status: 200, body: "1"},
		{name: "ims on a missing file", in: "GET /nope HTTP/1.0\r\nIf-Modified-Since: " + testDate + "\r\n\r\n", status: 404, body: "-"},
		{name: "ims on a directory index", in: "GET /docs/ HTTP/1.0\r\nIf-Modified-Since: " + testDate + "\r\n\r\n", status: 304, noBody: true},
		// HTTP/0.9 (RFC 1945, 5).
		{name: "simple", in: "GET /hello.txt\r\n", status: 200, body: "hello\n"},
		{name: "simple missing", in: "GET /nope\r\n", status: 404, body: "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := mustParse(t, tc.in)
			r := Respond(testFS(), req, testNow)
			if r.Status != tc.status || r.NoBody != tc.noBody || r.Simple != req.Simple() {
				t.Fatalf("Respond(%q) = %d (NoBody %v, Simple %v, %s); want %d (NoBody %v, Simple %v)",
					tc.in, r.Status, r.NoBody, r.Simple, r.Note, tc.status, tc.noBody, req.Simple())
			}
			checkCommon(t, tc.name, r)
			if ct, _ := header(r, "Content-Type"); tc.ctype != "" && ct != tc.ctype {
				t.Errorf("Respond(%q): Content-Type = %q; want %q", tc.in, ct, tc.ctype)
			}
			if tc.body != "-" && !tc.noBody && string(r.Body) != tc.body {
				t.Errorf("Respond(%q): body %q; want %q", tc.in, r.Body, tc.body)
			}
			if tc.fields != "" && names(r) != tc.fields {
				t.Errorf("Respond(%q): fields %s; want %s", tc.in, names(r), tc.fields)
			}
			if lm, _ := header(r, "Last-Modified"); tc.lastMod != "" && lm != tc.lastMod {
				t.Errorf("Respond(%q): Last-Modified = %q; want %q", tc.in, lm, tc.lastMod)
			}
			if loc, _ := header(r, "Location"); loc != tc.location {
				t.Errorf("Respond(%q): Location = %q; want %q", tc.in, loc, tc.location)
			}
			if allow, _ := header(r, "Allow"); allow != tc.allow {
				t.Errorf("Respond(%q): Allow = %q; want %q", tc.in, allow, tc.allow)
			}
			wire := string(r.Append(nil))
			switch {
			case r.Simple && wire != string(r.Body):
				t.Errorf("Respond(%q).Append = %q; want the body alone", tc.in, wire)
			case !r.Simple && (r.NoBody || r.Status == 304) && !strings.HasSuffix(wire, "\r\n\r\n"):
				t.Errorf("Respond(%q).Append = %q; want no body", tc.in, wire)
			}
		})
	}
}

// TestRespondHeadMatchesGet checks that HEAD has the headers GET has (RFC 1945, 8.2).
func TestRespondHeadMatchesGet(t *testing.T) {
	for _, p := range []string{"/", "/hello.txt", "/docs", "/nope", "/empty/", "/echo"} {
		g := Respond(testFS(), mustParse(t, "GET "+p+" HTTP/1.0\r\n\r\n"), testNow)
		h := Respond(testFS(), mustParse(t, "HEAD "+p+" HTTP/1.0\r\n\r\n"), testNow)
		if fmt.Sprint(g.Header) != fmt.Sprint(h.Header) || g.Status != h.Status || !h.NoBody {
			t.Errorf("HEAD %s = %d %v (NoBody %v); want GET's %d %v with no body", p, h.Status, h.Header, h.NoBody, g.Status, g.Header)
		}
	}
}

// TestRespondEchoDoesNotHideFiles checks that a served directory's own
// /echo, a file or a directory, is served to GET and HEAD as any other
// path is; only where there is none does GET get 405. POST /echo echoes
// either way.
func TestRespondEchoDoesNotHideFiles(t *testing.T) {
	tests := []struct {
		name, in string
		fsys     fstest.MapFS
		status   int
		body     string
		location string
	}{
		{"file", "GET /echo HTTP/1.0\r\n\r\n", fstest.MapFS{"echo": {Data: []byte("mine\n"), ModTime: testNow}}, 200, "mine\n", ""},
		{"file, head", "HEAD /echo HTTP/1.0\r\n\r\n", fstest.MapFS{"echo": {Data: []byte("mine\n"), ModTime: testNow}}, 200, "", ""},
		{"directory", "GET /echo HTTP/1.0\r\n\r\n", fstest.MapFS{"echo/index.html": {Data: []byte("i"), ModTime: testNow}}, 301, "-", "/echo/"},
		{"post still echoes", "POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", fstest.MapFS{"echo": {Data: []byte("mine\n"), ModTime: testNow}}, 200, "hi", ""},
		{"nothing there", "GET /echo HTTP/1.0\r\n\r\n", fstest.MapFS{}, 405, "-", ""},
	}
	for _, tc := range tests {
		r := Respond(tc.fsys, mustParse(t, tc.in), testNow)
		loc, _ := header(r, "Location")
		if r.Status != tc.status || tc.body != "-" && !r.NoBody && string(r.Body) != tc.body || loc != tc.location {
			t.Errorf("%s: Respond(%q) = %d %q, Location %q (%s); want %d %q, Location %q", tc.name, tc.in, r.Status, r.Body, loc, r.Note, tc.status, tc.body, tc.location)
		}
	}
}

// TestRespondErrorPageEscapes checks that the page says what was wrong, HTML-escaped.
func TestRespondErrorPageEscapes(t *testing.T) {
	r := Respond(testFS(), mustParse(t, "GET /%3Cscript%3E&x HTTP/1.0\r\n\r\n"), testNow)
	page := string(r.Body)
	if r.Status != 404 || strings.Contains(page, "<script>") || !strings.Contains(page, `<p>no file &#34;/&lt;script&gt;&amp;x&#34; here</p>`) {
		t.Errorf("Respond(GET /<script>&x) = %d %q; want 404 with the path escaped", r.Status, page)
	}
	if r.Note != `no such file "/<script>&x"` {
		t.Errorf("Note = %q", r.Note)
	}
}

// failFS fails the way a real file system can: permission denied, other
// open errors, stat and read errors.
type failFS struct{}

type failFile struct{ statErr, readErr error }

func (failFS) Open(name string) (fs.File, error) {
	switch name {
	case "secret.txt":
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	case "locked":
		return failFile{}, nil // a directory whose index.html is locked
	case "locked/index.html":
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	case "odd.txt":
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a directory")}
	case "nostat.txt":
		return failFile{statErr: errors.New("stat failed")}, nil
	case "noread.txt":
		return failFile{readErr: errors.New("input/output error")}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (f failFile) Stat() (fs.FileInfo, error) {
	if f.statErr != nil {
		return nil, f.statErr
	}
	if f.readErr != nil {
		return fstest.MapFS{"f": {Data: []byte("abc")}}.Stat("f")
	}
	return fstest.MapFS{"d/x": {}}.Stat("d")
}
func (f failFile) Read([]byte) (int, error) { return 0, f.readErr }
func (failFile) Close() error               { return nil }

func TestRespondFSErrors(t *testing.T) {
	tests := []struct {
		path   string
		status int
	}{
		{"/secret.txt", 403}, {"/locked/", 403}, {"/odd.txt", 404}, {"/nostat.txt", 500}, {"/noread.txt", 500}, {"/gone", 404},
	}
	for _, tc := range tests {
		r := Respond(failFS{}, mustParse(t, "GET "+tc.path+" HTTP/1.0\r\n\r\n"), testNow)
		if r.Status != tc.status {
			t.Errorf("Respond(GET %s) = %d (%s); want %d", tc.path, r.Status, r.Note, tc.status)
		}
		checkCommon(t, tc.path, r)
	}
	// An open error that is not "no such file" is still 404, but the note
	// for the trace says what it was.
	if r := Respond(failFS{}, mustParse(t, "GET /odd.txt HTTP/1.0\r\n\r\n"), testNow); !strings.HasSuffix(r.Note, ": open odd.txt: not a directory") {
		t.Errorf("Respond(GET /odd.txt).Note = %q; want the open error after it", r.Note)
	}
}

// TestRespondTraversal checks that no path leaves the tree (RFC 1945, 12.5):
// the parser refuses "..", and Respond refuses what fs.ValidPath does.
func TestRespondTraversal(t *testing.T) {
	for _, in := range []string{"GET /../etc/passwd HTTP/1.0\r\n\r\n", "GET /a/%2e%2e/%2e%2e/etc/passwd HTTP/1.0\r\n\r\n", "GET /..\\..\\x HTTP/1.0\r\n\r\n"} {
		if _, _, err := ParseRequest([]byte(in), Limits{}); err == nil {
			t.Errorf("ParseRequest(%q) = nil error; want 400", in)
		}
	}
	mapfs := fstest.MapFS{"a/b": {Data: []byte("b")}}
	for _, p := range []string{"/../a/b", "/a/../a/b", "//a/b", "/./a/b", "/a//b"} {
		r := Respond(mapfs, &Request{Method: "GET", Path: p, Proto: "HTTP/1.0", Major: 1}, testNow)
		if r.Status != 404 {
			t.Errorf("Respond(hand-made Path %q) = %d; want 404", p, r.Status)
		}
	}
}

func TestRespondOddInputs(t *testing.T) {
	if r := Respond(testFS(), nil, testNow); r.Status != 500 {
		t.Errorf("Respond(nil request) = %d; want 500", r.Status)
	}
	if r := Respond(nil, mustParse(t, "GET / HTTP/1.0\r\n\r\n"), testNow); r.Status != 500 {
		t.Errorf("Respond(nil fs) = %d; want 500", r.Status)
	}
	if r := Respond(testFS(), &Request{Method: "PUT", Path: "/", Proto: "HTTP/1.0"}, testNow); r.Status != 501 {
		t.Errorf("Respond(PUT) = %d; want 501", r.Status)
	}
}

func TestRefuse(t *testing.T) {
	pe := &ProtocolError{Status: 400, Msg: `header field name has byte "<"`, Offset: 3, Section: "4.2"}
	tests := []struct {
		name   string
		err    error
		simple bool
		status int
		p      string
	}{
		{"protocol error", pe, false, 400, `<p>header field name has byte &#34;&lt;&#34;</p>`},
		{"wrapped", fmt.Errorf("conn 3: %w", &ProtocolError{Status: 505, Msg: "x"}), false, 505, "<p>x</p>"},
		{"simple", &ProtocolError{Status: 400, Msg: "path escapes the document root", Simple: true}, true, 400, "<p>path escapes the document root</p>"},
		{"other error", errors.New("boom"), false, 500, "<p>the server could not read this request</p>"},
		{"nil", nil, false, 500, "<p>the server could not read this request</p>"},
	}
	for _, tc := range tests {
		r := Refuse(tc.err, testNow)
		if r.Status != tc.status || r.Simple != tc.simple || r.NoBody || !strings.Contains(string(r.Body), tc.p) {
			t.Errorf("Refuse(%v) = %d (Simple %v) %q; want %d (Simple %v) with %q", tc.err, r.Status, r.Simple, r.Body, tc.status, tc.simple, tc.p)
		}
		checkCommon(t, tc.name, r)
	}
	if r := Refuse(pe, testNow); r.Note != `header field name has byte "<" (RFC 1945 §4.2)` {
		t.Errorf("Refuse(...).Note = %q", r.Note)
	}
}

// TestRefuseKeepsRequestForm checks that a refused request is answered in
// the form its request line asked for: a HEAD gets headers and no body
// (RFC 1945, 8.2), an HTTP/0.9 Simple-Request gets the body alone (5),
// even when the server cannot tell Refuse so itself (simple false).
func TestRefuseKeepsRequestForm(t *testing.T) {
	tests := []struct {
		in             string
		status         int
		simple, noBody bool
	}{
		{"HEAD /../x HTTP/1.0\r\n\r\n", 400, false, true},
		{"HEAD /%zz HTTP/1.0\r\n\r\n", 400, false, true},
		{"HEAD / HTTP/2.0\r\n\r\n", 505, false, true},
		{"HEAD / HTTP/1.0\r\nA b\r\n\r\n", 400, false, true},
		{"HEAD / HTTP/1.0\r\nContent-Length: x\r\n\r\n", 400, false, true},
		{"HEAD / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501, false, true},
		{"HEAD / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", 413, false, true},
		{"GET /../x\r\n", 400, true, false},
		{"GET  /a/%zz \n", 400, true, false},
		{"GET /../x HTTP/1.0\r\n\r\n", 400, false, false},
		{"POST / HTTP/1.0\r\n\r\n", 400, false, false},
		{"PUT / HTTP/1.0\r\n\r\n", 501, false, false},
		{"HEAD / x\r\n\r\n", 400, false, true},
		// Refused before the line ends: its first field has said HEAD.
		{"HEAD /" + strings.Repeat("a", 40) + " HTTP/1.0\r\n\r\n", 414, false, true},
		{"HEAD /\x01 HTTP/1.0\r\n\r\n", 400, false, true},
		{"HEAD\t/\rX", 400, false, true},
		{"HEADS /\x01 HTTP/1.0\r\n\r\n", 400, false, false},
		{"GET /\x01 HTTP/1.0\r\n\r\n", 400, false, false},
		// A version where the Request-URI should be: a full request.
		{"GET HTTP/1.0\r\n\r\n", 400, false, false},
		{"HEAD HTTP/1.0\r\n\r\n", 400, false, true},
		{"GET HTTP\r\n", 400, true, false},
		{"GET HTTP/\r\n", 400, false, false},
		{"GET http/1.0\r\n\r\n", 400, false, false},
	}
	for _, tc := range tests {
		_, _, err := ParseRequest([]byte(tc.in), Limits{Body: 4, RequestLine: 32})
		r := Refuse(err, testNow)
		out := string(r.Append(nil))
		if r.Status != tc.status || r.Simple != tc.simple || r.NoBody != tc.noBody {
			t.Errorf("Refuse(ParseRequest(%q)) = %d, Simple %v, NoBody %v; want %d, %v, %v", tc.in, r.Status, r.Simple, r.NoBody, tc.status, tc.simple, tc.noBody)
			continue
		}
		switch {
		case tc.simple && out != string(r.Body):
			t.Errorf("Refuse(ParseRequest(%q)) sends %q; want the page alone", tc.in, out)
		case tc.noBody && !strings.HasSuffix(out, "\r\n\r\n"):
			t.Errorf("Refuse(ParseRequest(%q)) sends %q; want no body after the head", tc.in, out)
		}
		checkCommon(t, tc.in, r)
	}
}

func TestContentType(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a.html", "text/html; charset=utf-8"}, {"a.HTM", "text/html; charset=utf-8"}, {"a.css", "text/css; charset=utf-8"},
		{"a.js", "text/javascript; charset=utf-8"}, {"a.mjs", "text/javascript; charset=utf-8"}, {"a.json", "application/json"},
		{"a.txt", "text/plain; charset=utf-8"}, {"a.md", "text/markdown; charset=utf-8"}, {"a.csv", "text/csv; charset=utf-8"},
		{"a.xml", "application/xml"}, {"a.svg", "image/svg+xml"}, {"a.png", "image/png"}, {"a.jpg", "image/jpeg"},
		{"a.jpeg", "image/jpeg"}, {"a.gif", "image/gif"}, {"a.webp", "image/webp"}, {"a.ico", "image/vnd.microsoft.icon"},
		{"a.pdf", "application/pdf"}, {"a.wasm", "application/wasm"}, {"a.woff", "font/woff"}, {"a.woff2", "font/woff2"},
		{"a.mp4", "video/mp4"}, {"a", "application/octet-stream"}, {"a.", "application/octet-stream"},
		{"a.exe", "application/octet-stream"}, {"a.verylongextension", "application/octet-stream"}, {".html", "text/html; charset=utf-8"},
		{"dir.d/file", "application/octet-stream"}, {"a.markdown", "text/markdown; charset=utf-8"}, {"a.MarkDown", "text/markdown; charset=utf-8"},
	}
	for _, tc := range tests {
		if got := contentType(tc.name); got != tc.want {
			t.Errorf("contentType(%q) = %q; want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"} {
		if got, ok := parseDate(s, testNow); !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	if got, ok := parseDate("Thursday, 01-Jan-70 00:00:00 GMT", testNow); !ok || got.Year() != 1970 {
		t.Errorf("parseDate(rfc850 70) = %v, %v; want 1970", got, ok)
	}
	if got, ok := parseDate("Friday, 01-Jan-60 00:00:00 GMT", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); !ok || got.Year() != 1960 {
		t.Errorf("parseDate(rfc850 60) in 2000 = %v, %v; want 1960 (RFC 9110, 5.6.7)", got, ok)
	}
	if got, ok := parseDate("Saturday, 01-Jan-50 00:00:00 GMT", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); !ok || got.Year() != 2050 {
		t.Errorf("parseDate(rfc850 50) in 2000 = %v, %v; want 2050, not more than 50 years ahead", got, ok)
	}
	for _, s := range []string{"", "yesterday", "Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 06 Nov 1994 25:49:37 GMT"} {
		if got, ok := parseDate(s, testNow); ok {
			t.Errorf("parseDate(%q) = %v, true; want false", s, got)
		}
	}
	if got := formatDate(time.Date(1994, 11, 6, 9, 49, 37, 999e6, time.FixedZone("CET", 3600))); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Errorf("formatDate = %q; want GMT, to the second", got)
	}
}

func BenchmarkRespond(b *testing.B) {
	fsys := fstest.MapFS{"index.html": {Data: []byte(strings.Repeat("<p>hello</p>\n", 100)), ModTime: testNow.Add(-time.Hour)}}
	req := mustParse(b, curlGet)
	b.ReportAllocs()
	for b.Loop() {
		if r := Respond(fsys, req, testNow); r.Status != 200 {
			b.Fatal(r.Status)
		}
	}
}

// A file system out of fds says so with ErrUnavailable: 503, not 404.
func TestRespondUnavailable(t *testing.T) {
	req, _, err := ParseRequest([]byte("GET /a.txt HTTP/1.0\r\n\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	resp := Respond(unavailableFS{}, req, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	if resp.Status != StatusServiceUnavailable {
		t.Errorf("Respond with an fs out of fds: status %d; want 503", resp.Status)
	}
}

type unavailableFS struct{}

func (unavailableFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("too many open files: %w", ErrUnavailable)}
}

// A file larger than InlineBytes is not read: it is left open in File for
// the server to send a piece at a time, and Append writes the head only.
func TestRespondStreamsLargeFiles(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	big := bytes.Repeat([]byte("0123456789abcdef"), (InlineBytes/16)+1)
	fsys := fstest.MapFS{
		"big.bin":   {Data: big, ModTime: now.Add(-time.Hour)},
		"small.txt": {Data: []byte("small\n"), ModTime: now.Add(-time.Hour)},
	}
	for _, tc := range []struct {
		req        string
		wantFile   bool
		wantLength int
	}{
		{"GET /big.bin HTTP/1.0\r\n\r\n", true, len(big)},
		{"GET /small.txt HTTP/1.0\r\n\r\n", false, 6},
		{"HEAD /big.bin HTTP/1.0\r\n\r\n", false, len(big)}, // HEAD sends no body: nothing to keep open
	} {
		req, _, err := ParseRequest([]byte(tc.req), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		resp := Respond(fsys, req, now)
		if (resp.File != nil) != tc.wantFile {
			t.Errorf("%q: File set %v; want %v", tc.req, resp.File != nil, tc.wantFile)
		}
		if !bytes.Contains(resp.Append(nil), []byte("Content-Length: "+strconv.Itoa(tc.wantLength)+"\r\n")) {
			t.Errorf("%q: head without Content-Length %d:\n%s", tc.req, tc.wantLength, resp.Append(nil))
		}
		if resp.File == nil {
			continue
		}
		head := resp.Append(nil)
		if !bytes.HasSuffix(head, []byte("\r\n\r\n")) || resp.Body != nil {
			t.Errorf("%q: Append with a File must write the head alone; got %d bytes ending %q", tc.req, len(head), head[max(0, len(head)-8):])
		}
		got, err := io.ReadAll(resp.File)
		resp.File.Close()
		if err != nil || !bytes.Equal(got, big) || resp.FileSize != int64(len(big)) {
			t.Errorf("%q: File gave %d bytes (%v), FileSize %d; want the %d bytes of big.bin", tc.req, len(got), err, resp.FileSize, len(big))
		}
	}
}

// bytesFS opens every name as one bytesFile.
type bytesFS struct{ f *bytesFile }

func (b bytesFS) Open(string) (fs.File, error) { return b.f, nil }

// bytesFile is a file in memory that says so with Bytes, as a server's
// cache does. Read fails: Respond must not need it. Stat can give a size
// smaller than the bytes, as for a file that grew after it was stat'ed.
type bytesFile struct {
	data []byte
	size int64
}

func (f *bytesFile) Stat() (fs.FileInfo, error) {
	return fstest.MapFS{"f": {Data: make([]byte, f.size)}}.Stat("f")
}
func (f *bytesFile) Read([]byte) (int, error) { return 0, errors.New("read called") }
func (f *bytesFile) Bytes() []byte            { return f.data }
func (f *bytesFile) Close() error             { return nil }

// A file already in memory is sent as it is, not copied for each request,
// and cut at the size its Stat gave, like a file that is read.
func TestRespondInMemory(t *testing.T) {
	data := []byte("cached bytes\n")
	for _, size := range []int64{int64(len(data)), 6} {
		r := Respond(bytesFS{&bytesFile{data: data, size: size}}, mustParse(t, "GET /f HTTP/1.0\r\n\r\n"), testNow)
		if r.Status != 200 || string(r.Body) != string(data[:size]) {
			t.Fatalf("size %d: Respond = %d %q (%s); want 200 %q", size, r.Status, r.Body, r.Note, data[:size])
		}
		if &r.Body[0] != &data[0] {
			t.Errorf("size %d: Body is a copy of the file's bytes; want the bytes themselves", size)
		}
		checkCommon(t, "in memory", r)
	}
}

// endlessFS opens every name as an endlessFile.
type endlessFS struct{ read *int64 }

func (e endlessFS) Open(string) (fs.File, error) { return endlessFile{e.read}, nil }

// endlessFile is what /proc/self/pagemap looks like: a regular file whose
// Stat says 0 bytes, and that reads on and on.
type endlessFile struct{ read *int64 }

func (endlessFile) Stat() (fs.FileInfo, error) { return fstest.MapFS{"f": {}}.Stat("f") }
func (f endlessFile) Read(b []byte) (int, error) {
	*f.read += int64(len(b))
	if *f.read > 64*InlineBytes {
		return 0, errors.New("read on far past InlineBytes")
	}
	return len(b), nil
}
func (endlessFile) Close() error { return nil }

// A file of size 0 is read to its end, but no further than InlineBytes:
// one that reads on (a /proc file) must not be read whole into memory.
func TestRespondUnsizedFileIsBounded(t *testing.T) {
	var read int64
	r := Respond(endlessFS{&read}, mustParse(t, "GET /pagemap HTTP/1.0\r\n\r\n"), testNow)
	if r.Status != StatusInternalServerError || read > 2*InlineBytes {
		t.Fatalf("Respond(GET of an endless file of size 0) = %d (%s) after reading %d bytes; want 500 after at most %d", r.Status, r.Note, read, 2*InlineBytes)
	}
	checkCommon(t, "endless", r)
}

// madeUpFS opens every name as a file made up as it is read, as /proc's
// are: its Stat says 0 bytes, and it reads text.
type madeUpFS string

func (m madeUpFS) Open(string) (fs.File, error) { return madeUpFile{strings.NewReader(string(m))}, nil }

type madeUpFile struct{ *strings.Reader }

func (madeUpFile) Stat() (fs.FileInfo, error) { return fstest.MapFS{"f": {}}.Stat("f") }
func (madeUpFile) Close() error               { return nil }

// HEAD of a file whose size says 0 gives GET's Content-Length, the bytes
// it reads (RFC 1945, 8.2), not 0.
func TestHeadOfMadeUpFile(t *testing.T) {
	const text = "Linux version 6.1.0 (a made-up file)\n"
	for _, method := range []string{"GET", "HEAD"} {
		r := Respond(madeUpFS(text), mustParse(t, method+" /version HTTP/1.0\r\n\r\n"), testNow)
		if got, _ := header(r, "Content-Length"); r.Status != StatusOK || got != strconv.Itoa(len(text)) || r.NoBody != (method == "HEAD") {
			t.Errorf("%s of a made-up file: %d, Content-Length %s, no body %v; want 200, %d, %v", method, r.Status, got, r.NoBody, len(text), method == "HEAD")
		}
	}
}

// A file of exactly InlineBytes is the largest read whole into Body; one
// byte more and it is left open in File (InlineBytes' promise).
func TestRespondInlineBytesBoundary(t *testing.T) {
	for _, size := range []int{InlineBytes, InlineBytes + 1} {
		fsys := fstest.MapFS{"f.bin": {Data: bytes.Repeat([]byte("x"), size), ModTime: testNow.Add(-time.Hour)}}
		r := Respond(fsys, mustParse(t, "GET /f.bin HTTP/1.0\r\n\r\n"), testNow)
		if r.File != nil {
			r.File.Close()
		}
		if inline := size <= InlineBytes; r.Status != 200 || (r.File == nil) != inline || (len(r.Body) == size) != inline {
			t.Errorf("GET of %d bytes: %d, File set %v, %d bytes in Body; want 200 and the file inline %v", size, r.Status, r.File != nil, len(r.Body), inline)
		}
	}
}

// A file whose size says 0 may read up to InlineBytes and still be sent:
// only a byte past that makes its length unknowable.
func TestRespondUnsizedFileAtInlineBytes(t *testing.T) {
	text := strings.Repeat("y", InlineBytes)
	r := Respond(madeUpFS(text), mustParse(t, "GET /status HTTP/1.0\r\n\r\n"), testNow)
	if r.Status != StatusOK || len(r.Body) != InlineBytes {
		t.Errorf("GET of a made-up file of InlineBytes bytes: %d (%s), %d bytes; want 200, %d", r.Status, r.Note, len(r.Body), InlineBytes)
	}
	checkCommon(t, "made up, InlineBytes", r)
}

// shrunkFS opens every name as a file whose Stat says 10 bytes but that
// reads fewer: it shrank between the stat and the read.
type shrunkFS string

func (s shrunkFS) Open(string) (fs.File, error) { return shrunkFile{strings.NewReader(string(s))}, nil }

type shrunkFile struct{ *strings.Reader }

func (shrunkFile) Stat() (fs.FileInfo, error) {
	return fstest.MapFS{"f": {Data: make([]byte, 10)}}.Stat("f")
}
func (shrunkFile) Close() error { return nil }

// A file that shrank after it was stat'ed is sent as it is now, with the
// Content-Length of what was read: not a 500, and not a length that
// promises bytes that never come.
func TestRespondShrunkFile(t *testing.T) {
	r := Respond(shrunkFS("short"), mustParse(t, "GET /log.txt HTTP/1.0\r\n\r\n"), testNow)
	if cl, _ := header(r, "Content-Length"); r.Status != StatusOK || string(r.Body) != "short" || cl != "5" {
		t.Errorf("GET of a file that shrank from 10 to 5 bytes: %d (%s) %q, Content-Length %s; want 200 \"short\", 5", r.Status, r.Note, r.Body, cl)
	}
	checkCommon(t, "shrunk", r)
}
