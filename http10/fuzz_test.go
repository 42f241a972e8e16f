package http10

import (
	"bytes"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// curlGet is the head curl sends for `curl http://localhost:8080/`.
const curlGet = "GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"

// fuzzLimits are small, so that the fuzzer reaches every limit.
var fuzzLimits = Limits{RequestLine: 64, Head: 256, Headers: 8, Body: 64}

func FuzzParseRequest(f *testing.F) {
	for _, tc := range goodRequests {
		f.Add([]byte(tc.in))
	}
	for _, tc := range badRequests {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(curlGet))
	fsys := fstest.MapFS{
		"index.html":   {Data: []byte("<p>hi</p>"), ModTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		"a/b.txt":      {Data: []byte("b")},
		"empty":        {Mode: fs.ModeDir},
		"a/index.html": {Data: []byte("a")},
	}
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, buf []byte) {
		for _, lim := range []Limits{{}, fuzzLimits} {
			req, n, err := ParseRequest(buf, lim)
			if n < 0 || n > len(buf) || (n > 0) != (req != nil) || req != nil && err != nil {
				t.Fatalf("ParseRequest(%q) = %v, %d, %v; want 0 <= n <= len, n > 0 iff req != nil", buf, req, n, err)
			}
			var pe *ProtocolError
			if err != nil {
				if !errors.As(err, &pe) {
					t.Fatalf("ParseRequest(%q) error %T; want *ProtocolError", buf, err)
				}
				switch pe.Status {
				case 400, 413, 414, 431, 501, 505:
				default:
					t.Fatalf("ParseRequest(%q) status %d; want 400, 413, 414, 431, 501 or 505", buf, pe.Status)
				}
				if pe.Offset < 0 || pe.Offset > len(buf) || !goodMsg(pe.Msg) {
					t.Fatalf("ParseRequest(%q) = %#v; want offset in [0, %d], lowercase message", buf, pe, len(buf))
				}
			}
			if req != nil {
				if !strings.HasPrefix(req.Path, "/") || strings.Contains(req.Path, "/../") || strings.HasSuffix(req.Path, "/..") ||
					strings.ContainsAny(req.Path, "\\\x00") || int64(len(req.Body)) > lim.WithDefaults().Body {
					t.Fatalf("ParseRequest(%q) = %+v; path or body not sound", buf, req)
				}
				if req.Simple() != (req.Major == 0 && req.Minor == 9 && req.Proto == "") {
					t.Fatalf("ParseRequest(%q) = %+v; Simple() disagrees with the version", buf, req)
				}
			}
			// Incremental agreement: every prefix needs more, or says what the whole says.
			for i := 0; i < len(buf); i = nextPrefix(i, len(buf)) {
				preq, pn, perr := ParseRequest(buf[:i], lim)
				switch {
				case preq == nil && pn == 0 && perr == nil:
					if req != nil && i >= n {
						t.Fatalf("ParseRequest(%q) needs more, but the request ends at %d", buf[:i], n)
					}
					checkPartial(t, buf, i, lim, req, err)
				case perr != nil:
					if !reflect.DeepEqual(perr, err) {
						t.Fatalf("ParseRequest(%q) = %#v; the whole %q gives %#v", buf[:i], perr, buf, err)
					}
				default:
					if pn != n || !sameRequest(preq, req) {
						t.Fatalf("ParseRequest(%q) = %+v, %d; the whole %q gives %+v, %d, %v", buf[:i], preq, pn, buf, req, n, err)
					}
				}
			}
			// Parsed as it arrives, in reads of any size, it gives the same.
			for _, step := range []int{1, 2, 7} {
				checkResumed(t, buf, lim, step)
			}
			// Whatever the parser says, the server has an answer.
			var r *Response
			switch {
			case req != nil:
				r = Respond(fsys, req, now)
				if r.Simple != req.Simple() {
					t.Fatalf("Respond(%+v).Simple = %v", req, r.Simple)
				}
			case err != nil:
				r = Refuse(err, now)
			default:
				continue
			}
			if r.File != nil {
				r.File.Close()
			}
			out := r.Append(nil)
			if !r.Simple && !bytes.HasPrefix(out, []byte("HTTP/1.0 ")) || r.Simple && !bytes.Equal(out, r.Body) {
				t.Fatalf("Append = %q; want a status line or the bare body", out)
			}
		}
	})
}

// checkPartial checks what Parse tells of buf[:i], which ParseRequest finds
// incomplete, against what the whole buf gives: the method it reports is
// the request's, and the bytes after buf[:i] decide nothing
// before its Next unless one of them is a control byte.
func checkPartial(t *testing.T, buf []byte, i int, lim Limits, req *Request, err error) {
	t.Helper()
	p := told(buf[:i], lim)
	var pe *ProtocolError
	switch {
	case p.Method == "":
	case req != nil && p.Method != req.Method, errors.As(err, &pe) && p.Method != pe.Method:
		t.Fatalf("Parse(%q) tells %+v; the whole %q gives %+v, %v", buf[:i], p, buf, req, err)
	}
	if p.HeadDone {
		// Next is where the request ends: one byte short, it is still
		// incomplete, whatever the bytes; all of it, and it parses whole.
		if p.Next <= i {
			t.Fatalf("Parse(%q) tells %+v; want Next past the %d bytes there are", buf[:i], p, i)
		}
		if short := min(p.Next-1, len(buf)); short > i {
			if r, _, e := ParseRequest(buf[:short], lim); r != nil || e != nil {
				t.Fatalf("Parse(%q) tells %+v, but %q, shorter than Next, gives %+v, %v", buf[:i], p, buf[:short], r, e)
			}
		}
		if p.Next <= len(buf) {
			if r, n, e := ParseRequest(buf[:p.Next], lim); r == nil || n != p.Next {
				t.Fatalf("Parse(%q) tells %+v, but %q gives %+v, %d bytes, %v; want the whole request", buf[:i], p, buf[:p.Next], r, n, e)
			}
		}
		return
	}
	if p.Next <= i {
		t.Fatalf("Parse(%q) tells %+v; want Next past the %d bytes there are", buf[:i], p, i)
	}
	j := i
	for j < len(buf) && j+1 < p.Next && buf[j] >= ' ' && buf[j] != 0x7f {
		j++
	}
	if j > i {
		if r, _, e := ParseRequest(buf[:j], lim); r != nil || e != nil {
			t.Fatalf("Parse(%q) tells %+v, but %q, with no control byte added and shorter than Next, gives %+v, %v", buf[:i], p, buf[:j], r, e)
		}
	}
}

// told is what Parse tells of buf, which ParseRequest finds incomplete,
// started afresh: the Partial's fields, without its state.
func told(buf []byte, lim Limits) Partial {
	var p Partial
	p.Parse(buf, lim)
	return Partial{HeadDone: p.HeadDone, Method: p.Method, Next: p.Next}
}

// checkResumed has one Partial parse longer and longer prefixes of buf,
// each step bytes longer than the last (the server's reads), and checks
// that each answer, and what the Partial tells while the request is
// incomplete, is what a fresh start on the same prefix gives: going on
// from where the last call stopped changes nothing. A fresh start costs
// the prefix's length, so after a long prefix it is made only at the
// prefixes nextPrefix picks, and at the last.
func checkResumed(t *testing.T, buf []byte, lim Limits, step int) {
	t.Helper()
	var p Partial
	check := 0
	for i := 0; ; i = min(i+step, len(buf)) {
		req, n, err := p.Parse(buf[:i], lim)
		done := req != nil || err != nil
		if i < check && !done && i < len(buf) {
			continue
		}
		for check <= i && check < len(buf) {
			check = nextPrefix(check, len(buf))
		}
		wreq, wn, werr := ParseRequest(buf[:i], lim)
		if n != wn || !sameRequest(req, wreq) || !reflect.DeepEqual(err, werr) {
			t.Fatalf("Parse(%q), resumed every %d bytes, = %+v, %d, %v; from the start it gives %+v, %d, %v", buf[:i], step, req, n, err, wreq, wn, werr)
		}
		if done {
			return
		}
		if got, want := (Partial{HeadDone: p.HeadDone, Method: p.Method, Next: p.Next}), told(buf[:i], lim); got != want {
			t.Fatalf("Parse(%q), resumed every %d bytes, tells %+v; from the start, %+v", buf[:i], step, got, want)
		}
		if i == len(buf) {
			return
		}
	}
}

// nextPrefix returns the length of the next prefix of an n-byte input to
// check after i. Inputs up to 1 KiB get every prefix; longer ones every
// prefix in their first 512 and last 256 bytes and 64 more in between, since
// checking all prefixes costs time quadratic in the input, and the fuzzer
// minimises each new input by running it many times.
func nextPrefix(i, n int) int {
	const head, tail = 512, 256
	if n <= 1<<10 || i < head || i >= n-tail {
		return i + 1
	}
	return min(i+max(1, (n-head-tail)/64), n-tail)
}

func BenchmarkParseRequest(b *testing.B) {
	buf := []byte(curlGet)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if req, _, err := ParseRequest(buf, Limits{}); req == nil || err != nil {
			b.Fatal(err)
		}
	}
}

// A head of folded lines of three bytes each, near the 16 KiB default
// limit, parsed after each of its lines arrives, as a client sending a line
// per packet has the server do: going on from the last line
// (Partial.Parse), or from the first byte each time (ParseRequest), which
// costs the square of the head's length.
func BenchmarkParseByLine(b *testing.B) {
	head := []byte("GET / HTTP/1.0\r\nX: a\r\n" + strings.Repeat("\tb\n", 5000) + "\r\n")
	var ends []int
	for i, c := range head {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	parse := map[string]func() (*Request, error){
		"resumed": func() (*Request, error) {
			var p Partial
			for _, n := range ends {
				if req, _, err := p.Parse(head[:n], Limits{}); req != nil || err != nil {
					return req, err
				}
			}
			return nil, nil
		},
		"afresh": func() (*Request, error) {
			for _, n := range ends {
				if req, _, err := ParseRequest(head[:n], Limits{}); req != nil || err != nil {
					return req, err
				}
			}
			return nil, nil
		},
	}
	for _, name := range []string{"resumed", "afresh"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(head)))
			b.ReportAllocs()
			for b.Loop() {
				if req, err := parse[name](); req == nil || err != nil {
					b.Fatalf("the head parsed to %v, %v; want a request", req, err)
				}
			}
		})
	}
}
