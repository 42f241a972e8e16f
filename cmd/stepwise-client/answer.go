package main

import (
	"bytes"
	"strconv"
	"strings"
)

// An answer is what came back on one connection, cut into its parts. It
// is read only to show it: the client is a witness, not a second HTTP
// implementation, so it trusts nothing and rejects nothing.
type answer struct {
	status   string   // the status line, "" if the answer does not start with "HTTP/"
	header   []string // the header lines, without their line ends
	headDone bool     // the blank line that ends the head came back
	body     []byte   // the body: up to Content-Length if there is one, else all the rest
	length   int      // Content-Length, or -1 if absent or unreadable
	extra    []byte   // bytes after Content-Length's worth of body
}

// parseAnswer cuts b, all the bytes that came back, into an answer.
// Lines may end in "\r\n" or "\n".
func parseAnswer(b []byte) answer {
	a := answer{length: -1}
	if !bytes.HasPrefix(b, []byte("HTTP/")) {
		a.body = b // an HTTP/0.9 Simple-Response, or nothing at all
		return a
	}
	head, rest, done := splitHead(b)
	a.headDone = done
	lines := strings.Split(string(head), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSuffix(line, "\r")
	}
	a.status, a.header = lines[0], lines[1:]
	for _, line := range a.header {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if n, err := strconv.Atoi(strings.TrimSpace(value)); err == nil && n >= 0 {
				a.length = n
			}
		}
	}
	a.body = rest
	if a.length >= 0 && len(rest) > a.length {
		a.body, a.extra = rest[:a.length], rest[a.length:]
	}
	return a
}

// splitHead splits b at the empty line that ends a head: head is what
// comes before it, less the last line end, and rest what comes after.
// done is false, and head all of b, if the empty line has not come.
func splitHead(b []byte) (head, rest []byte, done bool) {
	for i := 0; i < len(b); i++ { // i < len(b) bounds the loop
		if b[i] != '\n' {
			continue
		}
		switch after := b[i+1:]; {
		case bytes.HasPrefix(after, []byte("\r\n")):
			return b[:i], after[2:], true
		case bytes.HasPrefix(after, []byte("\n")):
			return b[:i], after[1:], true
		}
	}
	return b, nil, false
}

// code returns the status code of the status line, or 0.
func (a answer) code() int {
	_, rest, _ := strings.Cut(a.status, " ")
	code, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 {
		return 0
	}
	return n
}

// short is the status without the version, "200 OK", or what stood in
// its place: "no status line" or "nothing".
func (a answer) short(got int) string {
	switch {
	case got == 0:
		return "nothing"
	case a.status == "":
		return "no status line"
	}
	_, rest, _ := strings.Cut(a.status, " ")
	return rest
}
