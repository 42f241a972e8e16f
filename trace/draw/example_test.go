package draw_test

import (
	"fmt"
	"os"
	"strings"

	"stepwise/trace/draw"
)

// A few lines of a trace, as stepwise -json writes them: select wakes for
// the listener, accept, select wakes for the client, read, and what the
// server made of the bytes.
const jsonl = `{"seq":1,"kind":"syscall","name":"pselect6","args":"5, [3 4], [], NULL, NULL, NULL","ret":1,"extra":"(in [3])","comment":"3=listener 4=signals"}
{"seq":2,"kind":"syscall","conn":1,"name":"accept4","args":"3, {sa_family=AF_INET, sin_port=htons(51234), sin_addr=inet_addr(\"127.0.0.1\")}, [112 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK","ret":5,"comment":"c1"}
{"seq":3,"kind":"syscall","name":"pselect6","args":"6, [3 4 5], [], NULL, {tv_sec=10, tv_nsec=0}, NULL","ret":1,"extra":"(in [5])","comment":"3=listener 4=signals 5=c1"}
{"seq":4,"kind":"syscall","conn":1,"name":"read","args":"5, \"GET / HTTP/1.0\\r\\n\\r\\n\", 16384","ret":18,"comment":"c1"}
{"seq":5,"kind":"recv","conn":1,"name":"request-line","text":"GET / HTTP/1.0"}
{"seq":6,"kind":"recv","conn":1,"name":"header"}
{"seq":7,"kind":"send","conn":1,"name":"status","text":"HTTP/1.0 200 OK"}
`

func ExampleDiagram_Table() {
	events, err := draw.Read(strings.NewReader(jsonl))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The server's select is the pselect6 system call: the caller says so
	// (cmd/stepwise asks multiplex).
	d := draw.New(events, draw.Options{Round: []string{"pselect6"}})
	d.Table(os.Stdout)
	// Output:
	// round  read set  write set  ready   done
	//     1  [3 4]     []         in [3]  c1: accept4 3 = 5
	//     2  [3 4 5]   []         in [5]  c1: read 5 = 18, > GET / HTTP/1.0, < HTTP/1.0 200 OK
}

func ExampleDiagram_Mermaid() {
	events, err := draw.Read(strings.NewReader(jsonl))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := draw.New(events, draw.Options{Round: []string{"pselect6"}, Title: "one request"})
	d.Mermaid(os.Stdout)
	// Output:
	// sequenceDiagram
	//     title one request
	//     participant C1 as c1 (fd 5)
	//     participant S as server loop (3=listener 4=signals)
	//     participant K as kernel
	//     rect rgba(70, 120, 200, 0.14)
	//         S->>K: round 1: pselect6(rd [3 4], wr [])
	//         K-->>S: = 1 (in [3])
	//         S->>K: accept4(3, {...}, [112 => 16], ...) = 5
	//     end
	//     rect rgba(128, 128, 128, 0.12)
	//         S->>K: round 2: pselect6(rd [3 4 5], wr [])
	//         K-->>S: = 1 (in [5])
	//         S->>K: read(5, "GET / HTTP/1.0\r\n"..., 16384) = 18
	//         C1->>S: GET / HTTP/1.0 (+1 line)
	//         S-->>C1: HTTP/1.0 200 OK
	//     end
}
