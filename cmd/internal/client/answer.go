package client

import (
	"bytes"
	"strconv"
	"strings"
)

// An Answer is what came back on one connection, cut into its parts. It
// is read only to show it: the client is a witness, not a second HTTP
// implementation, so it trusts nothing and rejects nothing.
type Answer struct {
	Status   string   // the status line, "" if the answer does not start with "HTTP/"
	Header   []string // the header lines, without their line ends
	HeadDone bool     // the blank line that ends the head came back
	Body     []byte   // the body: up to Content-Length if there is one, else all the rest
	Length   int      // Content-Length, or -1 if absent or unreadable
	Extra    []byte   // bytes after Content-Length's worth of body
}

// ParseAnswer cuts b, all the bytes that came back, into an Answer.
// Lines may end in "\r\n" or "\n".
func ParseAnswer(b []byte) Answer {
	a := Answer{Length: -1}
	if !bytes.HasPrefix(b, []byte("HTTP/")) {
		a.Body = b // an HTTP/0.9 Simple-Response, or nothing at all
		return a
	}
	head, rest, done := splitHead(b)
	a.HeadDone = done
	lines := strings.Split(string(head), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSuffix(line, "\r")
	}
	a.Status, a.Header = lines[0], lines[1:]
	for _, line := range a.Header {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if n, err := strconv.Atoi(strings.TrimSpace(value)); err == nil && n >= 0 {
				a.Length = n
			}
		}
	}
	a.Body = rest
	if a.Length >= 0 && len(rest) > a.Length {
		a.Body, a.Extra = rest[:a.Length], rest[a.Length:]
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

// Code returns the status code of the status line, or 0.
func (a Answer) Code() int {
	_, rest, _ := strings.Cut(a.Status, " ")
	code, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 {
		return 0
	}
	return n
}

// Short is the status without the version, "200 OK", or what stood in
// its place: "no status line", or "nothing" if no byte came back.
func (a Answer) Short() string {
	switch {
	case a.Status == "" && len(a.Body) == 0: // without a status line, Body is every byte
		return "nothing"
	case a.Status == "":
		return "no status line"
	}
	_, rest, _ := strings.Cut(a.Status, " ")
	return rest
}
