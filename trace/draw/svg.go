package draw

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
)

// The SVG's measures, in pixels. Text is in the generic monospace font, so
// its width is known before any browser sees it: each character is at most
// charWidth of the font size wide (DejaVu Sans Mono's advance is 0.602,
// Liberation Mono's and Courier's 0.6, Consolas' 0.55). The layout keeps
// that much room for every label, so no two labels can meet.
const (
	fontSize   = 12.0 // labels, notes, the legend
	headSize   = 13.0 // lane names
	titleSize  = 16.0
	charWidth  = 0.62 // of the font size
	ascent     = 0.95 // of the font size, above the baseline
	descent    = 0.3  // below it
	margin     = 16.0
	pad        = 8.0
	lineHeight = 16.0 // between the lines of a note
	arrowRow   = 30.0 // the height of an arrow's row
	headHeight = 44.0 // a lane's header box
	headGap    = 16.0 // between two header boxes
	arrowHead  = 9.0
	bandPad    = 6.0 // above the first row of a band and below the last
)

// Colours: ink for the server's own calls; one colour per connection, none
// of them red, which is kept for failures; light tints for the bands. All
// are dark enough on every tint to be read (the browser test measures the
// contrast).
const (
	ink       = "#1a1a1a"
	muted     = "#444444"
	failColor = "#b3261e"
	lifeline  = "#8a8a8a"
	headFill  = "#f4f4f4"
	noteFill  = "#fff6d5"
	noteLine  = "#b89f3a"
)

func connColor(conn int) string {
	if conn <= 0 {
		return ink
	}
	palette := [...]string{"#1d4f91", "#256b2a", "#5e3a8c", "#00695c", "#7a4a00", "#3b4a5a", "#5a5a00", "#8a1c6c"}
	return palette[(conn-1)%len(palette)]
}

// bandColor is a band's shade: none for the start, then two tints in
// turn, as SVG fills and as Mermaid's rect colours (translucent, so that
// they suit a dark theme too).
type bandColor struct{ fill, mermaid string }

func bandColors(round int) bandColor {
	switch {
	case round == 0:
		return bandColor{"#ffffff", ""}
	case round%2 == 1:
		return bandColor{"#eaf0fa", "rgba(70, 120, 200, 0.14)"}
	}
	return bandColor{"#f3f3f3", "rgba(128, 128, 128, 0.12)"}
}

// A box is a rectangle: its top left corner, width and height.
type box struct{ x, y, w, h float64 }

func (a box) overlaps(b box) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
}

// A picture is the SVG being built: its elements in the order they are
// painted, and the box that each text takes, for the geometry test.
type picture struct {
	w, h  float64
	elems []string
	texts []box
	heads []box // the lane headers, top and bottom
}

// textWidth is the room n characters take at size.
func textWidth(s string, size float64) float64 { return float64(runes(s)) * size * charWidth }

// text adds a line of text with its baseline at y, starting at x (anchor
// "start") or centred on it ("middle"). halo, if not empty, is painted
// around the letters first, so that a label stays legible over a line.
func (p *picture) text(x, y float64, s string, size float64, bold bool, anchor, fill, halo string) {
	w := textWidth(s, size)
	left := x
	if anchor == "middle" {
		left = x - w/2
	}
	p.texts = append(p.texts, box{left, y - ascent*size, w, (ascent + descent) * size})
	var b strings.Builder
	b.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"`)
	if size != fontSize {
		b.WriteString(` font-size="` + num(size) + `"`)
	}
	if bold {
		b.WriteString(` font-weight="bold"`)
	}
	if anchor != "start" {
		b.WriteString(` text-anchor="` + anchor + `"`)
	}
	b.WriteString(` fill="` + fill + `"`)
	if halo != "" {
		b.WriteString(` stroke="` + halo + `" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`)
	}
	b.WriteString(`>` + escapeXML(s) + `</text>`)
	p.elems = append(p.elems, b.String())
}

// rect adds a rectangle; class, if not empty, names what it is for the
// browser test ("head" for a lane's header).
func (p *picture) rect(r box, fill, stroke string, rx float64, class string) {
	s := `<rect `
	if class != "" {
		s += `class="` + class + `" `
	}
	s += `x="` + num(r.x) + `" y="` + num(r.y) + `" width="` + num(r.w) + `" height="` + num(r.h) + `"`
	if rx > 0 {
		s += ` rx="` + num(rx) + `"`
	}
	s += ` fill="` + fill + `"`
	if stroke != "" {
		s += ` stroke="` + stroke + `"`
	}
	p.elems = append(p.elems, s+`/>`)
}

func (p *picture) line(x1, y1, x2, y2 float64, stroke, dash string) {
	s := `<line x1="` + num(x1) + `" y1="` + num(y1) + `" x2="` + num(x2) + `" y2="` + num(y2) + `" stroke="` + stroke + `"`
	if dash != "" {
		s += ` stroke-dasharray="` + dash + `"`
	}
	p.elems = append(p.elems, s+`/>`)
}

// arrow draws an arrow from x1 to x2 at height y, its head at x2.
func (p *picture) arrow(x1, x2, y float64, color string, dashed bool) {
	dir := 1.0
	if x2 < x1 {
		dir = -1
	}
	dash := ""
	if dashed {
		dash = "6 4"
	}
	tip := x2 - dir
	p.line(x1, y, tip-dir*arrowHead, y, color, dash)
	base := tip - dir*arrowHead
	p.elems = append(p.elems, `<path d="M`+num(tip)+` `+num(y)+`L`+num(base)+` `+num(y-4.5)+`L`+num(base)+` `+num(y+4.5)+`Z" fill="`+color+`"/>`)
}

// num writes a coordinate to a tenth of a pixel.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// SVG writes the diagram as a self-contained SVG: no fonts, scripts or
// images from elsewhere.
func (d *Diagram) SVG(w io.Writer) error {
	p := d.layout()
	out := bufio.NewWriter(w)
	out.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + num(p.w) + `" height="` + num(p.h) +
		`" viewBox="0 0 ` + num(p.w) + ` ` + num(p.h) + `" font-family="monospace" font-size="` + num(fontSize) + `">` + "\n")
	title := d.opt.Title
	if title == "" {
		title = "sequence diagram"
	}
	out.WriteString("<title>" + escapeXML(title+": "+d.summary()) + "</title>\n")
	out.WriteString("<style>text { white-space: pre; }</style>\n")
	for _, e := range p.elems {
		out.WriteString(e + "\n")
	}
	out.WriteString("</svg>\n")
	return out.Flush()
}

// legend is the key under the diagram: one sample and one line for each
// kind of mark.
func (d *Diagram) legend() []string {
	round := "the round call"
	if len(d.opt.Round) > 0 {
		round = d.opt.Round[0]
	}
	return []string{
		"a system call and its result, or what a client sent",
		"an answer: the fds " + round + " found ready, or what the server sends",
		"a decision the server took, or a signal",
		"a connection's new state",
		"one round of the loop, from one " + round + " to the next",
		"a call that failed: -1 and its errno",
	}
}

// layout places every lane, band, arrow, note and label.
func (d *Diagram) layout() *picture {
	p := &picture{}
	n := len(d.lanes)

	// Across: the gutter for the bands' names, then the lanes, each as far
	// right as its header, its notes and the labels of its arrows need.
	gutter := 0.0
	for _, b := range d.bands {
		gutter = max(gutter, textWidth(b.title(), fontSize))
	}
	left := margin + pad + gutter + pad
	half := make([]float64, n) // half the widest thing centred on a lane
	for i, l := range d.lanes {
		half[i] = max(textWidth(l.name, headSize), textWidth(l.sub, fontSize))/2 + pad
	}
	need := make([][]float64, n) // need[i][j]: room between lanes i < j
	for i := range need {
		need[i] = make([]float64, n)
		if i+1 < n {
			need[i][i+1] = half[i] + half[i+1] + headGap
		}
	}
	heads := append([]float64(nil), half...)
	for _, b := range d.bands {
		for _, s := range b.steps {
			w := 0.0
			for _, line := range s.lines {
				w = max(w, textWidth(line, fontSize))
			}
			if s.note {
				half[s.from] = max(half[s.from], w/2+pad)
				continue
			}
			i, j := min(s.from, s.to), max(s.from, s.to)
			need[i][j] = max(need[i][j], w+2*pad+arrowHead)
		}
	}
	x := make([]float64, n)
	right := 0.0
	for j := range n {
		x[j] = left + half[j]
		for i := range j {
			x[j] = max(x[j], x[i]+need[i][j])
		}
		right = max(right, x[j]+half[j])
	}
	width := right + pad + margin
	legend := d.legend()
	for _, line := range legend {
		width = max(width, margin+56+textWidth(line, fontSize)+margin)
	}
	width = max(width, margin+textWidth(d.opt.Title, titleSize)+margin, margin+textWidth(d.summary(), fontSize)+margin)
	p.w = math.Ceil(width)

	// Down: title, headers, the bands one under the other, the headers
	// again, the legend.
	y := margin
	if d.opt.Title != "" {
		y += titleSize
		p.text(margin, y, d.opt.Title, titleSize, true, "start", ink, "")
		y += 6
	}
	y += fontSize
	p.text(margin, y, d.summary(), fontSize, false, "start", muted, "")
	y += 14
	// The bands' shades first, then the lifelines over them, then what
	// happens on them.
	top := y
	y += headHeight + 10
	starts := make([]float64, len(d.bands))
	for i, b := range d.bands {
		starts[i] = y
		if b.round > 0 {
			p.rect(box{margin, y, p.w - 2*margin, bandHeight(b)}, bandColors(b.round).fill, "", 0, "")
		}
		y += bandHeight(b)
	}
	y += 10
	bottom := y
	for i := range d.lanes {
		p.line(x[i], top+headHeight, x[i], bottom, lifeline, "3 4")
	}
	d.layoutHeads(p, x, heads, top)
	d.layoutHeads(p, x, heads, bottom)
	for i, b := range d.bands {
		d.layoutBand(p, b, x, starts[i])
	}
	y += headHeight + 20

	samples := []func(y float64){
		func(y float64) { p.arrow(margin, margin+44, y, ink, false) },
		func(y float64) { p.arrow(margin+44, margin, y, ink, true) },
		func(y float64) { p.rect(box{margin, y - 8, 44, 16}, noteFill, noteLine, 3, "") },
		func(y float64) { p.rect(box{margin, y - 8, 44, 16}, "#ffffff", connColor(1), 3, "") },
		func(y float64) { p.rect(box{margin, y - 8, 44, 16}, bandColors(1).fill, "", 0, "") },
		func(y float64) { p.arrow(margin, margin+44, y, failColor, false) },
	}
	for i, line := range legend {
		samples[i](y)
		p.text(margin+56, y+4, line, fontSize, false, "start", ink, "")
		y += 22
	}
	p.h = math.Ceil(y - 22 + 8 + margin)
	return p
}

// layoutHeads draws the lane headers with their top at y.
func (d *Diagram) layoutHeads(p *picture, x, half []float64, y float64) {
	for i, l := range d.lanes {
		r := box{x[i] - half[i] + pad/2, y, 2*half[i] - pad, headHeight}
		p.heads = append(p.heads, r)
		stroke, color := "#555555", ink
		if l.conn > 0 {
			stroke, color = connColor(l.conn), connColor(l.conn)
		}
		p.rect(r, headFill, stroke, 4, "head")
		if l.sub == "" {
			p.text(x[i], y+headHeight/2+headSize*0.35, l.name, headSize, true, "middle", color, "")
			continue
		}
		p.text(x[i], y+19, l.name, headSize, true, "middle", color, "")
		p.text(x[i], y+36, l.sub, fontSize, false, "middle", muted, "")
	}
}

// stepHeight is the height of a step's row: an arrow's, or a note's with
// its lines.
func stepHeight(s step) float64 {
	if !s.note {
		return arrowRow
	}
	return noteHeight(len(s.lines)) + 8
}

func noteHeight(lines int) float64 {
	return 2*bandPad + (ascent+descent)*fontSize + float64(lines-1)*lineHeight
}

// bandHeight is the height of band b.
func bandHeight(b band) float64 {
	h := 2 * bandPad
	for _, s := range b.steps {
		h += stepHeight(s)
	}
	return h
}

// layoutBand draws the rows of band b from y down.
func (d *Diagram) layoutBand(p *picture, b band, x []float64, y float64) {
	shade := bandColors(b.round).fill
	y += bandPad
	p.text(margin+pad, y+16, b.title(), fontSize, true, "start", muted, "")
	for _, s := range b.steps {
		color := connColor(s.conn)
		if s.failed {
			color = failColor
		}
		if !s.note {
			// The label above the line, clear of the arrow's head.
			x1, x2 := x[s.from], x[s.to]
			at := x1 + pad
			if x2 < x1 {
				at = x2 + arrowHead + pad
			}
			p.text(at, y+16, s.lines[0], fontSize, false, "start", color, shade)
			p.arrow(x1, x2, y+23, color, s.dashed)
			y += arrowRow
			continue
		}
		w := 0.0
		for _, line := range s.lines {
			w = max(w, textWidth(line, fontSize))
		}
		fill, stroke := noteFill, noteLine
		if s.from != d.server() {
			fill, stroke = "#ffffff", color
		}
		p.rect(box{x[s.from] - w/2 - pad, y + 4, w + 2*pad, noteHeight(len(s.lines))}, fill, stroke, 3, "")
		for k, line := range s.lines {
			p.text(x[s.from]-w/2, y+4+bandPad+ascent*fontSize+float64(k)*lineHeight, line, fontSize, false, "start", color, "")
		}
		y += stepHeight(s)
	}
}
