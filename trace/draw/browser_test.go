package draw

import (
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkJS runs in the browser over every <svg> of the page. It measures
// each <text> as the browser drew it (getBBox), and writes what it finds
// into <pre id="verdict">: one line per problem, or nothing.
//
//   - it rendered: the picture has a size, every text has one;
//   - it is legible: no text under 11px, and every text's colour has a
//     contrast of at least 4.5:1 (WCAG AA) with what is painted under it;
//   - nothing overlaps: no two texts' boxes meet, none sticks out of the
//     picture, and none but a header's own crosses a lane header;
//   - the layout's guess was safe: no text is wider than the room the
//     layout kept for it (charWidth of the font size per character).
var checkJS = `
(function () {
  const problems = [];
  const rgb = c => (c.match(/[\d.]+/g) || [255, 255, 255]).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const inside = (b, x, y) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
  const meet = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
  document.querySelectorAll('svg').forEach((svg, n) => {
    const name = 'svg ' + n + ': ';
    const W = svg.width.baseVal.value, H = svg.height.baseVal.value;
    if (!(W > 0 && H > 0 && svg.getBBox().width > 0)) problems.push(name + 'nothing drawn');
    const texts = Array.from(svg.querySelectorAll('text'));
    const rects = Array.from(svg.querySelectorAll('rect'));
    const heads = rects.filter(r => r.classList.contains('head')).map(r => r.getBBox());
    const all = Array.from(svg.querySelectorAll('*'));
    const boxes = texts.map(t => t.getBBox());
    texts.forEach((t, i) => {
      const b = boxes[i], s = getComputedStyle(t), size = parseFloat(s.fontSize);
      const what = name + 'text "' + t.textContent + '"';
      if (!(b.width > 0 && b.height > 0)) problems.push(what + ' has no size: not drawn');
      if (size < 11) problems.push(what + ' is ' + size + 'px, under 11px');
      if (b.width > t.textContent.length * size * ` + charWidthJS + ` + 0.5) problems.push(what + ' is ' + b.width.toFixed(1) + 'px wide, more than the layout kept');
      if (b.x < 0 || b.y < 0 || b.x + b.width > W || b.y + b.height > H) problems.push(what + ' is outside the picture');
      for (let j = i + 1; j < texts.length; j++) {
        if (meet(b, boxes[j])) problems.push(what + ' overlaps "' + texts[j].textContent + '"');
      }
      const own = heads.filter(h => meet(b, h));
      if (own.length > 1 || own.length === 1 && !(b.x >= own[0].x && b.x + b.width <= own[0].x + own[0].width)) problems.push(what + ' crosses a lane header');
      // The background: the last filled rect painted before the text
      // under the text's middle.
      const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      let bg = 'rgb(255, 255, 255)';
      for (const r of rects) {
        if (all.indexOf(r) > all.indexOf(t)) break;
        const f = getComputedStyle(r).fill;
        if (f !== 'none' && inside(r.getBBox(), cx, cy)) bg = f;
      }
      const c = contrast(s.fill, bg);
      if (c < 4.5) problems.push(what + ' has contrast ' + c.toFixed(2) + ' (' + s.fill + ' on ' + bg + '), under 4.5');
    });
  });
  document.getElementById('verdict').textContent = problems.join('\n');
})();
`

// charWidthJS is charWidth for the script.
var charWidthJS = strconv.FormatFloat(charWidth, 'f', -1, 64)

// chromium finds Debian's Chromium, or fails saying how to install it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser test needs Chromium to render the SVG (apt-get install chromium)")
	return ""
}

// badSVG breaks each rule checkJS checks once, to show that it would
// notice: the test expects each of these problems, and no other.
const badSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" font-family="monospace" font-size="12">
<rect class="head" x="200" y="0" width="60" height="30" fill="#f4f4f4"/>
<text x="10" y="20">one label</text>
<text x="40" y="24">overlaps</text>
<text x="10" y="60" font-size="9">too small</text>
<text x="10" y="80" fill="#cccccc">too faint</text>
<text x="250" y="96">outside</text>
<text x="180" y="20">header</text>
<text x="10" y="44" letter-spacing="4">wider than kept</text>
</svg>
`

// badProblems are what checkJS must say about badSVG.
var badProblems = []string{
	`"one label" overlaps "overlaps"`,
	`"too small" is 9px, under 11px`,
	`"too faint" has contrast`,
	`"outside" is outside the picture`,
	`"header" crosses a lane header`,
	`"wider than kept" is`,
}

// TestBrowser draws the fixture's SVG, with the default labels and with
// narrow ones (lanes packed close), and a crowd of clients, in headless
// Chromium, and reads the verdict of checkJS from the page. A fourth,
// broken picture shows that the check finds what it looks for.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	narrow := options()
	narrow.Label = 20
	var page strings.Builder
	page.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>draw</title></head><body style=\"margin:0\">\n")
	for _, opt := range []Options{options(), narrow} {
		page.Write(render(t, New(session(t), opt), (*Diagram).SVG))
	}
	page.Write(render(t, New(crowd(), narrow), (*Diagram).SVG))
	page.WriteString(badSVG)
	page.WriteString("<pre id=\"verdict\">the check did not run</pre>\n<script>" + checkJS + "</script>\n</body></html>\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", bin, err, stderr.String())
	}
	m := regexp.MustCompile(`(?s)<pre id="verdict">(.*?)</pre>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no verdict in the page Chromium dumped:\n%s", out)
	}
	verdict := html.UnescapeString(string(m[1]))
	var found []string
	for _, line := range strings.Split(verdict, "\n") {
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "svg 3: text "); ok {
			found = append(found, rest)
			continue
		}
		t.Errorf("the browser found a problem: %s", line)
	}
	for _, want := range badProblems {
		if !slices.ContainsFunc(found, func(f string) bool { return strings.HasPrefix(f, want) }) {
			t.Errorf("the check did not notice, in a broken picture, %s; it found:\n%s", want, strings.Join(found, "\n"))
		}
	}
	if len(found) != len(badProblems) {
		t.Errorf("in the broken picture, the check found %d problems; want %d:\n%s", len(found), len(badProblems), strings.Join(found, "\n"))
	}
}
