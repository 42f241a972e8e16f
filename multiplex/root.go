//go:build linux

package multiplex

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
	"stepwise/trace"
)

// A Root is a directory served as an fs.FS. Every file is opened with
// openat2(2) and RESOLVE_BENEATH, so the kernel itself refuses any path that
// would leave the directory: "..", an absolute path, or a symlink pointing
// outside. O_NONBLOCK keeps a FIFO in the directory from stalling the
// loop (regular files ignore it). Its files are read with plain read(2) calls that go through the
// trace like every other call.
//
// A small file, once read whole, is kept in memory and served again after
// a single stat that shows it unchanged (see fileCache).
//
// The os package is not used on purpose: os.Open registers every file with
// the Go runtime's epoll poller, and a select server should show no epoll.
type Root struct {
	k     sys
	fd    int
	cache *fileCache // shared by every thread's copy of the Root
}

// OpenRoot opens dir for serving. A directory the server may search but
// not list (mode 711, say) is opened with O_PATH: its files are opened
// relative to it all the same, as a shell can cat dir/file there.
func OpenRoot(dir string, t *trace.Tracer) (*Root, error) {
	k := sys{t: t}
	fd, err := k.openDir(dir, unix.O_RDONLY)
	if err == unix.EACCES {
		fd, err = k.openDir(dir, unix.O_PATH)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return newRoot(fd, t), nil
}

// openDir wraps openat(2) of the directory dir, with flags and
// O_DIRECTORY|O_CLOEXEC.
func (k sys) openDir(dir string, flags int) (int, error) {
	flags |= unix.O_DIRECTORY | unix.O_CLOEXEC
	args := "AT_FDCWD, " + trace.QuotePath(dir) + ", " + openFlags(uint64(flags))
	k.before(0, "openat", args)
	for {
		fd, err := unix.Open(dir, flags, 0)
		if k.t.On() {
			k.emit(call(0, "openat", args, fd), err)
		}
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// newRoot serves the directory open on fd.
func newRoot(fd int, t *trace.Tracer) *Root {
	// Its newfstatat is raw (raw.go): it waits for nothing but the disk,
	// and the model that serves from it has one thread doing the serving.
	// The threads model's copies (tracedAs) keep the usual call.
	return &Root{k: sys{t: t, nonblocking: true}, fd: fd, cache: newFileCache()}
}

// tracedAs returns fsys with its system calls labelled as k's: the same
// directory, for a thread that serves one connection (threads model).
func tracedAs(fsys fs.FS, k sys) fs.FS {
	if r, ok := fsys.(*Root); ok {
		return &Root{k: sys{t: r.k.t, task: k.task}, fd: r.fd, cache: r.cache} // not raw: many threads
	}
	return fsys
}

// Close closes the directory.
func (r *Root) Close() error { return r.k.close(r.fd, 0) }

// Open implements fs.FS.
func (r *Root) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f := r.cached(name); f != nil {
		return f, nil
	}
	fd, err := r.openat2(name, unix.O_RDONLY|unix.O_NONBLOCK)
	if err == unix.EACCES {
		// Perhaps a directory the server may search but not list (mode
		// 711): its index.html can be read all the same. O_PATH opens it
		// without asking to read it, and O_DIRECTORY opens nothing else.
		if dfd, derr := r.openat2(name, unix.O_PATH|unix.O_DIRECTORY); derr == nil {
			fd, err = dfd, nil
		}
	}
	switch err {
	case nil:
		return &file{k: r.k, fd: fd, name: name, cache: r.cache}, nil
	case unix.EXDEV:
		err = errOutside // through a symlink or "..": never served
	case unix.ELOOP:
		err = errLoop
	case unix.ENOTDIR:
		err = fs.ErrNotExist // "/file.txt/more": no such file
	case unix.ENXIO:
		err = errNoDevice // it exists: 403, like a named pipe's
	case unix.EMFILE, unix.ENFILE, unix.ENOMEM:
		err = unavailable{err.(unix.Errno)} // the file may well exist: 503, not 404
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: err}
}

// openat2 wraps openat2(2) of name under the root, with flags and
// O_CLOEXEC, and RESOLVE_BENEATH: never outside.
func (r *Root) openat2(name string, flags uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
	var args string
	if r.k.t.On() {
		args = strconv.Itoa(r.fd) + ", " + trace.QuotePath(name) + ", {flags=" + openFlags(how.Flags) + ", resolve=RESOLVE_NO_MAGICLINKS|RESOLVE_BENEATH}, " + strconv.Itoa(unix.SizeofOpenHow)
		r.k.before(0, "openat2", args)
	}
	for {
		fd, err := unix.Openat2(r.fd, name, &how)
		if r.k.t.On() {
			r.k.emit(call(0, "openat2", args, fd), err)
		}
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// rootError is why a path under a Root is refused. It counts as
// fs.ErrPermission, so a server answers 403, and says the real reason.
type rootError string

func (e rootError) Error() string        { return string(e) }
func (e rootError) Is(target error) bool { return target == fs.ErrPermission }

const (
	errOutside rootError = "the path leads outside the served directory"
	errLoop    rootError = "too many levels of symbolic links"
	// ENXIO: a Unix socket, or a device file with no device behind it.
	errNoDevice rootError = "not a regular file: a socket, or a device that is not there"
)

// unavailable is an error that leaves a file unopened for now (out of
// fds, say): it counts as http10.ErrUnavailable, so the answer is 503.
type unavailable struct{ errno unix.Errno }

func (e unavailable) Error() string        { return e.errno.Error() }
func (e unavailable) Is(target error) bool { return target == http10.ErrUnavailable }

// A file is one open file under a Root. While it is read whole for the
// first time, keep collects its bytes for the Root's cache.
type file struct {
	k     sys
	fd    int
	name  string
	cache *fileCache
	st    unix.Stat_t // what fstat said, once Stat has been called
	keep  []byte      // nil: not to be cached
}

func (f *file) Stat() (fs.FileInfo, error) {
	if f.k.t.Stepping() {
		f.k.before(0, "fstat", strconv.Itoa(f.fd)+", ...")
	}
	for {
		err := unix.Fstat(f.fd, &f.st)
		if f.k.t.On() {
			f.k.emit(call(0, "fstat", strconv.Itoa(f.fd)+", "+statArg(&f.st, err), 0), err)
		}
		if err != unix.EINTR {
			if err != nil {
				return nil, &fs.PathError{Op: "stat", Path: f.name, Err: err}
			}
			if f.cache.worthKeeping(&f.st) {
				f.keep = make([]byte, 0, f.st.Size)
			}
			return fileInfo{name: path.Base(f.name), st: f.st}, nil
		}
	}
}

// statArg is how strace shows a stat buffer: its type and size (a
// device's numbers instead, for a device), or its address when the call
// failed.
func statArg(st *unix.Stat_t, err error) string {
	if err != nil {
		return "0x..."
	}
	if t := st.Mode & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK {
		return "{st_mode=" + modeString(st.Mode) + ", st_rdev=makedev(0x" + strconv.FormatUint(uint64(unix.Major(st.Rdev)), 16) + ", 0x" + strconv.FormatUint(uint64(unix.Minor(st.Rdev)), 16) + "), ...}"
	}
	return "{st_mode=" + modeString(st.Mode) + ", st_size=" + strconv.FormatInt(st.Size, 10) + ", ...}"
}

func (f *file) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := f.k.read(f.fd, 0, b)
	switch {
	case err != nil:
		f.keep = nil
		// The errno, bare: read wraps it in an *os.SyscallError, except
		// EAGAIN (sysErr), which /proc/kmsg says when it has nothing new.
		// A PathError with a nil Err panics when its Error is called.
		if errno := errors.Unwrap(err); errno != nil {
			err = errno
		}
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
	case n == 0:
		return 0, io.EOF
	}
	if f.keep != nil {
		if len(f.keep)+n > cap(f.keep) {
			f.keep = nil // longer than fstat said: changing under us
		} else {
			f.keep = append(f.keep, b[:n]...)
		}
	}
	return n, nil
}

// Close closes the file, and caches it if it was read whole.
func (f *file) Close() error {
	if f.keep != nil && len(f.keep) == cap(f.keep) {
		f.cache.put(f.name, &cachedFile{info: fileInfo{name: path.Base(f.name), st: f.st}, data: f.keep})
	}
	return f.k.close(f.fd, 0)
}

// fileInfo is fs.FileInfo from fstat(2)'s answer.
type fileInfo struct {
	name string
	st   unix.Stat_t
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.st.Size }
func (fi fileInfo) ModTime() time.Time { return time.Unix(fi.st.Mtim.Unix()) }
func (fi fileInfo) IsDir() bool        { return fi.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (fi fileInfo) Sys() any           { return &fi.st }
func (fi fileInfo) Mode() fs.FileMode {
	m := fs.FileMode(fi.st.Mode & 0o777)
	switch fi.st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		m |= fs.ModeDir
	default:
		m |= fs.ModeIrregular // a fifo or a device: never read as a file
	}
	return m
}

// modeString prints st_mode as strace does: "S_IFREG|0644",
// "S_IFIFO|0644", "S_IFDIR|S_ISGID|0775", "S_IFREG|000": the set-id and
// sticky bits by name, and the rest as C's printf("%#03o").
func modeString(mode uint32) string {
	kind, ok := fileTypes[mode&unix.S_IFMT]
	if !ok {
		kind = "0" + strconv.FormatUint(uint64(mode&unix.S_IFMT), 8)
	}
	kind += bitNames(uint64(mode), modeBits)
	perm := strconv.FormatUint(uint64(mode&0o777), 8)
	if perm != "0" {
		perm = "0" + perm
	}
	return kind + "|" + strings.Repeat("0", max(3-len(perm), 0)) + perm
}

// fileTypes are st_mode's file types, as strace names them.
var fileTypes = map[uint32]string{
	unix.S_IFREG: "S_IFREG", unix.S_IFDIR: "S_IFDIR", unix.S_IFIFO: "S_IFIFO", unix.S_IFCHR: "S_IFCHR",
	unix.S_IFBLK: "S_IFBLK", unix.S_IFSOCK: "S_IFSOCK", unix.S_IFLNK: "S_IFLNK",
}

// A bitName is a flag and its name, as strace prints it.
type bitName struct {
	bit  uint64
	name string
}

// modeBits are st_mode's set-id and sticky bits; openBits the open(2)
// flags the server uses, past O_RDONLY (0): each in strace's order.
var (
	modeBits = []bitName{{unix.S_ISUID, "S_ISUID"}, {unix.S_ISGID, "S_ISGID"}, {unix.S_ISVTX, "S_ISVTX"}}
	openBits = []bitName{{unix.O_NONBLOCK, "O_NONBLOCK"}, {unix.O_CLOEXEC, "O_CLOEXEC"}, {unix.O_PATH, "O_PATH"}, {unix.O_DIRECTORY, "O_DIRECTORY"}}
)

// bitNames is "|NAME" for each of bits set in v.
func bitNames(v uint64, bits []bitName) string {
	var s string
	for _, b := range bits {
		if v&b.bit != 0 {
			s += "|" + b.name
		}
	}
	return s
}

// openFlags names open(2) flags as strace does: "O_RDONLY|O_CLOEXEC|O_DIRECTORY".
func openFlags(flags uint64) string { return "O_RDONLY" + bitNames(flags, openBits) }
