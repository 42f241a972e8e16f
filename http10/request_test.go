package http10

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// h builds a header from name, value pairs.
func h(nv ...string) []Field {
	var f []Field
	for i := 0; i+1 < len(nv); i += 2 {
		f = append(f, Field{nv[i], nv[i+1]})
	}
	return f
}

// get builds the Request for "GET target HTTP/1.0" with the given path and header.
func get(target, path string, hdr ...string) *Request {
	return &Request{Line: "GET " + target + " HTTP/1.0", Method: "GET", Target: target, Path: path,
		Proto: "HTTP/1.0", Major: 1, Minor: 0, Header: h(hdr...)}
}

type goodCase struct {
	name string
	in   string
	lim  Limits
	want *Request
	n    int // bytes used; 0 means len(in)
}

var goodRequests = []goodCase{
	{name: "minimal", in: "GET / HTTP/1.0\r\n\r\n", want: get("/", "/")},
	{name: "curl", in: "GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
		want: &Request{Line: "GET /index.html HTTP/1.1", Method: "GET", Target: "/index.html", Path: "/index.html", Proto: "HTTP/1.1", Major: 1, Minor: 1,
			Header: h("Host", "localhost:8080", "User-Agent", "curl/8.5.0", "Accept", "*/*")}},
	{name: "bare LF everywhere", in: "GET /a HTTP/1.0\nHost: x\n\n", want: get("/a", "/a", "Host", "x")},
	{name: "mixed line ends", in: "GET /a HTTP/1.0\r\nA: 1\nB: 2\r\n\n", want: get("/a", "/a", "A", "1", "B", "2")},
	{name: "empty lines before request line", in: "\r\n\n\r\nGET / HTTP/1.0\r\n\r\n", want: get("/", "/")},
	{name: "runs of SP and HT between fields", in: "GET \t /a\t\tHTTP/1.0 \t\r\n\r\n",
		want: &Request{Line: "GET \t /a\t\tHTTP/1.0 \t", Method: "GET", Target: "/a", Path: "/a", Proto: "HTTP/1.0", Major: 1}},
	{name: "HEAD", in: "HEAD /x.txt HTTP/1.0\r\n\r\n",
		want: &Request{Line: "HEAD /x.txt HTTP/1.0", Method: "HEAD", Target: "/x.txt", Path: "/x.txt", Proto: "HTTP/1.0", Major: 1}},
	{name: "simple request", in: "GET /x\r\n",
		want: &Request{Line: "GET /x", Method: "GET", Target: "/x", Path: "/x", Major: 0, Minor: 9}},
	{name: "simple request has no headers", in: "GET /x\r\nHost: y\r\n\r\n", n: 8,
		want: &Request{Line: "GET /x", Method: "GET", Target: "/x", Path: "/x", Major: 0, Minor: 9}},
	{name: "simple request bare LF trailing space", in: "GET  /x \n",
		want: &Request{Line: "GET  /x ", Method: "GET", Target: "/x", Path: "/x", Major: 0, Minor: 9}},
	{name: "version leading zeros", in: "GET / HTTP/01.00\r\n\r\n",
		want: &Request{Line: "GET / HTTP/01.00", Method: "GET", Target: "/", Path: "/", Proto: "HTTP/01.00", Major: 1, Minor: 0}},
	{name: "HTTP/1.99", in: "GET / HTTP/1.99\r\n\r\n",
		want: &Request{Line: "GET / HTTP/1.99", Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.99", Major: 1, Minor: 99}},
	// RFC 1945, 2.1: a quoted literal is case-insensitive unless said
	// otherwise, and 3.1 does not say so of "HTTP" (5.1.1 does of methods).
	{name: "version lowercase", in: "GET / http/1.0\r\n\r\n",
		want: &Request{Line: "GET / http/1.0", Method: "GET", Target: "/", Path: "/", Proto: "http/1.0", Major: 1, Minor: 0}},
	{name: "version mixed case", in: "GET / hTtP/1.1\r\n\r\n",
		want: &Request{Line: "GET / hTtP/1.1", Method: "GET", Target: "/", Path: "/", Proto: "hTtP/1.1", Major: 1, Minor: 1}},
	{name: "HTTP/0.9 written out is a full request", in: "GET / HTTP/0.9\r\nA: b\r\n\r\n",
		want: &Request{Line: "GET / HTTP/0.9", Method: "GET", Target: "/", Path: "/", Proto: "HTTP/0.9", Major: 0, Minor: 9, Header: h("A", "b")}},
	{name: "version of nine digits", in: "GET / HTTP/1.123456789\r\n\r\n",
		want: &Request{Line: "GET / HTTP/1.123456789", Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.123456789", Major: 1, Minor: 123456789}},
	{name: "many zeros", in: "GET / HTTP/0000000000000000000001.000000000000000000000\r\n\r\n",
		want: &Request{Line: "GET / HTTP/0000000000000000000001.000000000000000000000", Method: "GET", Target: "/", Path: "/", Proto: "HTTP/0000000000000000000001.000000000000000000000", Major: 1}},
	{name: "absolute uri", in: "GET http://localhost:8080/a/b?q=1 HTTP/1.0\r\n\r\n", want: get("http://localhost:8080/a/b?q=1", "/a/b")},
	{name: "absolute uri scheme case", in: "GET HTTP://Example.COM HTTP/1.0\r\n\r\n", want: get("HTTP://Example.COM", "/")},
	{name: "absolute uri empty path with query", in: "GET http://h?x=/y HTTP/1.0\r\n\r\n", want: get("http://h?x=/y", "/")},
	{name: "query stripped before decoding", in: "GET /a?b=/../%zz HTTP/1.0\r\n\r\n", want: get("/a?b=/../%zz", "/a")},
	{name: "fragment stripped before decoding", in: "GET /a.txt#x/../%zz HTTP/1.0\r\n\r\n", want: get("/a.txt#x/../%zz", "/a.txt")},
	{name: "fragment before query", in: "GET /x#y?z HTTP/1.0\r\n\r\n", want: get("/x#y?z", "/x")},
	{name: "escaped hash is a name's", in: "GET /x%23y.txt HTTP/1.0\r\n\r\n", want: get("/x%23y.txt", "/x#y.txt")},
	{name: "absolute uri with fragment only", in: "GET http://h#top HTTP/1.0\r\n\r\n", want: get("http://h#top", "/")},
	{name: "percent decoding", in: "GET /a%20b%2Fc%41 HTTP/1.0\r\n\r\n", want: get("/a%20b%2Fc%41", "/a b/cA")},
	{name: "escaped dots resolved", in: "GET /a/%2E%2e/b HTTP/1.0\r\n\r\n", want: get("/a/%2E%2e/b", "/b")},
	{name: "dot segments", in: "GET /a/./b/../c/ HTTP/1.0\r\n\r\n", want: get("/a/./b/../c/", "/a/c/")},
	{name: "dotdot to root", in: "GET /a/.. HTTP/1.0\r\n\r\n", want: get("/a/..", "/")},
	{name: "dot at end", in: "GET /a/. HTTP/1.0\r\n\r\n", want: get("/a/.", "/a/")},
	{name: "empty segments", in: "GET //a//b HTTP/1.0\r\n\r\n", want: get("//a//b", "/a/b")},
	{name: "dots in names", in: "GET /.well-known/a..b/...  HTTP/1.0\r\n\r\n",
		want: &Request{Line: "GET /.well-known/a..b/...  HTTP/1.0", Method: "GET", Target: "/.well-known/a..b/...", Path: "/.well-known/a..b/...", Proto: "HTTP/1.0", Major: 1}},
	{name: "trailing slash kept", in: "GET /dir/ HTTP/1.0\r\n\r\n", want: get("/dir/", "/dir/")},
	{name: "raw utf-8 in path", in: "GET /café HTTP/1.0\r\n\r\n", want: get("/café", "/café")},
	{name: "folded header", in: "GET / HTTP/1.0\r\nX: a\r\n b\r\n\t c \r\nY: d\r\n\r\n", want: get("/", "/", "X", "a b c", "Y", "d")},
	{name: "empty continuation", in: "GET / HTTP/1.0\r\nX: a\r\n \t\r\n\r\n", want: get("/", "/", "X", "a")},
	{name: "fold onto empty value", in: "GET / HTTP/1.0\r\nX:\r\n  y\r\n\r\n", want: get("/", "/", "X", "y")},
	{name: "empty value", in: "GET / HTTP/1.0\r\nX:\r\nY:   \r\n\r\n", want: get("/", "/", "X", "", "Y", "")},
	{name: "value keeps colons", in: "GET / HTTP/1.0\r\nHost: localhost:8080\r\n\r\n", want: get("/", "/", "Host", "localhost:8080")},
	{name: "value trimmed, inner HT kept", in: "GET / HTTP/1.0\r\nX: \t a\tb \t\r\n\r\n", want: get("/", "/", "X", "a\tb")},
	{name: "name case kept", in: "GET / HTTP/1.0\r\ncontent-TYPE: x\r\n\r\n", want: get("/", "/", "content-TYPE", "x")},
	{name: "obs-text in value", in: "GET / HTTP/1.0\r\nX: caf\xe9\r\n\r\n", want: get("/", "/", "X", "caf\xe9")},
	{name: "post with body and more after", in: "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n", n: 47,
		want: &Request{Line: "POST /echo HTTP/1.0", Method: "POST", Target: "/echo", Path: "/echo", Proto: "HTTP/1.0", Major: 1,
			Header: h("Content-Length", "5"), Body: []byte("hello")}},
	{name: "post empty body", in: "POST /echo HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
		want: &Request{Line: "POST /echo HTTP/1.0", Method: "POST", Target: "/echo", Path: "/echo", Proto: "HTTP/1.0", Major: 1, Header: h("Content-Length", "0")}},
	{name: "repeated equal content-length", in: "POST /echo HTTP/1.0\r\nContent-Length: 2\r\ncontent-length: 002, 2\r\n\r\nhi",
		want: &Request{Line: "POST /echo HTTP/1.0", Method: "POST", Target: "/echo", Path: "/echo", Proto: "HTTP/1.0", Major: 1,
			Header: h("Content-Length", "2", "content-length", "002, 2"), Body: []byte("hi")}},
	{name: "get with body read and kept aside", in: "GET / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", want: func() *Request {
		r := get("/", "/", "Content-Length", "3")
		r.Body = []byte("abc")
		return r
	}()},
	{name: "head with body", in: "HEAD / HTTP/1.0\r\nContent-Length: 1\r\n\r\nz",
		want: &Request{Line: "HEAD / HTTP/1.0", Method: "HEAD", Target: "/", Path: "/", Proto: "HTTP/1.0", Major: 1, Header: h("Content-Length", "1"), Body: []byte("z")}},
	{name: "request line at its limit", in: "GET / HTTP/1.0\r\n\r\n", lim: Limits{RequestLine: 16}, want: get("/", "/")},
	{name: "head at its limit", in: "GET / HTTP/1.0\r\nA: b\r\n\r\n", lim: Limits{Head: 24}, want: get("/", "/", "A", "b")},
	{name: "fields at their limit", in: "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n \r\n\r\n", lim: Limits{Headers: 2}, want: get("/", "/", "A", "1", "B", "2")},
	{name: "huge limits", in: "GET / HTTP/1.0\r\n\r\n", lim: Limits{RequestLine: math.MaxInt, Head: math.MaxInt, Headers: math.MaxInt, Body: math.MaxInt64}, want: get("/", "/")},
	{name: "body at its limit", in: "POST /echo HTTP/1.0\r\nContent-Length: 4\r\n\r\nabcd", lim: Limits{Body: 4},
		want: &Request{Line: "POST /echo HTTP/1.0", Method: "POST", Target: "/echo", Path: "/echo", Proto: "HTTP/1.0", Major: 1, Header: h("Content-Length", "4"), Body: []byte("abcd")}},
}

type badCase struct {
	name   string
	in     string
	lim    Limits
	status int
}

var badRequests = []badCase{
	// Bytes that have no place in a head.
	{"NUL in request line", "GET /\x00 HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"NUL in header", "GET / HTTP/1.0\r\nA: \x00\r\n\r\n", Limits{}, 400},
	{"control byte in value", "GET / HTTP/1.0\r\nA: b\x01c\r\n\r\n", Limits{}, 400},
	{"DEL in name", "GET / HTTP/1.0\r\nA\x7f: b\r\n\r\n", Limits{}, 400},
	{"DEL in value", "GET / HTTP/1.0\r\nA: b\x7fc\r\n\r\n", Limits{}, 400}, // DEL is a CTL (RFC 1945, 2.2)
	{"escape byte in target", "GET /\x1b[31m HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"bare CR in request line", "GET / HTTP/1.0\rX\r\n\r\n", Limits{}, 400},
	{"bare CR before request line", "\rGET / HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"bare CR in value", "GET / HTTP/1.0\r\nA: b\rc\r\n\r\n", Limits{}, 400},
	{"CR CR LF", "GET / HTTP/1.0\r\r\n\r\n", Limits{}, 400},
	{"bare CR ends head", "GET / HTTP/1.0\r\n\r\r\n", Limits{}, 400},
	// Request line shape (RFC 1945, 5.1).
	{"leading white space", " GET / HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"white space line", " \t\r\n", Limits{}, 400},
	{"one field", "GET\r\n", Limits{}, 400},
	{"one field trailing space", "GET \r\n", Limits{}, 400},
	{"one unknown field", "HELLO\r\n", Limits{}, 400},
	{"four fields", "GET /a b HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"five fields", "GET / HTTP/1.0 x y\r\n\r\n", Limits{}, 400},
	{"version for request-uri", "GET HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"HEAD version for request-uri", "HEAD HTTP/1.0\r\n\r\n", Limits{}, 400},
	// Method (RFC 1945, 5.1.1).
	{"method with tspecial", "G(T / HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"method with non-ascii", "G\xc9T / HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"PUT", "PUT / HTTP/1.0\r\n\r\n", Limits{}, 501},
	{"DELETE", "DELETE /x HTTP/1.0\r\n\r\n", Limits{}, 501},
	{"lowercase get", "get / HTTP/1.0\r\n\r\n", Limits{}, 501},
	{"OPTIONS star", "OPTIONS * HTTP/1.0\r\n\r\n", Limits{}, 501},
	{"501 before headers arrive", "PATCH / HTTP/1.1\r\nHost: x", Limits{}, 501},
	{"simple HEAD", "HEAD /\r\n", Limits{}, 400},
	{"simple POST", "POST /x\r\n", Limits{}, 400},
	{"simple lowercase get", "get /\r\n", Limits{}, 400},
	{"simple unknown method", "PUT /\r\n", Limits{}, 400},
	// Version (RFC 1945, 3.1).
	{"version no minor", "GET / HTTP/1\r\n\r\n", Limits{}, 400},
	{"version empty minor", "GET / HTTP/1.\r\n\r\n", Limits{}, 400},
	{"version empty major", "GET / HTTP/.1\r\n\r\n", Limits{}, 400},
	{"version empty major, long enough", "GET / HTTP/.10\r\n\r\n", Limits{}, 400},
	{"version empty minor, long enough", "GET / HTTP/10.\r\n\r\n", Limits{}, 400},
	{"version suffix", "GET / HTTP/1.0a\r\n\r\n", Limits{}, 400},
	{"version letter", "GET / HTTP/1.x\r\n\r\n", Limits{}, 400},
	{"version three parts", "GET / HTTP/1.0.1\r\n\r\n", Limits{}, 400},
	{"version HTTPS", "GET / HTTPS/1.0\r\n\r\n", Limits{}, 400},
	{"version sign", "GET / HTTP/+1.0\r\n\r\n", Limits{}, 400},
	{"version minor too long", "GET / HTTP/1.12345678901\r\n\r\n", Limits{}, 400},
	{"version major overflow", "GET / HTTP/99999999999999999999.0\r\n\r\n", Limits{}, 400},
	{"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", Limits{}, 505},
	{"HTTP/3.0", "GET / HTTP/3.0\r\n\r\n", Limits{}, 505},
	{"HTTP/10.0", "GET / HTTP/010.0\r\n\r\n", Limits{}, 505},
	{"505 before 501", "PUT / HTTP/2.0\r\n\r\n", Limits{}, 505},
	// Request-URI (RFC 1945, 5.1.2, 3.2 and 12.5).
	{"star", "GET * HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"relative", "GET index.html HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"https scheme", "GET https://h/ HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"ftp scheme", "GET ftp://h/ HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"no host", "GET http:// HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"empty host", "GET http:///x HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"query only", "GET ?x HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"lone percent", "GET /% HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"short escape", "GET /%4 HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"bad hex", "GET /%zz HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped NUL", "GET /a%00.html HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped LF", "GET /a%0a HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped DEL", "GET /a%7F HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"backslash", "GET /a\\b HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped backslash", "GET /..%5c..%5cetc HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"dotdot", "GET /../etc/passwd HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"dotdot deeper", "GET /a/../../etc/passwd HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"dotdot alone", "GET /.. HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped dotdot", "GET /%2e%2e/etc/passwd HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"escaped slash dotdot", "GET /a/..%2f..%2fetc HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"absolute uri dotdot", "GET http://h/../x HTTP/1.0\r\n\r\n", Limits{}, 400},
	{"simple dotdot", "GET /../x\r\n", Limits{}, 400},
	{"path refused before headers", "GET /../x HTTP/1.0\r\nHost:", Limits{}, 400},
	// Header fields (RFC 1945, 4.2; RFC 9112, 5.1).
	{"no colon", "GET / HTTP/1.0\r\nHost localhost\r\n\r\n", Limits{}, 400},
	{"space before colon", "GET / HTTP/1.0\r\nHost : x\r\n\r\n", Limits{}, 400},
	{"tab before colon", "GET / HTTP/1.0\r\nHost\t: x\r\n\r\n", Limits{}, 400},
	{"empty name", "GET / HTTP/1.0\r\n: x\r\n\r\n", Limits{}, 400},
	{"tspecial in name", "GET / HTTP/1.0\r\nHo(st: x\r\n\r\n", Limits{}, 400},
	{"continuation first", "GET / HTTP/1.0\r\n  x\r\n\r\n", Limits{}, 400},
	{"continuation first, tab", "GET / HTTP/1.0\r\n\tx: y\r\n\r\n", Limits{}, 400},
	// Limits (RFC 9112, 3 and 2.3; RFC 9110, 15.5.14-15; RFC 6585, 5).
	{"request line too long", "GET /abcdef HTTP/1.0\r\n\r\n", Limits{RequestLine: 10}, 414},
	{"request line too long, pending", "GET /abcdef", Limits{RequestLine: 10}, 414},
	{"request line too long after empty lines", "\r\n\r\nGET /abcdef", Limits{RequestLine: 10}, 414},
	{"request line one over with CRLF", "GET / HTTP/1.0\r\n\r\n", Limits{RequestLine: 15}, 414},
	{"request line one over with LF", "GET / HTTP/1.0\n\n", Limits{RequestLine: 14}, 414},
	{"default request line limit", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.0\r\n\r\n", Limits{}, 414},
	{"head too long", "GET / HTTP/1.0\r\nA: " + strings.Repeat("b", 100) + "\r\n\r\n", Limits{Head: 64}, 431},
	{"head one over", "GET / HTTP/1.0\r\nA: b\r\n\r\n", Limits{Head: 23}, 431},
	{"head too long, pending", "GET / HTTP/1.0\r\nA: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Limits{Head: 32}, 431},
	{"request line and head limits equal", "GET /abcdef HTTP/1.0\r\n\r\n", Limits{RequestLine: 10, Head: 10}, 414}, // the line's limit is met first, or together
	{"head limit inside request line", "GET /abcdefgh HTTP/1.0\r\n\r\n", Limits{Head: 10}, 431},
	{"empty lines flood", strings.Repeat("\r\n", 20), Limits{Head: 16}, 431},
	{"too many fields", "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", Limits{Headers: 2}, 431},
	{"too many fields, pending", "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC", Limits{Headers: 2}, 431},
	{"default field limit", "GET / HTTP/1.0\r\n" + strings.Repeat("A: b\r\n", 101) + "\r\n", Limits{}, 431},
	// Body framing (RFC 1945, 7.2.2, 8.3, 10.4; RFC 9112, 6.1 and 6.3).
	{"post without length", "POST /echo HTTP/1.0\r\n\r\nhello", Limits{}, 400},
	{"post 1.1 without length", "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", Limits{}, 400},
	{"length not a number", "POST /echo HTTP/1.0\r\nContent-Length: abc\r\n\r\n", Limits{}, 400},
	{"length negative", "POST /echo HTTP/1.0\r\nContent-Length: -1\r\n\r\n", Limits{}, 400},
	{"length plus sign", "POST /echo HTTP/1.0\r\nContent-Length: +5\r\n\r\n", Limits{}, 400},
	{"length two numbers", "POST /echo HTTP/1.0\r\nContent-Length: 5 6\r\n\r\n", Limits{}, 400},
	{"length empty", "POST /echo HTTP/1.0\r\nContent-Length:\r\n\r\n", Limits{}, 400},
	{"length hex", "POST /echo HTTP/1.0\r\nContent-Length: 0x10\r\n\r\n", Limits{}, 400},
	{"length list differs", "POST /echo HTTP/1.0\r\nContent-Length: 5, 6\r\n\r\n", Limits{}, 400},
	{"length empty list element", "POST /echo HTTP/1.0\r\nContent-Length: 5,\r\n\r\n", Limits{}, 400},
	{"lengths differ", "POST /echo HTTP/1.0\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", Limits{}, 400},
	{"length differs on get", "GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", Limits{}, 400},
	// Issue 2: an overflowing length is malformed (400); one that fits but passes the limit is 413.
	{"length overflows", "POST /echo HTTP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", Limits{}, 400},
	{"length just over int64", "POST /echo HTTP/1.0\r\nContent-Length: 9223372036854775808\r\n\r\n", Limits{Body: 1<<63 - 1}, 400},
	{"length overflows with leading zeros", "POST /echo HTTP/1.0\r\nContent-Length: 0009223372036854775808\r\n\r\n", Limits{}, 400},
	{"length is int64 max", "POST /echo HTTP/1.0\r\nContent-Length: 9223372036854775807\r\n\r\n", Limits{}, 413},
	{"length over limit", "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\n", Limits{Body: 4}, 413},
	{"length over default limit", "POST /echo HTTP/1.0\r\nContent-Length: 1048577\r\n\r\n", Limits{}, 413},
	{"get length over limit", "GET / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", Limits{Body: 4}, 413},
	{"transfer-encoding in 1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 400},
	{"transfer-encoding in 0.9", "GET / HTTP/0.9\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 400},
	{"transfer-encoding in 1.1", "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 501},
	{"transfer-encoding and length", "POST /echo HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 501},
}

// feed calls ParseRequest after each chunk is appended to a fresh buffer, as a
// server does after each read, and returns the first answer that is not
// "need more" (or the last one).
func feed(chunks [][]byte, lim Limits) (req *Request, n int, err error) {
	var buf []byte
	for _, c := range chunks {
		buf = append(buf, c...)
		if req, n, err = ParseRequest(buf, lim); req != nil || err != nil {
			return req, n, err
		}
	}
	return req, n, err
}

// splits returns the ways the chunking test cuts in: whole, one byte at a
// time, and in two at every offset.
func splits(in []byte) map[string][][]byte {
	ways := map[string][][]byte{"whole": {in}}
	var bytewise [][]byte
	for i := range in {
		bytewise = append(bytewise, in[i:i+1])
	}
	ways["bytewise"] = bytewise
	for i := 1; i < len(in); i++ {
		ways["split at "+itoa(i)] = [][]byte{in[:i], in[i:]}
	}
	return ways
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

func sameRequest(a, b *Request) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	if len(x.Header) == 0 && len(y.Header) == 0 {
		x.Header, y.Header = nil, nil
	}
	if !bytes.Equal(x.Body, y.Body) || (x.Body == nil) != (y.Body == nil) {
		return false
	}
	x.Body, y.Body = nil, nil
	return reflect.DeepEqual(x, y)
}

func TestParseRequestGood(t *testing.T) {
	for _, tc := range goodRequests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.n
			if want == 0 {
				want = len(tc.in)
			}
			req, n, err := ParseRequest([]byte(tc.in), tc.lim)
			if err != nil || n != want || !sameRequest(req, tc.want) {
				t.Errorf("ParseRequest(%q) = %+v, %d, %v; want %+v, %d, nil", tc.in, req, n, err, tc.want, want)
			}
		})
	}
}

func TestParseRequestBad(t *testing.T) {
	for _, tc := range badRequests {
		t.Run(tc.name, func(t *testing.T) {
			req, n, err := ParseRequest([]byte(tc.in), tc.lim)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Status != tc.status || req != nil || n != 0 {
				t.Fatalf("ParseRequest(%q) = %+v, %d, %#v; want status %d", tc.in, req, n, err, tc.status)
			}
			if pe.Offset < 0 || pe.Offset > len(tc.in) || !goodMsg(pe.Msg) {
				t.Errorf("ParseRequest(%q) = %#v; want a lowercase message and an offset in [0, %d]", tc.in, pe, len(tc.in))
			}
		})
	}
}

// TestParseRequestOffsets checks that the offset points at the byte at fault.
// goodMsg reports whether msg follows the error style: it starts with a
// lowercase letter and ends without a full stop.
func goodMsg(msg string) bool {
	return msg != "" && 'a' <= msg[0] && msg[0] <= 'z' && !strings.HasSuffix(msg, ".")
}

func TestParseRequestOffsets(t *testing.T) {
	tests := []struct {
		in      string
		lim     Limits
		offset  int
		section string
	}{
		{"GET /\x00 HTTP/1.0\r\n", Limits{}, 5, "5.1"},
		{"GET / HTTP/1.0\r\nA: b\rc\r\n", Limits{}, 20, "2.2"},
		{"GET / HTTP/1.0\r\nA: \x01\r\n", Limits{}, 19, "4.2"},
		{"PUT / HTTP/1.0\r\n", Limits{}, 0, "5.1.1"},
		{"GET / HTTP/2.0\r\n", Limits{}, 6, "3.1"},
		{"G(T / HTTP/1.0\r\n", Limits{}, 1, "5.1.1"},
		{"GET /a b HTTP/1.0\r\n", Limits{}, 9, "5.1"},
		{"GET /a/../../x HTTP/1.0\r\n", Limits{}, 10, "12.5"},
		{"GET /a%zz HTTP/1.0\r\n", Limits{}, 6, "3.2.1"},
		{"GET /a%00 HTTP/1.0\r\n", Limits{}, 6, "12.5"},
		{"GET / HTTP/1.0\r\nHost : x\r\n", Limits{}, 20, "4.2"},
		{"GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n", Limits{Headers: 1}, 22, "RFC 6585 §5"},
		{"GET /abcdefghij", Limits{RequestLine: 10}, 10, "RFC 9110 §15.5.15"},
		{"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", Limits{Body: 4}, 33, "RFC 9110 §15.5.14"},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 36, "RFC 9112 §6.1"},
		{"POST / HTTP/1.0\r\nContent-Length: x\r\n\r\n", Limits{}, 33, "10.4"},
		// A longer name that starts with Content-Length is another field.
		{"POST / HTTP/1.0\r\nContent-Lengthy: 1\r\nContent-Length: x\r\n\r\n", Limits{}, 53, "10.4"},
		{"POST / HTTP/1.0\r\n\r\n", Limits{}, 17, "8.3"},
	}
	for _, tc := range tests {
		_, _, err := ParseRequest([]byte(tc.in), tc.lim)
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Offset != tc.offset || pe.Section != tc.section {
			t.Errorf("ParseRequest(%q) = %#v; want offset %d, section %q", tc.in, err, tc.offset, tc.section)
		}
	}
}

// TestParseRequestChunked feeds every table case whole, one byte at a time,
// and split in two at every offset: the answer must not depend on how the
// bytes arrived, and every prefix must give "need more" or that same answer.
func TestParseRequestChunked(t *testing.T) {
	for _, tc := range goodRequests {
		in := []byte(tc.in)
		n := tc.n
		if n == 0 {
			n = len(in)
		}
		for i := 0; i < n; i++ {
			if req, m, err := ParseRequest(in[:i], tc.lim); req != nil || m != 0 || err != nil {
				t.Fatalf("%s: ParseRequest(%q) = %+v, %d, %v; want need more", tc.name, in[:i], req, m, err)
			}
		}
		for way, chunks := range splits(in) {
			req, m, err := feed(chunks, tc.lim)
			if err != nil || m != n || !sameRequest(req, tc.want) {
				t.Errorf("%s, %s: ParseRequest(%q) = %+v, %d, %v; want %+v, %d, nil", tc.name, way, tc.in, req, m, err, tc.want, n)
			}
		}
	}
	for _, tc := range badRequests {
		in := []byte(tc.in)
		_, _, whole := ParseRequest(in, tc.lim)
		for i := 0; i < len(in); i++ {
			req, m, err := ParseRequest(in[:i], tc.lim)
			if req != nil || m != 0 || err != nil && !reflect.DeepEqual(err, whole) {
				t.Fatalf("%s: ParseRequest(%q) = %+v, %d, %#v; want need more or %#v", tc.name, in[:i], req, m, err, whole)
			}
		}
		for way, chunks := range splits(in) {
			_, _, err := feed(chunks, tc.lim)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Status != tc.status || !reflect.DeepEqual(err, whole) {
				t.Errorf("%s, %s: ParseRequest(%q) = %#v; want %#v", tc.name, way, tc.in, err, whole)
			}
		}
	}
}

func TestParseRequestNeedMore(t *testing.T) {
	for _, in := range []string{"", "\r", "\r\n", "GET", "GET / HTTP/1.0\r", "GET / HTTP/1.0\r\n", "GET / HTTP/1.0\r\nA: b\r\n\r",
		"GET /", "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhell"} {
		if req, n, err := ParseRequest([]byte(in), Limits{}); req != nil || n != 0 || err != nil {
			t.Errorf("ParseRequest(%q) = %+v, %d, %v; want nil, 0, nil", in, req, n, err)
		}
	}
}

// A Content-Length that the limit allows but no int can add to the head's
// length is a body still to come, never a request that ends before its
// head (n < 0), and Parse tells so: the bytes there are decide
// nothing.
func TestParseRequestLengthPastMaxInt(t *testing.T) {
	lim := Limits{Body: math.MaxInt64}
	for _, in := range []string{
		"POST /echo HTTP/1.0\r\nContent-Length: 9223372036854775807\r\n\r\nabc",
		"POST /echo HTTP/1.0\r\nContent-Length: 9223372036854775790\r\n\r\n",
	} {
		if req, n, err := ParseRequest([]byte(in), lim); req != nil || n != 0 || err != nil {
			t.Errorf("ParseRequest(%q) = %+v, %d, %v; want nil, 0, nil", in, req, n, err)
		}
		if p := told([]byte(in), lim); !p.HeadDone || p.Next <= len(in) {
			t.Errorf("Parse(%q) tells %+v; want HeadDone and Next past the %d bytes there are", in, p, len(in))
		}
	}
}

func TestParseRequestBodyAliases(t *testing.T) {
	buf := []byte("POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
	req, _, err := ParseRequest(buf, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	buf[len(buf)-1] = '!'
	if string(req.Body) != "h!" || cap(req.Body) != 2 {
		t.Errorf("Body = %q (cap %d); want it to alias buf as \"h!\" with cap 2", req.Body, cap(req.Body))
	}
}

func TestRequestGet(t *testing.T) {
	r := &Request{Header: h("Accept", "a", "Host", "x", "accept", "b", "ACCEPT", "")}
	tests := []struct{ name, want string }{
		{"Host", "x"}, {"host", "x"}, {"Accept", "a, b, "}, {"User-Agent", ""},
	}
	for _, tc := range tests {
		if got := r.Get(tc.name); got != tc.want {
			t.Errorf("Get(%q) = %q; want %q", tc.name, got, tc.want)
		}
	}
}

func TestSimple(t *testing.T) {
	if !(&Request{Major: 0, Minor: 9}).Simple() || (&Request{Proto: "HTTP/0.9"}).Simple() {
		t.Error("Simple() must be true exactly when there is no version")
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	got := Limits{Headers: 5, Body: -1}.WithDefaults()
	want := Limits{RequestLine: 8 << 10, Head: 16 << 10, Headers: 5, Body: 1 << 20}
	if got != want {
		t.Errorf("WithDefaults() = %+v; want %+v", got, want)
	}
}

func TestProtocolErrorError(t *testing.T) {
	err := &ProtocolError{Status: 400, Msg: "content-length is not a number"}
	if got, want := err.Error(), "http10: content-length is not a number"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{200, "OK"}, {302, "Moved Temporarily"}, {404, "Not Found"}, {413, "Content Too Large"},
		{505, "HTTP Version Not Supported"}, {299, "OK"}, {418, "Bad Request"}, {399, "Multiple Choices"},
		{599, "Internal Server Error"}, {100, ""}, {199, ""}, {0, ""}, {600, ""}, {-200, ""},
	}
	for _, tc := range tests {
		if got := StatusText(tc.code); got != tc.want {
			t.Errorf("StatusText(%d) = %q; want %q", tc.code, got, tc.want)
		}
	}
}

// What Parse tells of a request that is not complete: whether its head
// is, its method, and when its bytes can next decide anything.
func TestPartialTells(t *testing.T) {
	lim := Limits{RequestLine: 20, Head: 60, Headers: 2}
	for _, tc := range []struct {
		in   string
		want Partial
	}{
		{"", Partial{Next: 20}},
		{"GET /a", Partial{Method: "GET", Next: 20}},           // the request line is refused at its limit
		{"\r\n\r\nGET /a", Partial{Method: "GET", Next: 24}},   // counted from its own start
		{"GET / HTTP/1.0\r", Partial{Method: "GET", Next: 16}}, // a CR: the next byte decides
		{"GET / HTTP/1.0\r\n", Partial{Method: "GET", Next: 60}},
		{"GET / HTTP/1.0\r\nA: 1\r\n", Partial{Method: "GET", Next: 60}},
		{"HEA", Partial{Next: 20}},                    // the method has not ended
		{"HEADX ", Partial{Next: 20}},                 // not a method the server has
		{"HEAD\t", Partial{Method: "HEAD", Next: 20}}, // it has, though the line has not ended
		{"HEAD / HTTP/1.0", Partial{Method: "HEAD", Next: 20}},
		{"HEAD / HTTP/1.0\r\nX: y", Partial{Method: "HEAD", Next: 60}},
		{"GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n", Partial{Method: "GET", Next: 29}},                                 // a third field would be refused at once
		{"POST /e HTTP/1.0\r\nContent-Length: 9\r\n\r\nab", Partial{HeadDone: true, Method: "POST", Next: 48}},   // where the body ends
		{"POST /e HTTP/1.0\r\nContent-Length: 9\r\n\r\na\nb", Partial{HeadDone: true, Method: "POST", Next: 48}}, // a line feed in the body decides nothing
		{"GET /\r", Partial{Method: "GET", Next: 7}},
	} {
		if got := told([]byte(tc.in), lim); got != tc.want {
			t.Errorf("Parse(%q) tells %+v; want %+v", tc.in, got, tc.want)
		}
	}
	// Every incomplete prefix of every test request, with the request's own
	// limits: what fuzzing checks too, with its own limits.
	for _, c := range goodRequests {
		checkPrefixes(t, c.in, c.lim)
	}
	for _, c := range badRequests {
		checkPrefixes(t, c.in, c.lim)
	}
}

// checkPrefixes checks what Parse tells of every incomplete prefix of in
// (checkPartial), and that Parse going on from a shorter prefix gives the
// answers that starting afresh does (checkResumed).
func checkPrefixes(t *testing.T, in string, lim Limits) {
	t.Helper()
	buf := []byte(in)
	req, _, err := ParseRequest(buf, lim)
	for i := range len(buf) {
		if r, _, e := ParseRequest(buf[:i], lim); r == nil && e == nil {
			checkPartial(t, buf, i, lim, req, err)
		}
	}
	for _, step := range []int{1, 2, 7} {
		checkResumed(t, buf, lim, step)
	}
}

// A header line with white space in it is refused for what is really
// wrong with it: no colon at all, or white space before the colon.
func TestFieldNameReasons(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"GET / HTTP/1.0\r\nHost localhost\r\n\r\n", "header line has no colon"},
		{"GET / HTTP/1.0\r\nHost : x\r\n\r\n", "white space in header field name"},
		{"GET / HTTP/1.0\r\nHost\t: x\r\n\r\n", "white space in header field name"},
		{"GET / HTTP/1.0\r\nX Y: z\r\n\r\n", "white space in header field name"},
	} {
		_, _, err := ParseRequest([]byte(tc.in), Limits{})
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Msg != tc.msg {
			t.Errorf("ParseRequest(%q): %v; want 400 %q", tc.in, err, tc.msg)
		}
	}
}

func TestHasToken(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"keep-alive", true},
		{"Keep-Alive", true},
		{"close, keep-alive", true},
		{" te ,KEEP-ALIVE ", true},
		{"no-keep-alive", false},
		{"close", false},
		{"", false},
	} {
		r := &Request{Header: []Field{{"Connection", tc.v}}}
		if got := r.HasToken("connection", "keep-alive"); got != tc.want {
			t.Errorf("HasToken(Connection: %q, keep-alive) = %v; want %v", tc.v, got, tc.want)
		}
	}
}

// Parse goes on where it stopped: the lines it has scanned are not read
// again. A byte changed in one of them (which breaks Parse's contract, the
// same bytes at the start) shows it: Parse, resumed, misses the NUL that
// ParseRequest, starting afresh, refuses.
func TestParseGoesOn(t *testing.T) {
	buf := []byte("GET / HTTP/1.0\r\nA: 1\r\nB: ")
	var p Partial
	if req, _, err := p.Parse(buf, Limits{}); req != nil || err != nil {
		t.Fatalf("Parse(%q) = %+v, %v; want incomplete", buf, req, err)
	}
	buf[19] = 0 // "A: \x00"
	buf = append(buf, "2\r\n\r\n"...)
	if _, _, err := ParseRequest(buf, Limits{}); err == nil {
		t.Fatalf("ParseRequest(%q) took a NUL in a header", buf)
	}
	if req, _, err := p.Parse(buf, Limits{}); req == nil || err != nil {
		t.Errorf("Parse(%q), resumed after the line ending with the NUL, = %+v, %v; want it to go on past the lines it has read, and find a request", buf, req, err)
	}
}
