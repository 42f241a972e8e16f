package http10

// HeadComplete reports whether buf begins with a whole request head: the
// request line and every header, up to the blank line (or the one line of
// an HTTP/0.9 Simple-Request). A server uses it to tell a client still
// sending its head from one sending its body, since each gets its own
// deadline. It says false for a head that ParseRequest would refuse.
func HeadComplete(buf []byte, lim Limits) bool {
	h, err := scanHead(buf, lim.WithDefaults())
	return err == nil && h.end > 0
}
