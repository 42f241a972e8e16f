//go:build linux

package multiplex

import (
	"io"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
	"stepwise/trace"
)

// A fileCache holds the small files a Root has read whole, so that
// serving one again costs one newfstatat(2), which shows it unchanged,
// instead of openat2, fstat, read and close: four of the eight system
// calls a request for a file costs (docs/performance.md). nginx calls this
// open_file_cache.
//
// A cached file is used only while a stat by name finds the same file
// (device and inode) with the same mode, size, mtime and ctime. Every
// write, truncate, chmod or rename over the file sets its ctime to now, and
// nobody can set a ctime by hand, so a changed file is always read again.
// Two rules keep that true:
//   - A file changed less than racyWindow ago is not cached: timestamps
//     are coarse (a few milliseconds, whole seconds on some file systems),
//     and a file written twice within one tick keeps one ctime. Git calls
//     such entries "racily clean" and treats them the same way.
//   - The stat follows the name as it is now. If a symlink on the way has
//     been swapped to lead elsewhere, it finds another inode, and the file
//     is opened again, with openat2 and RESOLVE_BENEATH, which refuses any
//     path out of the root.
type fileCache struct {
	mu    sync.Mutex // the threads model serves from many threads at once
	files map[string]*cachedFile
	bytes int              // the data held
	now   func() time.Time // the wall clock the file system stamps files with
}

type cachedFile struct {
	info fileInfo // what Stat says, made once: its name and its stat
	data []byte
}

const (
	cacheBytes = 8 << 20         // the most the cache holds; past it, it starts again empty
	racyWindow = 2 * time.Second // how old a change must be for a file to be cached
)

func newFileCache() *fileCache {
	return &fileCache{files: map[string]*cachedFile{}, now: time.Now}
}

// worthKeeping reports whether a file with this fstat answer should be
// cached once read: a regular file small enough to be read whole
// (http10.InlineBytes), and not changed within racyWindow.
func (fc *fileCache) worthKeeping(st *unix.Stat_t) bool {
	changed := time.Unix(st.Ctim.Unix())
	return st.Mode&unix.S_IFMT == unix.S_IFREG && st.Size > 0 && st.Size <= http10.InlineBytes &&
		fc.now().Sub(changed) >= racyWindow
}

func (fc *fileCache) get(name string) *cachedFile {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.files[name]
}

func (fc *fileCache) put(name string, f *cachedFile) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if old := fc.files[name]; old != nil {
		fc.bytes -= len(old.data)
	}
	if fc.bytes+len(f.data) > cacheBytes {
		clear(fc.files) // simple and bounded: a site this big is read again
		fc.bytes = 0
	}
	fc.files[name] = f
	fc.bytes += len(f.data)
}

func (fc *fileCache) drop(name string) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if old := fc.files[name]; old != nil {
		fc.bytes -= len(old.data)
		delete(fc.files, name)
	}
}

// cached returns name from the cache if a stat shows it unchanged, or nil:
// then the caller opens it as usual, and meets whatever error the stat
// met.
func (r *Root) cached(name string) fs.File {
	f := r.cache.get(name)
	if f == nil {
		return nil
	}
	st, err := r.k.fstatat(r.fd, name)
	if err != nil || !sameFile(&st, &f.info.st) {
		r.cache.drop(name)
		return nil
	}
	if r.k.t.On() {
		r.k.note(0, "%s unchanged since it was read (same inode, size and times): sent from memory, without opening it", strconv.Quote(name))
	}
	return &memFile{f: f}
}

// sameFile reports whether two stat answers are of one file in one state.
func sameFile(a, b *unix.Stat_t) bool {
	return a.Dev == b.Dev && a.Ino == b.Ino && a.Mode == b.Mode && a.Size == b.Size &&
		a.Mtim == b.Mtim && a.Ctim == b.Ctim
}

// A memFile is a cached file being read: no system calls.
type memFile struct {
	f   *cachedFile
	off int
}

func (m *memFile) Stat() (fs.FileInfo, error) {
	return &m.f.info, nil // shared, and never changed: no allocation
}

func (m *memFile) Read(b []byte) (int, error) {
	if m.off >= len(m.f.data) {
		return 0, io.EOF
	}
	n := copy(b, m.f.data[m.off:])
	m.off += n
	return n, nil
}

// Bytes returns the part of the file not yet read, without a copy:
// http10 then sends the cached bytes themselves. They are never changed
// (a changed file is cached anew), so sharing them is safe.
func (m *memFile) Bytes() []byte { return m.f.data[m.off:] }

func (m *memFile) Close() error { return nil }

// fstatat wraps newfstatat(2) (fstatat(3)): stat name, relative to the
// directory dirfd, following symlinks.
func (k sys) fstatat(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	var args string
	if k.t.On() {
		args = strconv.Itoa(dirfd) + ", " + trace.QuotePath(name)
		k.before(0, "newfstatat", args+", ..., 0")
	}
	for {
		err := k.sysFstatat(dirfd, name, &st)
		if k.t.On() {
			k.emit(call(0, "newfstatat", args+", "+statArg(&st, err)+", 0", 0), err)
		}
		if err != unix.EINTR {
			return st, sysErr("newfstatat", err)
		}
	}
}
