package main

// Pictures in the lessons, drawn from their own transcripts' runs.
//
// A picture in a doc is a stretch between two HTML comments, after the
// transcript it is drawn from:
//
//	<!-- picture: NAME [FLAGS] -->
//	```mermaid
//	(what stepwise draw -format mermaid FLAGS prints)
//	```
//	[SVG](pictures/NAME.svg) · drawn by `go run ./cmd/stepwise draw ...`
//	<!-- end -->
//
// NAME is a transcript of the same doc whose server writes its events as
// JSON lines: its $ line has -json FILE, so the fds in the trace are the
// ones a student sees with that command (the file takes one). FLAGS are
// stepwise draw's own (-format table or mermaid, the default; -rounds N,
// -conn c2, ...), not -o.
//
// TestLessons plays the transcript with FILE in a temporary directory;
// then, for each picture, rewrites in the events what changes from run
// to run, just as the transcripts are normalised (see the top of
// lessons_test.go); draws them with runDraw, the code of stepwise draw, in
// a code block of its format and as an SVG; and compares the two with the
// block in the doc and with docs/lessons/pictures/NAME.svg. -update
// writes both.
//
// Threads and processes show in the events under their ids, which change
// on every run and which a picture would show: a picture is drawn only of
// -model select or blocking.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stepwise/trace"
	"stepwise/trace/draw"
)

var lessonPictureMarker = regexp.MustCompile(`<!-- picture: (\S+)((?: \S+)*) -->\n`)

// A lessonPicture is the stretch of a doc between a picture's markers.
type lessonPicture struct {
	name       string   // the transcript it is drawn from
	flags      []string // stepwise draw's flags, -format first
	start, end int      // byte offsets of what is drawn, between the markers
}

// A lessonRan is what a picture needs of its transcript's run, kept
// when the run is over.
type lessonRan struct {
	port  string // the server's real port
	json  string // the file its -json named; "" for none
	jsonl []byte // what it wrote there
}

func keepLessonRun(t *testing.T, srv *lessonServer) *lessonRan {
	t.Helper()
	ran := &lessonRan{port: srv.port, json: srv.json}
	if srv.json != "" {
		var err error
		if ran.jsonl, err = os.ReadFile(srv.json); err != nil {
			t.Fatal(err)
		}
	}
	return ran
}

// lessonPictures checks the pictures in one doc, or with -update redraws
// them, and returns the doc's text. trs are its transcripts; a picture is
// checked only if its transcript was played to the end in this run.
func lessonPictures(t *testing.T, doc, text string, trs []*transcript) string {
	t.Helper()
	pics, err := parseLessonPictures(text)
	if err != nil {
		t.Errorf("%s: %v", doc, err)
		return text
	}
	// Rewrite from the end, so that earlier offsets stay good.
	for i := len(pics) - 1; i >= 0; i-- {
		pic := pics[i]
		k := slices.IndexFunc(trs, func(tr *transcript) bool { return tr.name == pic.name })
		if k < 0 {
			t.Errorf("%s: picture %s: the doc has no transcript %s", doc, pic.name, pic.name)
			continue
		}
		if trs[k].ran == nil {
			continue // not played in this run (go test -run), or it failed
		}
		t.Run(filepath.Base(doc)+"/picture-"+pic.name, func(t *testing.T) {
			svgFile := filepath.Join(filepath.Dir(doc), "pictures", pic.name+".svg")
			drawn, svg := drawLessonPicture(t, trs[k], pic)
			if *update {
				text = text[:pic.start] + drawn + text[pic.end:]
				if err := os.MkdirAll(filepath.Dir(svgFile), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(svgFile, svg, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			const again = "(go test ./cmd/stepwise -run Lessons -update draws the pictures again)"
			if old := text[pic.start:pic.end]; old != drawn {
				t.Errorf("%s, picture %s: %s; the run draws\n%s%s", doc, pic.name, lessonPictureDiff(old, drawn), drawn, again)
			}
			old, err := os.ReadFile(svgFile)
			switch {
			case err != nil:
				t.Errorf("%s, picture %s: %v %s", doc, pic.name, err, again)
			case !bytes.Equal(old, svg):
				t.Errorf("%s, picture %s: %s is not what the run draws %s", doc, pic.name, svgFile, again)
			}
		})
	}
	return text
}

func parseLessonPictures(doc string) ([]lessonPicture, error) {
	var pics []lessonPicture
	sts, err := stretches(doc, lessonPictureMarker, "picture")
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		name, m := st.name, st.m
		if slices.ContainsFunc(pics, func(p lessonPicture) bool { return p.name == name }) {
			return nil, fmt.Errorf("two pictures of transcript %s", name)
		}
		flags := strings.Fields(doc[m[4]:m[5]])
		for i, f := range flags {
			switch {
			case f == "-o" || strings.HasPrefix(f, "-o="):
				return nil, fmt.Errorf("picture %s: -o: the test says where the SVG goes (pictures/%s.svg)", name, name)
			case f == "-format" && (i+1 == len(flags) || flags[i+1] != "table" && flags[i+1] != "mermaid"):
				return nil, fmt.Errorf("picture %s: want -format table or mermaid (the SVG is drawn too, always)", name)
			}
		}
		if !slices.Contains(flags, "-format") {
			flags = append([]string{"-format", "mermaid"}, flags...)
		}
		pics = append(pics, lessonPicture{name: name, flags: flags, start: st.from, end: st.to})
	}
	return pics, nil
}

// drawLessonPicture draws pic from the events tr's server wrote: what goes
// between the markers, and the SVG.
func drawLessonPicture(t *testing.T, tr *transcript, pic lessonPicture) (drawn string, svg []byte) {
	t.Helper()
	line := tr.blocks[0].cmds[0]
	args := strings.Fields(line)
	if i := slices.Index(args, "-model"); i >= 0 && i+1 < len(args) && args[i+1] != "select" && args[i+1] != "blocking" {
		t.Fatalf("$ %s: a picture would show the ids of threads and processes, which change from run to run; draw -model select or blocking", line)
	}
	if tr.ran.json == "" {
		t.Fatalf("$ %s: a picture is drawn from the events its server writes: add -json %s.jsonl to its $ line", line, pic.name)
	}
	events, err := draw.Read(bytes.NewReader(tr.ran.jsonl))
	if err != nil {
		t.Fatalf("%s: %v", tr.ran.json, err)
	}
	// The events as the transcript shows them, in a file of the same name
	// (stepwise draw titles the picture with it).
	var jsonl bytes.Buffer
	for _, e := range lessonPictureEvents(events, tr.ran.port) {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		jsonl.Write(append(b, '\n'))
	}
	file := filepath.Join(t.TempDir(), filepath.Base(tr.ran.json))
	if err := os.WriteFile(file, jsonl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(flags ...string) string {
		var out, errs bytes.Buffer
		if err := runDraw(append(flags, file), &out, &errs); err != nil {
			t.Fatalf("stepwise draw %s: %v\n%s", strings.Join(flags, " "), err, errs.String())
		}
		return out.String()
	}
	text := run(pic.flags...)
	format := pic.flags[slices.Index(pic.flags, "-format")+1]
	svgFlags := slices.Clone(pic.flags)
	svgFlags[slices.Index(svgFlags, "-format")+1] = "svg"
	svg = []byte(run(svgFlags...))

	fence := "text"
	if format == "mermaid" {
		fence = "mermaid"
	}
	cmd := "go run ./cmd/stepwise draw " + strings.Join(pic.flags, " ") + " " + filepath.Base(file)
	drawn = "```" + fence + "\n" + text + "```\n" +
		"[SVG](pictures/" + pic.name + ".svg) · drawn by `" + cmd + "`\n"
	return drawn, svg
}

// lessonPictureEvents rewrites what changes from run to run in events,
// as normalise does in a transcript's lines: the listening port, clients'
// ports, dates, select's timeouts; and a call that EINTR cut short and
// that was made again at once on the same fd shows once. The times are
// left out.
func lessonPictureEvents(events []trace.JSONEvent, port string) []trace.JSONEvent {
	same := func(s string) string {
		if s == "" {
			return s
		}
		out := normalise([]string{s}, port, false)
		if len(out) != 1 {
			return s
		}
		return out[0]
	}
	first := func(args string) string { a, _, _ := strings.Cut(args, ","); return a }
	var kept []trace.JSONEvent
	for i, e := range events {
		if e.Errno == "EINTR" && i+1 < len(events) {
			next := events[i+1]
			if next.Kind == e.Kind && next.Name == e.Name && first(next.Args) == first(e.Args) && next.Comment == e.Comment {
				continue
			}
		}
		e.T = 0
		e.Args, e.Extra, e.Text, e.Comment = same(e.Args), same(e.Extra), same(e.Text), same(e.Comment)
		kept = append(kept, e)
	}
	return kept
}

// lessonPictureDiff says where the doc's picture, old, first differs from
// the one drawn.
func lessonPictureDiff(old, drawn string) string {
	a, b := strings.Split(old, "\n"), strings.Split(drawn, "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("its line %d is %q, not %q", i+1, x, y)
		}
	}
	return "it differs" // not reached: old != drawn
}
