package main

// The demo site's one big file, for lessons about slow readers: an answer
// too big for the kernel's socket buffers, so that a client that reads
// slowly holds up whoever writes to it. It is made as it is read, so the
// program carries no megabytes of it.

import (
	"io"
	"io/fs"
	"strconv"
	"time"
)

// numbersName is the big file's name in the demo site: /numbers.txt.
const numbersName = "numbers.txt"

// The file is numbersLines lines of lineBytes bytes each: 8 MiB, twice
// the most a Linux socket's send buffer grows to (tcp_wmem).
const (
	lineBytes    = 64
	numbersLines = 1 << 17
	numbersSize  = lineBytes * numbersLines
)

// numberLine is line i of the file, counting from 1, 64 bytes:
// "000001 of 131072, 64 bytes each: made by stepwise as it is read\n".
func numberLine(i int64) [lineBytes]byte {
	const text = " of 131072, 64 bytes each: made by stepwise as it is read\n"
	var line [lineBytes]byte
	digits := strconv.AppendInt(line[:0], 1000000+i, 10) // 1000001: the 1 pads
	copy(line[:], digits[1:])
	copy(line[6:], text)
	return line
}

// demoSite is the built-in site, with numbers.txt beside its files.
type demoSite struct{ fs.FS }

func (d demoSite) Open(name string) (fs.File, error) {
	if name == numbersName {
		return &numbersFile{}, nil
	}
	return d.FS.Open(name)
}

// numbersFile is numbers.txt, open: each Read makes the lines it returns.
type numbersFile struct{ off int64 }

func (f *numbersFile) Read(p []byte) (int, error) {
	if f.off >= numbersSize {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && f.off < numbersSize {
		line := numberLine(f.off/lineBytes + 1)
		k := copy(p[n:], line[f.off%lineBytes:])
		n += k
		f.off += int64(k)
	}
	return n, nil
}

func (f *numbersFile) Stat() (fs.FileInfo, error) { return numbersInfo{}, nil }
func (f *numbersFile) Close() error               { return nil }

// numbersInfo describes numbers.txt. Like the embedded files, it has no
// modification time, so its answer has no Last-Modified.
type numbersInfo struct{}

func (numbersInfo) Name() string       { return numbersName }
func (numbersInfo) Size() int64        { return numbersSize }
func (numbersInfo) Mode() fs.FileMode  { return 0o444 }
func (numbersInfo) ModTime() time.Time { return time.Time{} }
func (numbersInfo) IsDir() bool        { return false }
func (numbersInfo) Sys() any           { return nil }
