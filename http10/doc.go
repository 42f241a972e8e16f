// Package http10 turns bytes into HTTP/1.0 requests, and requests into
// response bytes, as RFC 1945 describes. It does no I/O of its own: the
// caller reads from a socket and hands the bytes in, and files come through
// an fs.FS (os.DirFS in the server, fstest.MapFS in tests). So every rule
// here can be tested, and fuzzed, without a network.
//
// The grammar it reads (RFC 1945, 4.1, 5.1, 3.1, 4.2 and 2.2):
//
//	Request        = Simple-Request | Full-Request
//	Simple-Request = "GET" SP Request-URI CRLF                ; HTTP/0.9
//	Full-Request   = Request-Line
//	                 *( General-Header | Request-Header | Entity-Header )
//	                 CRLF
//	                 [ Entity-Body ]
//	Request-Line   = Method SP Request-URI SP HTTP-Version CRLF
//	Method         = "GET" | "HEAD" | "POST" | extension-method
//	Request-URI    = absoluteURI | abs_path
//	HTTP-Version   = "HTTP" "/" 1*DIGIT "." 1*DIGIT
//	HTTP-header    = field-name ":" [ field-value ] CRLF
//	field-name     = token
//	field-value    = *( field-content | LWS )
//	LWS            = [CRLF] 1*( SP | HT )                      ; a folded line
//	token          = 1*<any CHAR except CTLs or tspecials>
//
// and the one it writes (6, 6.1):
//
//	Full-Response   = Status-Line
//	                  *( General-Header | Response-Header | Entity-Header )
//	                  CRLF
//	                  [ Entity-Body ]
//	Status-Line     = HTTP-Version SP Status-Code SP Reason-Phrase CRLF
//	Simple-Response = [ Entity-Body ]                         ; to a Simple-Request
//
// Like most servers, it reads more leniently than it writes (App. B): runs of
// SP or HT between the fields of the request line, a bare LF as the end of a
// line, empty lines before the request line. Where RFC 1945 is silent (size
// limits, Transfer-Encoding, white space before a colon) it follows RFC 9112
// and says so where it does.
//
// Reading order:
//
//   - request.go: Request, Limits, ProtocolError and ParseRequest, the
//     incremental parser, with the contract of bufio.SplitFunc: complete,
//     need more, or refused with a status.
//   - parse.go: how ParseRequest works, one pass to find the end of the head
//     and refuse early, one to build the Request.
//   - serve.go: Respond, from a Request and an fs.FS to a Response; Refuse,
//     the response to a refused request.
//   - response.go: Response and Append, the bytes on the wire.
//   - status.go, mime.go, date.go: status codes, content types, HTTP dates.
package http10
