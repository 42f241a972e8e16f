package trace_test

import (
	"os"

	"stepwise/trace"
)

func ExampleTracer() {
	t := trace.New(os.Stdout, trace.Options{Color: false})
	req := []byte("GET / HTTP/1.0\r\n\r\n")
	if t.On() {
		t.Emit(trace.Event{Kind: trace.Syscall, Conn: 1, Name: "read",
			Args: "5, " + t.Quote(req) + ", 4096", Ret: len(req), Comment: trace.Label(1)})
		t.Emit(trace.Event{Kind: trace.Recv, Conn: 1, Text: "GET / HTTP/1.0"})
		t.Emit(trace.Event{Kind: trace.State, Conn: 1, Text: "reading -> writing"})
	}
	t.Flush()
	// Output:
	// read(5, "GET / HTTP/1.0\r\n\r\n", 4096) = 18 /* c1 */
	// c1 > GET / HTTP/1.0
	// --- c1 reading -> writing ---
}
