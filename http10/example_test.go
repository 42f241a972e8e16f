package http10_test

import (
	"fmt"
	"testing/fstest"
	"time"

	"stepwise/http10"
)

func ExampleParseRequest() {
	// The bytes arrive in two reads; the first is not a whole request yet.
	buf := []byte("GET /docs/../index.html HTTP/1.0\r\nHost: localhost:8080\r\n")
	req, n, err := http10.ParseRequest(buf, http10.Limits{})
	fmt.Println(req, n, err)

	buf = append(buf, "\r\n"...)
	req, n, err = http10.ParseRequest(buf, http10.Limits{})
	fmt.Println(req.Method, req.Path, req.Major, req.Minor, req.Get("host"), n, err)

	_, _, err = http10.ParseRequest([]byte("DELETE / HTTP/1.0\r\n"), http10.Limits{})
	fmt.Println(err, err.(*http10.ProtocolError).Status)
	// Output:
	// <nil> 0 <nil>
	// GET /index.html 1 0 localhost:8080 58 <nil>
	// http10: method "DELETE" is not implemented 501
}

func ExampleResponse_Append() {
	fsys := fstest.MapFS{"hello.txt": {Data: []byte("Hello, world!\n")}}
	req, _, _ := http10.ParseRequest([]byte("GET /hello.txt HTTP/1.1\r\n\r\n"), http10.Limits{})
	now := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)
	resp := http10.Respond(fsys, req, now)
	fmt.Println(resp.Note)
	fmt.Printf("%q\n", resp.Append(nil))
	// Output:
	// file "/hello.txt" (14 bytes, text/plain)
	// "HTTP/1.0 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: stepwise\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\nHello, world!\n"
}
