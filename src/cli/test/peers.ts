/**
 * Python peers for the CLI tests, written the way the seed tutorial writes them
 * (/work/shared/seed/python-network-programming.zh.txt). Each binds port 0 where it serves and prints
 * the port as its first line.
 */

/** A client that sends two struct.pack('i') frames in ONE send (a sticky packet), then closes. */
export const STRUCT_SENDER = `
import socket, struct, sys

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
a = "hello".encode("utf-8")
b = "吃包子啊".encode("utf-8")
sk.send(struct.pack('i', len(a)) + a + struct.pack('i', len(b)) + b)
sk.close()
`;

/** The tutorial's JSON-header command server: raw command in, struct 'i' header length + JSON header + output. */
export const JSON_HEADER_SERVER = `
import socket
import subprocess
import struct
import json

phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
phone.bind(('127.0.0.1', 0))
phone.listen(5)
print(phone.getsockname()[1])

coon, addr = phone.accept()
while True:
    cmd = coon.recv(1024)
    if not cmd:
        break
    res = subprocess.Popen(cmd.decode('utf-8'), shell=True,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    stdout = res.stdout.read()
    stderr = res.stderr.read()
    header_dic = {
        'total_size': len(stdout) + len(stderr),
    }
    header_json = json.dumps(header_dic)
    header_bytes = header_json.encode('utf-8')
    coon.send(struct.pack('i', len(header_bytes)))
    coon.send(header_bytes)
    coon.send(stdout)
    coon.send(stderr)
coon.close()
phone.close()
`;

/** A server that speaks GBK, like the tutorial's Windows console programs: replies to what it got. */
export const GBK_SERVER = `
import socket

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
conn.send("吃包子啊".encode("gbk"))
data = conn.recv(1024)
print("got:" + data.decode("gbk"))
conn.send(("你说: " + data.decode("gbk")).encode("gbk"))
conn.close()
sk.close()
`;

/** N clients at once (threads), each sending M struct.pack('i') frames "c<i>-<j>". */
export const MANY_CLIENTS = `
import socket, struct, sys, threading

port, n, m = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def client(i):
    sk = socket.socket()
    sk.connect(('127.0.0.1', port))
    for j in range(m):
        msg = ("c%d-%d" % (i, j)).encode("utf-8")
        sk.send(struct.pack('i', len(msg)) + msg)
    sk.recv(1)   # hold the connection until the server goes away
    sk.close()

ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print("done")
`;

/** Receives everything until FIN, prints it as hex, answers "got N bytes" and closes. */
export const SINK_SERVER = `
import socket

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
total = b''
while True:
    data = conn.recv(1024)
    if not data:
        break
    total += data
print("hex:" + total.hex())
conn.send(("got %d bytes" % len(total)).encode("utf-8"))
conn.close()
sk.close()
`;

/** Accepts one client, reads N bytes exactly, prints them as hex, then holds the connection. */
export const READ_N_SERVER = `
import socket, sys

n = int(sys.argv[1])
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
data = b''
while len(data) < n:
    chunk = conn.recv(1024)
    if not chunk:
        break
    data += chunk
print("hex:" + data.hex())
conn.recv(1)
conn.close()
`;

/** Accepts and says nothing (for --timeout). */
export const SILENT_SERVER = `
import socket, time

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
time.sleep(30)
`;

/** Holds a listening socket (for "address in use"). */
export const PORT_HOLDER = `
import socket, time

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
time.sleep(30)
`;

/** A client: sends each argv[2:] item as one struct 'i' frame and reads one framed reply per frame. */
export const FRAMED_CLIENT = `
import socket, struct, sys

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
for msg in sys.argv[2:]:
    data = msg.encode("utf-8")
    sk.send(struct.pack('i', len(data)) + data)
    num = struct.unpack('i', sk.recv(4))[0]
    res = b''
    while len(res) < num:
        res += sk.recv(num - len(res))
    print("reply:" + res.decode("utf-8"))
sk.close()
`;

/** A client that sends argv[2] bytes of a deterministic pattern with sendall, then closes; prints the sha256. */
export const BULK_CLIENT = `
import socket, sys, hashlib

port, n = int(sys.argv[1]), int(sys.argv[2])
block = bytes(range(256)) * 4096
data = (block * (n // len(block) + 1))[:n]
print(hashlib.sha256(data).hexdigest())
sk = socket.socket()
sk.connect(('127.0.0.1', port))
sk.sendall(data)
sk.close()
`;

/** The QQ-chat style UDP client: one datagram, one reply, printed. */
export const UDP_CLIENT = `
import socket, sys

ip_port = ('127.0.0.1', int(sys.argv[1]))
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.settimeout(5)
sk.sendto(sys.argv[2].encode("utf-8"), ip_port)
data, addr = sk.recvfrom(1024)
print("reply:" + data.decode("utf-8"))
sk.close()
`;

/** A server that drops its first client after one recv, then serves the second: 'welcome back', until it closes. */
export const DROP_FIRST_SERVER = `
import socket

sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1])

conn, addr = sk.accept()
print('first:' + conn.recv(1024).decode('utf-8'))
conn.close()

conn, addr = sk.accept()
print('second:' + conn.recv(1024).decode('utf-8'))
conn.send('welcome back'.encode('utf-8'))
while conn.recv(1024):
    pass
conn.close()
sk.close()
`;

/** A server that greets its one client with 'ready' and keeps the connection until the client closes. */
export const HOLD_SERVER = `
import socket

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1])

conn, addr = sk.accept()
conn.send(b'ready')
while conn.recv(1024):
    pass
conn.close()
sk.close()
`;
