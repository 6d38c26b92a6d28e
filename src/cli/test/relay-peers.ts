/**
 * Python peers for the relay and fault-injection tests, written the way the seed tutorial writes them
 * (/work/shared/seed/python-network-programming.zh.txt). Serving peers bind port 0 and print the port first.
 */

/**
 * The tutorial's JSON-header client (客户端: 先收报头长度, 再收报头, 最后收数据), each part received in a loop until
 * it is complete — the receiver that survives any cutting. Sends each argv[2:] command, prints each result.
 */
export const JSON_HEADER_CLIENT = `
import socket
import struct
import json
import sys

phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', int(sys.argv[1])))
buffer = 1024

def recv_exactly(n):
    data = b''
    while len(data) < n:
        part = phone.recv(n - len(data))
        if not part:
            raise SystemExit('connection closed after %d of %d bytes' % (len(data), n))
        data += part
    return data

for cmd in sys.argv[2:]:
    phone.send(cmd.encode('utf-8'))
    header_len = struct.unpack('i', recv_exactly(4))[0]
    header_bytes = recv_exactly(header_len)
    header_dic = json.loads(header_bytes.decode('utf-8'))
    total_size = header_dic['total_size']
    recv_size = 0
    total_data = b''
    while recv_size < total_size:
        recv_data = phone.recv(buffer)
        recv_size += len(recv_data)
        total_data += recv_data
    print('result:' + total_data.decode('utf-8').strip())
phone.close()
`;

/** The tutorial's first server: one recv(1024) is taken to be the whole message; answers with what it got. */
export const NAIVE_SERVER = `
import socket

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
res = conn.recv(1024).decode('utf-8')
print('server got:' + res)
conn.send(('you said ' + res).encode('utf-8'))
conn.close()
sk.close()
`;

/**
 * The tutorial's first client: one send, one recv(1024), printed. It sends a moment after connecting, as a person
 * typing would, so that the server is already waiting in recv() when the first piece arrives.
 */
export const NAIVE_CLIENT = `
import socket, sys, time

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
time.sleep(0.3)
sk.send(sys.argv[2].encode('utf-8'))
res = sk.recv(1024).decode('utf-8')
print('client got:' + res)
sk.close()
`;

/**
 * A server that receives the struct-length-prefixed messages of the tutorial's 二.4(2) (struct.pack('i', len) then the
 * bytes), each part received in a loop until it is complete — the receiver that survives any cutting. Prints each.
 */
export const LENGTH_PREFIXED_SERVER = `
import socket
import struct

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()

def recv_exactly(n):
    data = b''
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            return None
        data += part
    return data

while True:
    head = recv_exactly(4)
    if head is None:
        break
    num = struct.unpack('i', head)[0]
    print('got:' + recv_exactly(num).decode('utf-8'))
conn.close()
sk.close()
`;
