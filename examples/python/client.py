#!/usr/bin/env python3
"""sockdbg remote-exec client, standard library only (socket, struct, json, hmac, os).

    python3 client.py HOST PORT (--key-file F | --key-env VAR) [--digest sha256] [--encoding ENC]
                      [--cwd DIR] [--timeout SEC] [--env NAME=VALUE]... [--shell] [--stdin] -- COMMAND [ARG...]

One COMMAND word runs through the remote shell (like ssh); several words run as an argument vector.
Exit code: the remote command's (128+N when killed by signal N; 1 for a code outside 0-255), 1 usage,
2 network/authentication failure.
The protocol is described in docs/exec-protocol.md.
"""
import argparse
import codecs
import hmac
import json
import os
import signal
import socket
import struct
import sys
import threading

NONCE_BYTES = 32
DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
LABEL_AGENT_PROOF = b"sockdbg-agent-proof-v1"
LABEL_SESSION = b"sockdbg-session-v1"
MAX_HEADER = 64 * 1024
MAX_BODY = 1024 * 1024


class Failure(Exception):
    """Network or authentication failure: one line on stderr, exit code 2."""


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
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
        self.lock = threading.Lock()  # the stdin thread sends too

    def send(self, header, body=b""):
        hb = json.dumps(dict(header, total_size=len(body))).encode("utf-8")
        frame = struct.pack("<i", len(hb)) + hb + body
        with self.lock:
            mac = hmac.new(self.key, self.send_dir + struct.pack(">Q", self.send_seq) + frame, self.digest).digest()
            self.send_seq += 1
            self.sock.sendall(frame + mac)

    def recv(self):
        head = recv_exact(self.sock, 4)
        n = struct.unpack("<i", head)[0]
        if not 0 < n <= MAX_HEADER:
            raise Failure("bad frame from the agent (header length %d)" % n)
        hb = recv_exact(self.sock, n)
        try:
            header = json.loads(hb.decode("utf-8", "replace"))
            size = header["total_size"]
        except (ValueError, KeyError, TypeError, RecursionError):
            header, size = None, -1
        if not isinstance(size, int) or not 0 <= size <= MAX_BODY:
            raise Failure("bad frame from the agent (frame authentication failed or malformed header)")
        body = recv_exact(self.sock, size)
        mac = recv_exact(self.sock, DIGEST_SIZES[self.digest])
        expected = hmac.new(self.key, self.recv_dir + struct.pack(">Q", self.recv_seq) + head + hb + body, self.digest).digest()
        if not hmac.compare_digest(mac, expected):
            raise Failure("bad frame from the agent: frame authentication failed (altered, replayed or reordered)")
        self.recv_seq += 1
        return header, body


def handshake(sock, key, digest, where):
    """The seed's check_conn answer, then the agent must prove the key. Returns the session key."""
    try:
        nonce_a = recv_exact(sock, NONCE_BYTES)
    except EOFError:
        raise Failure("%s closed the connection before sending a challenge (agent busy, or not a sockdbg agent)" % where)
    sock.sendall(hmac.new(key, nonce_a, digest).digest())
    try:
        status = recv_exact(sock, 1)
    except EOFError:
        raise Failure("%s closed the connection after our answer: wrong key or digest" % where)
    if status == b"\x00":
        raise Failure("%s refused the key (wrong key or wrong --digest)" % where)
    if status != b"\x01":
        raise Failure("%s sent an unexpected handshake status (not a sockdbg agent?)" % where)
    nonce_b = os.urandom(NONCE_BYTES)
    sock.sendall(nonce_b)
    try:
        proof = recv_exact(sock, DIGEST_SIZES[digest])
    except EOFError:
        proof = b""
    expected = hmac.new(key, LABEL_AGENT_PROOF + nonce_a + nonce_b, digest).digest()
    if not hmac.compare_digest(proof, expected):
        raise Failure("%s failed to prove it holds the key; the command was not sent (impostor, or a different key)" % where)
    return hmac.new(key, LABEL_SESSION + nonce_a + nonce_b, digest).digest()


def load_key(args):
    if (args.key_file is None) == (args.key_env is None):
        raise SystemExit("client.py: give exactly one of --key-file F or --key-env VAR")
    if args.key_file is not None:
        try:
            with open(args.key_file, "r", encoding="utf-8", newline="") as f:
                text = f.read()
            mode = os.stat(args.key_file).st_mode & 0o777
        except OSError as e:
            raise SystemExit("client.py: cannot read the key file %s: %s" % (args.key_file, e.strerror))
        except UnicodeDecodeError:
            raise SystemExit("client.py: the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`")
        if os.name != "nt" and mode & 0o077:
            sys.stderr.write("client.py: WARNING: the key file %s is accessible by others (mode %04o); run: chmod 600 %s\n"
                             % (args.key_file, mode, args.key_file))
    else:
        text = os.environ.get(args.key_env, "")
        if not text:
            raise SystemExit("client.py: the environment variable %s is not set" % args.key_env)
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    try:
        key = text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 in the environment variable
        raise SystemExit("client.py: the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`")
    if len(key) < 16:
        raise SystemExit("client.py: the key is too short (%d bytes); use at least 16 bytes" % len(key))
    return key


def parse_args(argv):
    if "--" in argv:
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1:]
    else:
        command = []
    p = argparse.ArgumentParser(prog="client.py", description="Run a command on a sockdbg agent.")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--key-file")
    p.add_argument("--key-env")
    p.add_argument("--digest", default="sha256", choices=sorted(DIGEST_SIZES))
    p.add_argument("--encoding", help="decode the output from this encoding (e.g. gbk) to UTF-8")
    p.add_argument("--cwd")
    p.add_argument("--timeout", type=float)
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--shell", action="store_true", help="join the words and run them through the remote shell")
    p.add_argument("--stdin", action="store_true", help="forward this program's standard input to the command")
    args = p.parse_args(argv)
    if not command:
        p.error("no command given (put it after --)")
    args.command = command
    return args


def main(argv):
    try:
        args = parse_args(argv)
        key = load_key(args)
    except SystemExit as e:
        if isinstance(e.code, str):
            sys.stderr.write(e.code + "\n")
            return 1
        return 1 if e.code else 0
    where = "%s:%d" % (args.host, args.port)
    request = {"type": "exec"}
    if args.shell or len(args.command) == 1:
        request.update(command=" ".join(args.command), shell=True)
    else:
        request.update(argv=args.command, shell=False)
    if args.cwd:
        request["cwd"] = args.cwd
    if args.timeout:
        request["timeout"] = args.timeout
    if args.env:
        request["env"] = dict(kv.split("=", 1) for kv in args.env)
    if args.stdin:
        request["stdin_open"] = True
    out, err = sys.stdout.buffer, sys.stderr.buffer
    decoders = {}
    if args.encoding and codecs.lookup(args.encoding).name != "utf-8":
        decoders = {"stdout": codecs.getincrementaldecoder(args.encoding)("replace"),
                    "stderr": codecs.getincrementaldecoder(args.encoding)("replace")}
    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    except OSError as e:
        sys.stderr.write("client.py: cannot connect to %s: %s\n" % (where, e.strerror or e))
        return 2
    try:
        session_key = handshake(sock, key, args.digest, where)
        sock.settimeout(None)
        ch = Channel(sock, session_key, args.digest, b"C", b"A")
        ch.send(request)
        if args.stdin:
            def forward_stdin():
                try:
                    while True:
                        data = os.read(sys.stdin.fileno(), 65536)
                        if not data:
                            break
                        ch.send({"type": "stdin"}, data)
                    ch.send({"type": "stdin", "eof": True})
                except OSError:
                    pass
            threading.Thread(target=forward_stdin, daemon=True).start()
        cancelled = [False]

        def on_sigint(_sig, _frame):
            if not cancelled[0]:
                cancelled[0] = True
                ch.send({"type": "cancel"})

        signal.signal(signal.SIGINT, on_sigint)
        while True:
            try:
                header, body = ch.recv()
            except EOFError:
                raise Failure("%s closed the connection before the command finished" % where)
            kind = header.get("type")
            if kind in ("stdout", "stderr"):
                stream = out if kind == "stdout" else err
                dec = decoders.get(kind)
                stream.write(dec.decode(body).encode("utf-8") if dec else body)
                stream.flush()
            elif kind == "exit":
                for kind, dec in decoders.items():
                    tail = dec.decode(b"", final=True)
                    (out if kind == "stdout" else err).write(tail.encode("utf-8"))
                out.flush()
                if header.get("timed_out"):
                    sys.stderr.write("client.py: the remote command timed out\n")
                code = header.get("code")
                if isinstance(code, int) and not isinstance(code, bool):
                    if 0 <= code <= 255:
                        return code
                    sys.stderr.write("client.py: the remote command exited with code %d, outside 0-255\n" % code)
                    return 1  # sys.exit(256) would be seen as 0
                sig = header.get("signal")
                return 128 + signal.Signals[sig].value if sig in signal.Signals.__members__ else 1
            elif kind == "error":
                raise Failure("agent error (%s): %s" % (header.get("code"), header.get("message")))
    except Failure as e:
        sys.stderr.write("client.py: %s\n" % e)
        return 2
    except OSError as e:
        sys.stderr.write("client.py: %s: %s\n" % (where, e.strerror or e))
        return 2
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
