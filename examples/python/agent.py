#!/usr/bin/env python3
"""sockdbg remote-exec agent, standard library only, for machines that have Python but no Node.

    python3 agent.py --port N [--host 127.0.0.1] (--key-file F | --key-env VAR) [--digest sha256]
                     [--allow REGEX]... [--max-sessions N] [--timeout SEC] [--audit FILE]

Same protocol as `sockdbg agent` (docs/exec-protocol.md): the seed's check_conn challenge, then the agent
proves the key too, then every frame carries an HMAC. One command per connection. Frames are authenticated,
not encrypted: keep the agent on 127.0.0.1 or behind an SSH tunnel / VPN.
"""
import argparse
import hmac
import json
import os
import re
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

NONCE_BYTES = 32
DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
LABEL_AGENT_PROOF = b"sockdbg-agent-proof-v1"
LABEL_SESSION = b"sockdbg-session-v1"
MAX_HEADER = 64 * 1024
MAX_BODY = 1024 * 1024
HANDSHAKE_TIMEOUT = 5.0
KILL_GRACE = 2.0
MAX_PENDING_HANDSHAKES = 64
# with an allowlist, a shell command may not chain, substitute or redirect (the pattern would not see the rest)
SHELL_CONTROL = re.compile(r"[;&|`$()<>\r\n]")


class BadFrame(Exception):
    pass


def recv_exact(sock, n, deadline=None):
    """Exactly n bytes; with a deadline (time.monotonic()), the whole read must finish by then (a peer sending a
    byte at a time cannot stretch a socket timeout that each recv() would restart)."""
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)


class Channel:
    """Authenticated frames: '<i' header length, JSON header, body, HMAC(session key, dir | '>Q' seq | frame)."""

    def __init__(self, sock, key, digest, send_dir, recv_dir):
        self.sock, self.key, self.digest = sock, key, digest
        self.send_dir, self.recv_dir = send_dir, recv_dir
        self.send_seq = self.recv_seq = 0
        self.lock = threading.Lock()  # stdout and stderr pumps send concurrently

    def send(self, header, body=b""):
        hb = json.dumps(dict(header, total_size=len(body))).encode("utf-8")
        frame = struct.pack("<i", len(hb)) + hb + body
        with self.lock:
            mac = hmac.new(self.key, self.send_dir + struct.pack(">Q", self.send_seq) + frame, self.digest).digest()
            self.send_seq += 1
            self.sock.sendall(frame + mac)  # blocks while the client is behind: that is the backpressure

    def recv(self, deadline=None):
        head = recv_exact(self.sock, 4, deadline)
        n = struct.unpack("<i", head)[0]
        if not 0 < n <= MAX_HEADER:
            raise BadFrame("bad header length %d" % n)
        hb = recv_exact(self.sock, n, deadline)
        try:
            header = json.loads(hb.decode("utf-8", "replace"))
            size = header["total_size"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise BadFrame("malformed frame header")
        if not isinstance(header.get("type"), str) or not isinstance(size, int) or not 0 <= size <= MAX_BODY:
            raise BadFrame("malformed frame header")
        body = recv_exact(self.sock, size, deadline)
        mac = recv_exact(self.sock, DIGEST_SIZES[self.digest], deadline)
        expected = hmac.new(self.key, self.recv_dir + struct.pack(">Q", self.recv_seq) + head + hb + body, self.digest).digest()
        if not hmac.compare_digest(mac, expected):
            raise BadFrame("frame authentication failed")
        self.recv_seq += 1
        return header, body


def kill_tree(proc, sig):
    if os.name == "nt":
        subprocess.call(["taskkill", "/pid", str(proc.pid), "/T", "/F"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return
    try:
        os.killpg(proc.pid, sig)
    except OSError:
        pass


def validate(h):
    """Checks an exec request; returns an error message or None."""
    if h.get("type") != "exec":
        return 'expected an "exec" request'
    has_cmd, has_argv = h.get("command") is not None, h.get("argv") is not None
    if has_cmd == has_argv:
        return 'give exactly one of "command" or "argv"'
    if has_cmd and (not isinstance(h["command"], str) or not h["command"] or h.get("shell") is False):
        return '"command" must be a non-empty string run through the shell'
    if has_argv and (not isinstance(h["argv"], list) or not h["argv"] or not all(isinstance(a, str) for a in h["argv"])
                     or not h["argv"][0] or h.get("shell") is True):
        return '"argv" must be a non-empty array of strings (without "shell": true)'
    if h.get("cwd") is not None and not isinstance(h["cwd"], str):
        return '"cwd" must be a string'
    env = h.get("env")
    if env is not None and (not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values())):
        return '"env" must be an object of strings'
    t = h.get("timeout")
    if t is not None and (not isinstance(t, (int, float)) or t <= 0):
        return '"timeout" must be a positive number of seconds'
    return None


class Agent:
    def __init__(self, opts, key):
        self.opts, self.key, self.digest = opts, key, opts.digest
        self.allow = [re.compile(a) for a in opts.allow]
        self.sessions = threading.BoundedSemaphore(opts.max_sessions)
        # one thread per connection: unauthenticated ones are capped so that a flood cannot exhaust threads
        self.pending = threading.BoundedSemaphore(MAX_PENDING_HANDSHAKES)
        self.failures = {}  # peer address -> consecutive failed handshakes
        self.lock = threading.Lock()
        self.audit_file = open(opts.audit, "a", encoding="utf-8") if opts.audit else None

    def log(self, line):
        sys.stderr.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), line))
        sys.stderr.flush()

    def audit(self, **record):
        if self.audit_file:
            record = dict(time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record)
            with self.lock:
                self.audit_file.write(json.dumps(record) + "\n")
                self.audit_file.flush()

    def failure_delay(self, addr):
        with self.lock:
            n = self.failures.get(addr, 0)
        return 0 if n == 0 else min(0.25 * 2 ** (n - 1), 10.0)

    def serve(self, sock, peer):
        if not self.pending.acquire(blocking=False):
            return  # too many handshakes in progress: the connection is closed
        try:
            got = self.handshake(sock, peer)
        finally:
            self.pending.release()
        if got is not None:
            sock.settimeout(None)
            self.run(*got)

    def handshake(self, sock, peer):
        """Returns (channel, exec header, body, peer) once authenticated, or None."""
        addr = peer[0]
        where = "%s:%d" % peer
        time.sleep(self.failure_delay(addr))
        sock.settimeout(HANDSHAKE_TIMEOUT)
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT  # for the whole handshake, up to the exec request
        try:
            nonce_a = os.urandom(NONCE_BYTES)
            sock.sendall(nonce_a)
            answer = recv_exact(sock, DIGEST_SIZES[self.digest], deadline)
            if not hmac.compare_digest(answer, hmac.new(self.key, nonce_a, self.digest).digest()):
                with self.lock:
                    self.failures[addr] = self.failures.get(addr, 0) + 1
                self.log("refused %s: wrong answer to the challenge" % where)
                self.audit(peer=where, outcome="auth-failed")
                sock.sendall(b"\x00")
                return None
            with self.lock:
                self.failures.pop(addr, None)
            sock.sendall(b"\x01")
            nonce_b = recv_exact(sock, NONCE_BYTES, deadline)
            sock.sendall(hmac.new(self.key, LABEL_AGENT_PROOF + nonce_a + nonce_b, self.digest).digest())
            session_key = hmac.new(self.key, LABEL_SESSION + nonce_a + nonce_b, self.digest).digest()
            ch = Channel(sock, session_key, self.digest, b"A", b"C")
            try:
                header, body = ch.recv(deadline)
            except BadFrame as e:
                ch.send({"type": "error", "code": "bad-mac" if "authentication" in str(e) else "protocol", "message": str(e)})
                self.audit(peer=where, outcome="bad-mac")
                return None
        except (EOFError, OSError):
            return None
        return ch, header, body, where

    def run(self, ch, h, stdin, where):
        problem = validate(h)
        if problem:
            ch.send({"type": "error", "code": "bad-request", "message": problem})
            self.audit(peer=where, outcome="bad-request")
            return
        line = h["command"] if h.get("command") is not None else " ".join(h["argv"])
        rec = dict(peer=where, command=line)
        refusal = None
        if self.allow:
            if h.get("command") is not None and SHELL_CONTROL.search(h["command"]):
                refusal = "the agent has an allowlist: shell commands may not contain ; & | ` $ ( ) < > or a newline (use argv)"
            elif h.get("env"):
                refusal = 'the agent has an allowlist: "env" is not accepted'
            elif not any(r.fullmatch(line) for r in self.allow):
                refusal = "the command is not in the agent's allowlist"
        if refusal:
            self.log("session %s: not allowed: %s" % (where, line))
            ch.send({"type": "error", "code": "not-allowed", "message": refusal})
            self.audit(outcome="not-allowed", **rec)
            return
        if not self.sessions.acquire(blocking=False):
            ch.send({"type": "error", "code": "busy", "message": "the agent is running its maximum number of commands"})
            self.audit(outcome="busy", **rec)
            return
        try:
            self.execute(ch, h, stdin, where, line, rec)
        finally:
            self.sessions.release()

    def execute(self, ch, h, stdin, where, line, rec):
        env = dict(os.environ, **h["env"]) if h.get("env") else None
        started = time.time()
        try:
            proc = subprocess.Popen(h["command"] if h.get("command") is not None else h["argv"],
                                    shell=h.get("command") is not None, cwd=h.get("cwd"), env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=(os.name != "nt"))
        except (OSError, ValueError) as e:  # ValueError: a NUL byte or '=' in an argument, cwd or env name
            ch.send({"type": "error", "code": "spawn-failed", "message": str(e)})
            self.audit(outcome="spawn-failed", **rec)
            return
        self.log("session %s: pid %d: %s" % (where, proc.pid, line))
        state = {"cancelled": False, "timed_out": False, "disconnected": False, "broken": False, "done": False}
        ch.send({"type": "started", "pid": proc.pid})

        def terminate():
            kill_tree(proc, signal.SIGTERM if os.name != "nt" else None)
            if os.name != "nt":
                t = threading.Timer(KILL_GRACE, kill_tree, (proc, signal.SIGKILL))
                t.daemon = True
                t.start()

        def feed_stdin():
            try:
                if stdin:
                    proc.stdin.write(stdin)
                    proc.stdin.flush()
                if not h.get("stdin_open"):
                    proc.stdin.close()
            except OSError:
                pass

        def pump(stream, kind):
            fd = stream.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                if state["broken"]:
                    continue  # the client is gone: drain so the process can finish
                try:
                    ch.send({"type": kind}, data)
                except OSError:
                    state["broken"] = True

        def read_client():
            try:
                while not state["done"]:
                    header, body = ch.recv()
                    kind = header.get("type")
                    if kind == "cancel":
                        state["cancelled"] = True
                        terminate()
                    elif kind == "stdin" and proc.stdin and not proc.stdin.closed:
                        try:
                            if body:
                                proc.stdin.write(body)
                                proc.stdin.flush()
                            if header.get("eof"):
                                proc.stdin.close()
                        except OSError:
                            pass
            except (EOFError, OSError, BadFrame) as e:
                if isinstance(e, BadFrame) and not state["done"]:
                    state["broken"] = True  # no more output frames: the error frame is the last one
                    try:
                        ch.send({"type": "error", "code": "bad-mac" if "authentication" in str(e) else "protocol", "message": str(e)})
                    except OSError:
                        pass
                if not state["done"]:
                    state["disconnected"] = True
                    self.log("session %s: client gone; killing pid %d" % (where, proc.pid))
                    terminate()

        threads = [threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
                   threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True),
                   threading.Thread(target=feed_stdin, daemon=True)]
        for t in threads:
            t.start()
        threading.Thread(target=read_client, daemon=True).start()
        limits = [t for t in (self.opts.timeout, h.get("timeout")) if t]
        timer = None
        if limits:
            def on_timeout():
                state["timed_out"] = True
                terminate()
            timer = threading.Timer(min(min(limits), threading.TIMEOUT_MAX), on_timeout)
            timer.daemon = True
            timer.start()
        rc = proc.wait()
        for t in threads[:2]:
            t.join()
        state["done"] = True
        if timer:
            timer.cancel()
        code, sig = (rc, None) if rc >= 0 else (None, signal.Signals(-rc).name)
        duration = int((time.time() - started) * 1000)
        if not state["broken"]:
            try:
                ch.send({"type": "exit", "code": code, "signal": sig, "duration_ms": duration,
                         "timed_out": state["timed_out"], "cancelled": state["cancelled"]})
            except OSError:
                pass
        outcome = ("disconnected" if state["disconnected"] else "timeout" if state["timed_out"]
                   else "cancelled" if state["cancelled"] else "exit")
        self.audit(outcome=outcome, exit_code=code, signal=sig, duration_ms=duration, pid=proc.pid, **rec)


def load_key(opts):
    if (opts.key_file is None) == (opts.key_env is None):
        raise SystemExit("agent.py: give exactly one of --key-file F or --key-env VAR")
    if opts.key_file is not None:
        try:
            with open(opts.key_file, "r", encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise SystemExit("agent.py: cannot read the key file %s: %s" % (opts.key_file, e.strerror))
    else:
        text = os.environ.get(opts.key_env, "")
        if not text:
            raise SystemExit("agent.py: the environment variable %s is not set" % opts.key_env)
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    key = text.encode("utf-8")
    if len(key) < 16:
        raise SystemExit("agent.py: the key is too short (%d bytes); use at least 16 bytes" % len(key))
    return key


def main(argv):
    p = argparse.ArgumentParser(prog="agent.py", description="sockdbg remote-exec agent (stdlib only).")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--key-file")
    p.add_argument("--key-env")
    p.add_argument("--digest", default="sha256", choices=sorted(DIGEST_SIZES))
    p.add_argument("--allow", action="append", default=[], metavar="REGEX")
    p.add_argument("--max-sessions", type=int, default=8)
    p.add_argument("--timeout", type=float)
    p.add_argument("--audit", metavar="FILE")
    opts = p.parse_args(argv)
    key = load_key(opts)
    agent = Agent(opts, key)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                agent.serve(self.request, self.client_address[:2])
            finally:
                try:
                    self.request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    if ":" in opts.host:
        Server.address_family = socket.AF_INET6
    server = Server((opts.host, opts.port), Handler)
    if opts.host in ("0.0.0.0", "::", ""):
        sys.stderr.write("\n!!! WARNING: the agent listens on ALL network interfaces. Anyone who can reach this port can try keys.\n"
                         "!!! Frames are authenticated but NOT encrypted: use a firewall, an SSH tunnel or a VPN.\n\n")
    host, port = server.server_address[:2]
    agent.log("agent.py listening on %s:%d (digest %s)" % (host, port, opts.digest))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
