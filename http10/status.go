package http10

// Status codes a stepwise server sends. RFC 1945 defines the first group; the
// rest come from later RFCs, because HTTP/1.0 is silent on request size limits,
// on methods not allowed for a resource and on protocol versions it cannot speak.
const (
	StatusOK        = 200 // RFC 1945, 9.2
	StatusCreated   = 201 // RFC 1945, 9.2
	StatusAccepted  = 202 // RFC 1945, 9.2
	StatusNoContent = 204 // RFC 1945, 9.2

	StatusMultipleChoices  = 300 // RFC 1945, 9.3 (the default for an unknown 3xx)
	StatusMovedPermanently = 301 // RFC 1945, 9.3
	StatusMovedTemporarily = 302 // RFC 1945, 9.3 (RFC 9110 calls it "Found")
	StatusNotModified      = 304 // RFC 1945, 9.3

	StatusBadRequest   = 400 // RFC 1945, 9.4
	StatusUnauthorized = 401 // RFC 1945, 9.4
	StatusForbidden    = 403 // RFC 1945, 9.4
	StatusNotFound     = 404 // RFC 1945, 9.4

	StatusMethodNotAllowed            = 405 // RFC 9110, 15.5.6 (RFC 1945 is silent)
	StatusRequestTimeout              = 408 // RFC 9110, 15.5.9 (RFC 1945 is silent)
	StatusContentTooLarge             = 413 // RFC 9110, 15.5.14 (RFC 1945 is silent)
	StatusURITooLong                  = 414 // RFC 9110, 15.5.15 (RFC 1945 is silent)
	StatusRequestHeaderFieldsTooLarge = 431 // RFC 6585, 5 (RFC 1945 is silent)

	StatusInternalServerError     = 500 // RFC 1945, 9.5
	StatusNotImplemented          = 501 // RFC 1945, 9.5
	StatusBadGateway              = 502 // RFC 1945, 9.5
	StatusServiceUnavailable      = 503 // RFC 1945, 9.5
	StatusHTTPVersionNotSupported = 505 // RFC 9110, 15.6.6 (RFC 1945 is silent)
)

// StatusText returns the reason phrase for code: "OK", "Not Found", ...
// For a code it does not know, it returns the phrase of the x00 code of the
// same class, since RFC 1945 (6.1.1) says an unrecognised code is to be
// treated as the x00 code of its class: 299 gives "OK", 418 "Bad Request".
// It returns "" when there is no such code either (1xx, which HTTP/1.0 does
// not define (9.1), and anything outside 100-599).
func StatusText(code int) string {
	if s := statusText(code); s != "" {
		return s
	}
	if code < 100 || code > 599 {
		return ""
	}
	return statusText(code / 100 * 100)
}

// statusText is the table behind StatusText: exact codes only.
func statusText(code int) string {
	switch code {
	case StatusOK:
		return "OK"
	case StatusCreated:
		return "Created"
	case StatusAccepted:
		return "Accepted"
	case StatusNoContent:
		return "No Content"
	case StatusMultipleChoices:
		return "Multiple Choices"
	case StatusMovedPermanently:
		return "Moved Permanently"
	case StatusMovedTemporarily:
		return "Moved Temporarily"
	case StatusNotModified:
		return "Not Modified"
	case StatusBadRequest:
		return "Bad Request"
	case StatusUnauthorized:
		return "Unauthorized"
	case StatusForbidden:
		return "Forbidden"
	case StatusNotFound:
		return "Not Found"
	case StatusMethodNotAllowed:
		return "Method Not Allowed"
	case StatusRequestTimeout:
		return "Request Timeout"
	case StatusContentTooLarge:
		return "Content Too Large"
	case StatusURITooLong:
		return "URI Too Long"
	case StatusRequestHeaderFieldsTooLarge:
		return "Request Header Fields Too Large"
	case StatusInternalServerError:
		return "Internal Server Error"
	case StatusNotImplemented:
		return "Not Implemented"
	case StatusBadGateway:
		return "Bad Gateway"
	case StatusServiceUnavailable:
		return "Service Unavailable"
	case StatusHTTPVersionNotSupported:
		return "HTTP Version Not Supported"
	}
	return ""
}

// Error is a constant error, for sentinels: http10 keeps no variables.
type Error string

func (e Error) Error() string { return string(e) }

// ErrUnavailable is what a file system's error matches (errors.Is) when a
// file cannot be opened for now, though it may exist: the server is out of
// file descriptors or memory. Respond answers 503, not 404.
const ErrUnavailable = Error("http10: temporarily unavailable")
