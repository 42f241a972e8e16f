//go:build linux

package multiplex

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A Root serves what is under its directory and nothing else.
func TestRoot(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.txt", "hello\n")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	write("sub/b.txt", "bee\n")
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret\n"), 0o644)
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "out"))
	os.Symlink("a.txt", filepath.Join(dir, "in"))
	os.Symlink("../a.txt", filepath.Join(dir, "sub", "up"))
	os.Symlink("/", filepath.Join(dir, "slash"))
	if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "a.txt"), mtime, mtime)

	before := openFDs(t)
	r, err := OpenRoot(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		want    string // the content, if it opens
		wantErr error  // else the error it must match
	}{
		{"a.txt", "hello\n", nil},
		{"sub/b.txt", "bee\n", nil},
		{"in", "hello\n", nil},        // a symlink inside the root
		{"sub/up", "hello\n", nil},    // one that climbs, but stays inside
		{"out", "", fs.ErrPermission}, // one that leaves the root
		{"slash/etc/passwd", "", fs.ErrPermission},
		{"../etc/passwd", "", fs.ErrInvalid}, // not a valid fs path
		{"/etc/passwd", "", fs.ErrInvalid},
		{"missing", "", fs.ErrNotExist},
		{"a.txt/more", "", fs.ErrNotExist}, // ENOTDIR
	} {
		f, err := r.Open(tc.name)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Open(%q) error = %v; want %v", tc.name, err, tc.wantErr)
			}
			if f != nil {
				f.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("Open(%q): %v", tc.name, err)
			continue
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != tc.want {
			t.Errorf("Open(%q) read %q, %v; want %q", tc.name, b, err, tc.want)
		}
	}

	// Stat tells files from directories, and a FIFO opens without blocking
	// the loop and says it is not a regular file.
	for _, tc := range []struct {
		name string
		mode fs.FileMode
	}{{"a.txt", 0}, {".", fs.ModeDir}, {"sub", fs.ModeDir}, {"fifo", fs.ModeIrregular}} {
		f, err := r.Open(tc.name)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.name, err)
			continue
		}
		fi, err := f.Stat()
		f.Close()
		if err != nil || fi.Mode().Type() != tc.mode {
			t.Errorf("Stat(%q) mode type = %v, %v; want %v", tc.name, fi.Mode().Type(), err, tc.mode)
		}
	}
	f, _ := r.Open("a.txt")
	fi, _ := f.Stat()
	f.Close()
	if fi.Size() != 6 || !fi.ModTime().Equal(mtime) || fi.Name() != "a.txt" || fi.Mode().Perm() != 0o644 {
		t.Errorf("Stat(a.txt) = size %d, mtime %v, name %q, perm %v; want 6, %v, a.txt, -rw-r--r--", fi.Size(), fi.ModTime(), fi.Name(), fi.Mode().Perm(), mtime)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("open fds: %d before, %d after; want no change", before, after)
	}
	if _, err := OpenRoot(filepath.Join(dir, "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenRoot(missing dir) error = %v; want not exist", err)
	}
}
