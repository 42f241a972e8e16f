//go:build linux

package multiplex

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
	"stepwise/trace"
)

// A Root serves what is under its directory and nothing else.
func TestRoot(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write := func(name, data string) { t.Helper(); writeFile(t, dir, name, data) }
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
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sock)
	if err := unix.Bind(sock, &unix.SockaddrUnix{Name: filepath.Join(dir, "sock")}); err != nil {
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
		{"sock", "", fs.ErrPermission},     // ENXIO: there, but no file
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

// A small file read whole is kept, and served again after one stat by
// name that shows it unchanged; a change of any kind is seen, and a
// symlink swapped to lead out of the root is refused as before.
func TestFileCache(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write := func(name, data string) { t.Helper(); writeFile(t, dir, name, data) }
	write("a.txt", "hello\n")
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret\n"), 0o644)
	os.Symlink("a.txt", filepath.Join(dir, "link"))
	var buf bytes.Buffer
	r, err := OpenRoot(dir, trace.New(&buf, trace.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// get reads name as http10 does, and returns its content and the
	// system calls it took.
	get := func(name string) (string, []string, error) {
		t.Helper()
		r.k.t.Flush()
		buf.Reset()
		f, err := r.Open(name)
		if err != nil {
			r.k.t.Flush()
			return "", calls(buf.String()), err
		}
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, fi.Size())
		_, err = io.ReadFull(f, b)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		r.k.t.Flush()
		return string(b), calls(buf.String()), nil
	}
	check := func(name, want string, wantCalls ...string) {
		t.Helper()
		got, cs, err := get(name)
		if err != nil || got != want || strings.Join(cs, " ") != strings.Join(wantCalls, " ") {
			t.Errorf("%s: %q, %v with calls %v; want %q with %v", name, got, err, cs, want, wantCalls)
		}
	}
	opened := []string{"openat2", "fstat", "read", "close"}

	// Just written: too new to trust its timestamps, so never cached.
	check("a.txt", "hello\n", opened...)
	check("a.txt", "hello\n", opened...)

	// From now on every file counts as changed long ago.
	r.cache.now = func() time.Time { return time.Now().Add(time.Hour) }
	check("a.txt", "hello\n", opened...)
	check("a.txt", "hello\n", "newfstatat")
	if !strings.Contains(buf.String(), "sent from memory") {
		t.Errorf("trace of a cached file does not say so:\n%s", buf.String())
	}
	write("a.txt", "changed\n")
	check("a.txt", "changed\n", append([]string{"newfstatat"}, opened...)...)
	check("link", "changed\n", opened...)
	check("link", "changed\n", "newfstatat")

	os.Remove(filepath.Join(dir, "link"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link"))
	if _, cs, err := get("link"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("link swapped to lead outside: %v with calls %v; want permission denied", err, cs)
	}
	os.Remove(filepath.Join(dir, "a.txt"))
	if _, cs, err := get("a.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed file: %v with calls %v; want not exist", err, cs)
	}
}

// A change that keeps the size and puts the mtime back (touch -d, rsync
// --times, a checkout) still changes the ctime, which nobody can set by
// hand: the cached bytes are not sent again.
func TestFileCacheSeesCtime(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "hello\n")
	r, err := OpenRoot(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.cache.now = func() time.Time { return time.Now().Add(time.Hour) } // every change long ago
	read := func() string {
		t.Helper()
		f, err := r.Open("a.txt")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Stat(); err != nil { // as http10 does: fstat says whether to keep it
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	fi, err := os.Stat(filepath.Join(dir, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	read() // read whole: cached
	if r.cache.get("a.txt") == nil {
		t.Fatal("a.txt was not cached")
	}
	writeFile(t, dir, "a.txt", "HELLO\n") // same size
	if err := os.Chtimes(filepath.Join(dir, "a.txt"), fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "HELLO\n" {
		t.Errorf("after a same-size write with the mtime put back: %q; want the new bytes", got)
	}
}

// The cache counts the bytes it holds, an entry replaced or dropped
// included, and starts again empty rather than hold more than cacheBytes.
func TestFileCacheBounded(t *testing.T) {
	fc := newFileCache()
	put := func(name string, n int) { fc.put(name, &cachedFile{data: make([]byte, n)}) }
	put("a", 100)
	put("a", 300) // replaced: the old bytes are not counted twice
	put("b", 50)
	if fc.bytes != 350 {
		t.Errorf("holding a (300) and b (50): %d bytes counted; want 350", fc.bytes)
	}
	fc.drop("b")
	if fc.bytes != 300 || fc.get("b") != nil {
		t.Errorf("after dropping b: %d bytes counted, b %v; want 300, gone", fc.bytes, fc.get("b"))
	}
	for i := range cacheBytes/http10.InlineBytes + 1 {
		put(strconv.Itoa(i), http10.InlineBytes)
		if fc.bytes > cacheBytes {
			t.Fatalf("after %d files of %d bytes: %d bytes held; want at most %d", i+1, http10.InlineBytes, fc.bytes, cacheBytes)
		}
	}
	if fc.get("a") != nil {
		t.Error("a is still cached after the cache filled up and started again")
	}
}

// calls lists the names of the system calls in a trace, in order.
func calls(trace string) []string {
	var names []string
	for _, line := range strings.Split(trace, "\n") {
		if i := strings.IndexByte(line, '('); i > 0 && !strings.ContainsAny(line[:i], " *") {
			names = append(names, line[:i])
		}
	}
	return names
}

func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A directory the server may search but not list (mode 0311, as a home
// directory of mode 711 is) still serves the files in it, root included:
// nginx and python3 -m http.server serve its index.html, and so does cat.
// An unreadable file in it is still refused.
func TestRootSearchOnlyDirectory(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "site"), 0o755)
	os.Mkdir(filepath.Join(dir, "site", "sub"), 0o755)
	writeFile(t, dir, "site/a.txt", "hello\n")
	writeFile(t, dir, "site/sub/index.html", "sub\n")
	writeFile(t, dir, "site/locked.txt", "secret\n")
	os.Chmod(filepath.Join(dir, "site", "locked.txt"), 0)
	os.Chmod(filepath.Join(dir, "site", "sub"), 0o311)
	os.Chmod(filepath.Join(dir, "site"), 0o311)
	t.Cleanup(func() { // before t.TempDir's, which must list them
		os.Chmod(filepath.Join(dir, "site"), 0o755)
		os.Chmod(filepath.Join(dir, "site", "sub"), 0o755)
	})
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // t.TempDir's parent is 0700

	asNobody(t, func() {
		if fd, err := unix.Open(filepath.Join(dir, "site"), unix.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
			unix.Close(fd)
			t.Fatal("a directory of mode 0311 could be listed: this test needs file permissions enforced (as root, setfsuid to nobody does that)")
		}
		before := openFDs(t)
		var buf bytes.Buffer
		r, err := OpenRoot(filepath.Join(dir, "site"), trace.New(&buf, trace.Options{}))
		if err != nil {
			t.Fatalf("OpenRoot(a directory of mode 0311): %v; want it served", err)
		}
		for _, tc := range []struct {
			name, want string
			dir        bool
		}{{"a.txt", "hello\n", false}, {"sub", "", true}, {"sub/index.html", "sub\n", false}} {
			f, err := r.Open(tc.name)
			if err != nil {
				t.Errorf("Open(%q): %v", tc.name, err)
				continue
			}
			fi, err := f.Stat()
			switch {
			case err != nil:
				t.Errorf("Stat(%q): %v", tc.name, err)
			case fi.IsDir() != tc.dir:
				t.Errorf("Stat(%q).IsDir() = %v; want %v", tc.name, fi.IsDir(), tc.dir)
			case !tc.dir:
				if b, err := io.ReadAll(f); string(b) != tc.want || err != nil {
					t.Errorf("read %q = %q, %v; want %q", tc.name, b, err, tc.want)
				}
			}
			f.Close()
		}
		if _, err := r.Open("locked.txt"); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Open(an unreadable file) error = %v; want permission denied", err)
		}
		r.Close()
		r.k.t.Flush()
		if after := openFDs(t); after != before {
			t.Errorf("fds open: %d before, %d after", before, after)
		}
		if !strings.Contains(buf.String(), "O_RDONLY|O_CLOEXEC|O_PATH|O_DIRECTORY") {
			t.Errorf("the trace does not show the O_PATH open:\n%s", buf.String())
		}
	})
}

// asNobody runs f on one thread whose file system uid is nobody's: it is
// refused what nobody is, even when the test runs as root (setfsuid drops
// the capabilities that override permissions, for this thread only).
func asNobody(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if os.Geteuid() == 0 {
			unix.Setfsuid(65534)
			unix.Setfsgid(65534)
		}
		f()
	}()
	<-done
}

// fstat of a named pipe or a device is shown as strace shows it: its type
// by name, and a device's numbers rather than its size.
func TestStatArgAsStrace(t *testing.T) {
	for _, tc := range []struct {
		st   unix.Stat_t
		want string
	}{
		{unix.Stat_t{Mode: unix.S_IFREG | 0o644, Size: 6}, "{st_mode=S_IFREG|0644, st_size=6, ...}"},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o311, Size: 4096}, "{st_mode=S_IFDIR|0311, st_size=4096, ...}"},
		{unix.Stat_t{Mode: unix.S_IFIFO | 0o644}, "{st_mode=S_IFIFO|0644, st_size=0, ...}"},
		{unix.Stat_t{Mode: unix.S_IFCHR | 0o644, Rdev: unix.Mkdev(1, 3)}, "{st_mode=S_IFCHR|0644, st_rdev=makedev(0x1, 0x3), ...}"},
		{unix.Stat_t{Mode: unix.S_IFBLK | 0o660, Rdev: unix.Mkdev(8, 17)}, "{st_mode=S_IFBLK|0660, st_rdev=makedev(0x8, 0x11), ...}"},
		// strace's own answers, for modes 0, 7, 04755 and 01777 (/tmp).
		{unix.Stat_t{Mode: unix.S_IFREG}, "{st_mode=S_IFREG|000, st_size=0, ...}"},
		{unix.Stat_t{Mode: unix.S_IFREG | 0o7}, "{st_mode=S_IFREG|007, st_size=0, ...}"},
		{unix.Stat_t{Mode: unix.S_IFREG | 0o4755}, "{st_mode=S_IFREG|S_ISUID|0755, st_size=0, ...}"},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o1777, Size: 36864}, "{st_mode=S_IFDIR|S_ISVTX|0777, st_size=36864, ...}"},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o6775, Size: 4096}, "{st_mode=S_IFDIR|S_ISUID|S_ISGID|0775, st_size=4096, ...}"},
	} {
		if got := statArg(&tc.st, nil); got != tc.want {
			t.Errorf("statArg(mode %#o) = %s; want %s", tc.st.Mode, got, tc.want)
		}
	}
}

// File names are shown whole whatever -s says, as strace shows them: the
// root's openat, each file's openat2, and the cache's newfstatat.
func TestRootTracesWholeNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a-directory-with-a-long-name")
	name := "a-subdirectory-with-a-long-name/a-file-with-a-long-name.txt"
	os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
	writeFile(t, dir, name, "hello\n")
	var buf bytes.Buffer
	tracer := trace.New(&buf, trace.Options{StrSize: 8})
	r, err := OpenRoot(dir, tracer)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The file is old enough to cache: opened and read, then served from the cache.
	r.cache.now = func() time.Time { return time.Now().Add(time.Minute) }
	for range 2 {
		f, err := r.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Stat(); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	tracer.Flush()
	tr := buf.String()
	for _, want := range []string{
		`openat(AT_FDCWD, "` + dir + `", `,
		`openat2(` + strconv.Itoa(r.fd) + `, "` + name + `", {`,
		`newfstatat(` + strconv.Itoa(r.fd) + `, "` + name + `", {`,
	} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace with -s 8 has no %s...:\n%s", want, tr)
		}
	}
}

// A file whose read says EAGAIN fails with an error that can be printed,
// and the request gets 500. /proc/kmsg, a regular file of size 0, says
// EAGAIN when no kernel message is new: GET /kmsg with -root /proc, run
// as root, crashed every model but fork (and fork lost its child), since
// read returns EAGAIN bare, not in an *os.SyscallError, and the PathError
// made of it had a nil Err, whose Error panicked. An empty non-blocking
// pipe says EAGAIN to anyone.
func TestFileReadEAGAIN(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	f := &file{k: sys{nonblocking: true}, fd: p[0], name: "empty", cache: newFileCache()}
	defer f.Close()
	_, err := f.Read(make([]byte, 16))
	if !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("Read of an empty non-blocking pipe: %v; want EAGAIN", err)
	}
	if got, want := err.Error(), "read empty: resource temporarily unavailable"; got != want {
		t.Errorf("the error says %q; want %q", got, want)
	}
}
