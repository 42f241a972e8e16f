package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	startTimeout = 10 * time.Second // for a server to answer its first request
	stopTimeout  = 5 * time.Second  // between SIGTERM and SIGKILL
	ioTimeout    = 10 * time.Second // for any one client exchange
)

// A server is one server process that bench started, and must stop.
type server struct {
	name string // the table's column: "stepwise", "nginx", "net/http"
	addr string // "127.0.0.1:PORT"
	log  string // the file its standard error goes to
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	pids []int         // whose CPU time and memory count: the process, and nginx's worker
}

// pidList is s's pids as strace -p and perf stat -p take them: "12,34".
func (s *server) pidList() string {
	pids := make([]string, len(s.pids))
	for i, pid := range s.pids {
		pids[i] = strconv.Itoa(pid)
	}
	return strings.Join(pids, ",")
}

// launch starts cmd with its standard error in the file logName and, if
// stdout is true, a pipe from its standard output.
func (b *bench) launch(name, logName string, cmd *exec.Cmd, stdout bool) (*server, io.Reader, error) {
	s := &server{name: name, log: filepath.Join(b.dir, logName), cmd: cmd, done: make(chan struct{})}
	f, err := os.Create(s.log)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close() // the child has its own copy
	cmd.Stderr = f
	var out io.Reader
	if stdout {
		if out, err = cmd.StdoutPipe(); err != nil {
			return nil, nil, err
		}
	} else {
		cmd.Stdout = f
	}
	// Should bench itself be killed, the kernel sends the server SIGTERM
	// (nginx's master then stops its worker). In a process group of its
	// own, the server and whatever it forks can be killed together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", name, err)
	}
	s.pids = []int{cmd.Process.Pid}
	b.started = append(b.started, s)
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	return s, out, nil
}

// startPrinting starts a server that prints "... on http://ADDR/" on its
// standard output once it listens (stepwise and bench fileserver do), and
// waits until it answers.
func (b *bench) startPrinting(ctx context.Context, name, logName, path string, args ...string) (*server, error) {
	b.progress("starting %s: %s %s", name, filepath.Base(path), strings.Join(args, " "))
	s, stdout, err := b.launch(name, logName, exec.Command(path, args...), true)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		_, url, ok := strings.Cut(strings.TrimSpace(line), " on http://")
		if !ok {
			return nil, s.failed(fmt.Sprintf("printed %q, not its address", line))
		}
		s.addr = strings.TrimSuffix(url, "/")
	case <-time.After(startTimeout):
		return nil, s.failed("did not print its address within " + startTimeout.String())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s, s.waitReady(ctx)
}

// startNginx writes nginx.conf for a free loopback port and starts nginx
// with it, in the foreground (daemon off), as a child of bench.
func (b *bench) startNginx(ctx context.Context, root string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(b.dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConf(b.dir, root, port)), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-p", b.dir + "/", "-c", conf, "-e", filepath.Join(b.dir, "nginx-error.log")}
	b.progress("starting nginx: nginx %s", strings.Join(args, " "))
	s, _, err := b.launch(colNginx, "nginx.log", exec.Command(b.tools.nginx, args...), false)
	if err != nil {
		return nil, err
	}
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	// It has answered, so the worker is up: count its CPU and memory too.
	s.pids = append(s.pids, children(s.pids[0])...)
	return s, nil
}

// nginxConf is nginx set up as the issue asks: one worker, no access log,
// sendfile; everything it writes stays in dir.
func nginxConf(dir, root string, port int) string {
	return fmt.Sprintf(`# Written by stepwise's cmd/bench.
worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log warn;
worker_rlimit_nofile 8192;

events {
	worker_connections 4096;
}

http {
	access_log off;
	sendfile on;
	keepalive_timeout 0;
	types {
		text/html html;
		text/plain txt;
	}
	default_type application/octet-stream;
	client_body_temp_path %[1]s/nginx-body;
	proxy_temp_path %[1]s/nginx-proxy;
	fastcgi_temp_path %[1]s/nginx-fastcgi;
	uwsgi_temp_path %[1]s/nginx-uwsgi;
	scgi_temp_path %[1]s/nginx-scgi;

	server {
		listen 127.0.0.1:%[3]d;
		root %[2]s;
		index index.html;
	}
}
`, dir, root, port)
}

// freePort asks the kernel for a free loopback port. Another program could
// take it before nginx does; then nginx fails to start and bench says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls until the server answers a request for the small file
// with 200, it exits, or startTimeout passes.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := get(s.addr, smallFile)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return s.failed(fmt.Sprintf("did not answer within %v: %v", startTimeout, err))
		}
		select {
		case <-s.done:
			return s.failed("exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// get asks for path over HTTP/1.0 and wants 200.
func get(addr, path string) error {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	resp, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	status, _, _ := strings.Cut(string(resp), "\r\n")
	if !strings.HasPrefix(status, "HTTP/1.") || !strings.Contains(status, " 200 ") {
		return fmt.Errorf("GET %s: %q", path, status)
	}
	return nil
}

// failed describes a server that would not start, with the end of its log.
func (s *server) failed(what string) error {
	s.stop()
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines = lines[max(0, len(lines)-10):]
	return fmt.Errorf("%s %s; the end of %s:\n\t%s", s.name, what, s.log, strings.Join(lines, "\n\t"))
}

// stop ends the server: SIGTERM, then SIGKILL to its process group (a
// SIGKILLed nginx master would leave its worker behind) if it is still
// there after stopTimeout. It may be called more than once.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return
	case <-time.After(stopTimeout):
	}
	// The group id is the server's pid, never reused while the group has
	// a process in it.
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}
