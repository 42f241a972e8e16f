package multiplex

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// logAccess writes c's line to the access log, if there is one and c was
// answered.
func (k sys) logAccess(cfg Config, c *conn) {
	if cfg.AccessLog != nil && c.status != 0 {
		k.log(cfg.AccessLog, accessLine(c, cfg.Now()))
	}
}

// accessLine is c's line in Common Log Format, as Apache and nginx write
// it: host ident user [time] "request line" status bytes.
//
//	127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /hello.txt HTTP/1.0" 200 6
func accessLine(c *conn, now time.Time) []byte {
	b := make([]byte, 0, 96+len(c.line))
	b = c.peer.Addr().AppendTo(b)
	b = append(b, " - - ["...)
	b = now.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = append(b, c.line...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(c.status), 10)
	b = append(b, ' ')
	if sent := c.bodySent(); sent == 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, sent, 10)
	}
	return append(b, '\n')
}

// requestLine is the first line of what the client sent, for the access
// log: up to 200 bytes, quotes, backslashes and bytes outside printable
// ASCII escaped as \xNN, so a hostile line cannot forge log lines.
func requestLine(in []byte) string {
	in = bytes.TrimLeft(in, "\r\n")
	if i := bytes.IndexByte(in, '\n'); i >= 0 {
		in = in[:i]
	}
	in = bytes.TrimSuffix(in, []byte("\r"))
	if len(in) > 200 {
		in = in[:200]
	}
	var b strings.Builder
	for _, c := range in {
		if c < ' ' || c >= 0x7f || c == '"' || c == '\\' {
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
