package main

// How the client terminals of a transcript take turns (see the top of
// lessons_test.go). In the select model they act together: a pass is one
// moment, in which the terminals whose clocks are earliest all send before
// the server looks, so that one select can find several clients ready.

import "fmt"

// sendTogether reports whether the terminals' sends of one pass are made
// together, while the server is stopped: in the select model, whose one
// thread the test can stop between two sends. Under threads and fork a
// thread or process per client would serve them at the same time, and the
// trace would interleave differently on every run; under blocking the
// server is stopped in a read anyway.
func (r *lessonRun) sendTogether() bool { return r.model == "select" }

// holdServer stops the server, if the terminals act together and it is not
// stopped already: what is sent now waits for its next select.
func (r *lessonRun) holdServer() {
	r.t.Helper()
	if r.sendTogether() && !r.held {
		r.srv.pause()
		r.held = true
	}
}

// releaseServer lets the server go on, if holdServer stopped it.
func (r *lessonRun) releaseServer() {
	r.t.Helper()
	if r.held {
		r.srv.resume()
		r.held = false
	}
}

// hasWork reports whether tm has a command under way or still to run.
func (tm *term) hasWork() bool { return tm.nc != nil || tm.next < len(tm.cmds) }

// playPass gives each terminal its turn, and reports whether any has more to
// do and whether any did something.
//
// In the select model a pass is one moment: the terminals whose clocks
// are earliest connect and send what they have up to their next sleep, or
// to the end of their command, while the server is stopped; then the
// server goes on, and each of them waits for it to read what it sent (and
// its clock moves on by the sleep), or reads its answer. The others wait
// for a later pass. Elsewhere each terminal runs until a sleep, an answer
// it must wait for, or its end, and waits as it goes.
func (r *lessonRun) playPass(terms []*term) (busy, moved bool) {
	r.t.Helper()
	if !r.sendTogether() {
		for _, tm := range terms {
			more, progress := r.turn(tm)
			busy, moved = busy || more, moved || progress
		}
		return busy, moved
	}
	now := -1
	for _, tm := range terms {
		if tm.hasWork() && (now < 0 || tm.at < now) {
			now = tm.at
		}
	}
	for _, tm := range terms {
		if tm.at == now {
			_, progress := r.turn(tm)
			moved = moved || progress
		}
	}
	r.releaseServer()
	for _, tm := range terms {
		moved = r.awaitPass(tm) || moved
		busy = busy || tm.hasWork()
	}
	return busy, moved
}

// awaitPass does what tm's command has come to in this pass: the wait for its
// bytes to be read, at a sleep, or the reading of its answer.
func (r *lessonRun) awaitPass(tm *term) bool {
	r.t.Helper()
	s := tm.nc
	switch {
	case s == nil:
		return false
	case s.sleeping:
		r.awaitRead(s)
		s.sleeping = false
		tm.at += s.sleepSecs
		return true
	case s.allSent:
		out, done, _ := r.continueNC(s)
		if done {
			tm.out = append(tm.out, out)
			tm.nc = nil
		}
		return true
	}
	return false
}

// awaitRead waits until the trace shows the server has read every byte
// sent on s so far.
func (r *lessonRun) awaitRead(s *ncSession) {
	r.t.Helper()
	r.srv.waitFor(fmt.Sprintf("c%d's %d bytes read", s.id, s.sent), readAllOf(s.id, s.sent))
}
