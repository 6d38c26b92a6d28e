/**
 * Python receivers of Send File, written the way the seed tutorial writes its json-header programs
 * (/work/shared/seed/python-network-programming.zh.txt, 三.2): a server binds port 0, prints the port, accepts one client.
 * Shared by the core tests and the extension host suite.
 */

/** the tutorial's upload receiver on socket `conn`: header length, JSON header, then `filesize` bytes to argv[1] */
const RECEIVE_UPLOAD = `
header_len = struct.unpack('i', conn.recv(4))[0]   # 收报头的长度
header_bytes = b''
while len(header_bytes) < header_len:
    header_bytes += conn.recv(header_len - len(header_bytes))
print("header:" + header_bytes.hex())
header_dic = json.loads(header_bytes.decode('utf-8'))
filesize = header_dic['filesize']
recv_size = 0
with open(sys.argv[1], 'wb') as f:
    while recv_size < filesize:   # 一边收一边写
        data = conn.recv(min(4096, filesize - recv_size))
        if not data:
            break
        f.write(data)
        recv_size += len(data)
print("done %d" % recv_size)
conn.close()
`;

/** the tutorial's server set-up: port 0 (printed), one client accepted as `conn` */
const ACCEPT_ONE = `
sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1])

conn, addr = sk.accept()
`;

/**
 * The file-upload server: `struct.unpack('i', recv(4))` header length, the JSON header, then `filesize` bytes
 * received in a loop and written to the file named by argv[1]. Prints the header bytes as hex, then "done N".
 */
export const FILE_UPLOAD_SERVER = `
import socket
import struct
import json
import sys
${ACCEPT_ONE}
${RECEIVE_UPLOAD}
sk.close()
`;

/**
 * An upload server that answers: receives one json-header message (the upload, `total_size` bytes), answers
 * "ok <bytes> <filename>", then receives one more json-header message and prints its body.
 */
export const FILE_UPLOAD_ANSWERING_SERVER = `
import socket
import struct
import json
${ACCEPT_ONE}
def recv_msg():
    header_len = struct.unpack('i', conn.recv(4))[0]
    header_bytes = b''
    while len(header_bytes) < header_len:
        header_bytes += conn.recv(header_len - len(header_bytes))
    header_dic = json.loads(header_bytes.decode('utf-8'))
    data = b''
    while len(data) < header_dic['total_size']:
        data += conn.recv(min(65536, header_dic['total_size'] - len(data)))
    return header_dic, data

header_dic, data = recv_msg()
conn.send(('ok %d %s' % (len(data), header_dic['filename'])).encode('utf-8'))
header_dic, data = recv_msg()
print(data.decode('utf-8'))
conn.close()
sk.close()
`;

/** The same receiver as a client of the port in argv[2] (a server in Socket Debugger sends it the file); prints its own port first. */
export const FILE_UPLOAD_CLIENT = `
import socket
import struct
import json
import sys

conn = socket.socket()
conn.connect(('127.0.0.1', int(sys.argv[2])))
print(conn.getsockname()[1])
${RECEIVE_UPLOAD}
`;

/** Receives until FIN and writes everything to the file named by argv[1]; prints "done N". */
export const STREAM_RECEIVER = `
import socket
import sys

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
total = 0
with open(sys.argv[1], 'wb') as f:
    while True:
        data = conn.recv(4096)
        if not data:
            break
        f.write(data)
        total += len(data)
print("done %d" % total)
conn.close()
sk.close()
`;
