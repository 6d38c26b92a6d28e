/**
 * The tutorial's programs (/work/shared/seed/python-network-programming.zh.txt) as written, for the conversation
 * tests. Those that users run too live once, in examples/tutorial/ (read from there): they take the port as argv[1],
 * a server given 0 binds a free port and prints it first. The others are given here with the same two changes: a
 * server binds port 0 and prints it as its first line, and a client takes the port from argv (tests run in parallel,
 * fixed ports would collide); print() flushes through `python3 -u`. Further changes are noted where a program is
 * given (none were forced by Python 2 syntax: the programs are py3).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** the source of one of examples/tutorial/*.py */
function example(file: string): string {
  return readFileSync(join(__dirname, '../../../../examples/tutorial', file), 'utf8');
}

/** 一.1 server.py: receive, answer b'hi!', receive, answer 吃包子啊! (examples/tutorial/tcp_server.py) */
export const TCP_SERVER = example('tcp_server.py');

/** 一.1 client.py (examples/tutorial/tcp_client.py) */
export const TCP_CLIENT = example('tcp_client.py');

/** 一.3(1) 话痨对话 server.py */
export const CHAT_SERVER = `
import socket

sk = socket.socket()

sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()

while True:
    res = conn.recv(1024).decode('utf-8')           # 接收消息(解码)
    if res == "bye":                                # 退出
        conn.send(b"bye")
        break
    print(res)                                      # 输出消息
    mes = input(">>>")                              # 输入消息
    conn.send(mes.encode('utf-8'))                  # 发送消息(编码)

conn.close()
sk.close()
`;

/** 一.3(1) 话痨对话 client.py */
export const CHAT_CLIENT = `
import socket, sys

sk = socket.socket()

sk.connect(('127.0.0.1', int(sys.argv[1])))

while True:
    msg = input(">>>")                                  # 输入消息
    sk.send(msg.encode('utf-8'))                        # 传输消息(编码)
    res = sk.recv(1024).decode("utf-8")                 # 接收消息(解码)
    if res == 'bye':                                    # 退出
        sk.send(b'bye')
        break
    print(res)                                          # 输出消息

sk.close()
`;

/** 一.3(3) QQ聊天 server.py (UDP) (examples/tutorial/chat_server.py) */
export const QQ_SERVER = example('chat_server.py');

/** 一.3(3) QQ聊天 client.py (UDP; its messages carry ANSI colour codes) (examples/tutorial/chat_client.py) */
export const QQ_CLIENT = example('chat_client.py');

/** 一.3(4) 远程执行命令 server.py: the controller (types commands, prints the GBK output) */
export const REMOTE_CMD_SERVER = `
import socket
sk = socket.socket()

sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()

while True:
    cmd = input(">>>")
    if cmd == 'q' or cmd == 'exit':
        conn.send(b'q')
        break
    conn.send(cmd.encode("gbk"))
    res = conn.recv(1024).decode("gbk")
    print(res)


conn.close()
sk.close()
`;

/** 一.3(4) 远程执行命令 client.py: the executor */
export const REMOTE_CMD_CLIENT = `
import socket, sys
import subprocess
sk = socket.socket()

sk.connect(('127.0.0.1', int(sys.argv[1])))

while True:
    cmd = sk.recv(1024).decode("gbk")
    if cmd == "q" or cmd == "exit":
        break
    res = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sk.send(res.stdout.read())
    sk.send(res.stderr.read())


sk.close()
`;

/** 二.4(1) server.py: command, then the size, then "ok", then exactly that many bytes */
export const SIZE_OK_SERVER = `
import socket
sk = socket.socket()

sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()

while True:
    cmd = input(">>>")
    if cmd == 'q':
        conn.send(b'q')
        break
    conn.send(cmd.encode("gbk"))
    num = conn.recv(1024).decode("utf-8")       # 接受数据的大小
    conn.send(b"ok")                            # 响应ok
    res = conn.recv(int(num)).decode("gbk")     # 根据数据大小接受数据
    print(res)


conn.close()
sk.close()
`;

/** 二.4(1) client.py */
export const SIZE_OK_CLIENT = `
import socket, sys
import subprocess

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))

while True:
    cmd = sk.recv(1024).decode("gbk")
    if cmd == "q":
        break
    res = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    std_out = res.stdout.read()     # 原理是队列 所以只能读一次
    std_err = res.stderr.read()     # 原理是队列 所以只能读一次
    sk.send(str(len(std_out)+len(std_err)).encode("utf-8"))     # 发送数据的大小
    sk.recv(1024)                   # 接收ok
    sk.send(std_out)
    sk.send(std_err)


sk.close()
`;

/** 二.4(2) server.py: the struct version of the controller */
export const STRUCT_SERVER = `
import socket
import struct
sk = socket.socket()

sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()

while True:
    cmd = input(">>>")
    if cmd == 'q':
        conn.send(b'q')
        break
    conn.send(cmd.encode("gbk"))
    num = conn.recv(4)                              # 接受数据的大小
    num = struct.unpack('i', num)[0]                # 将4个字节转化成整数
    res = conn.recv(int(num)).decode("gbk")         # 根据数据大小接受数据
    print(res)


conn.close()
sk.close()
`;

/** 二.4(2) client.py */
export const STRUCT_CLIENT = `
import socket, sys
import struct
import subprocess

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))

while True:
    cmd = sk.recv(1024).decode("gbk")
    if cmd == "q":
        break
    res = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    std_out = res.stdout.read()             # 原理是队列 所以只能读一次
    std_err = res.stderr.read()             # 原理是队列 所以只能读一次
    len_num = len(std_out)+len(std_err)     # 数据的大小
    num_py = struct.pack('i', len_num)      # 把数据大小压缩为4个
    sk.send(num_py)
    sk.send(std_out)
    sk.send(std_err)


sk.close()
`;

/** 三.2 client.py: a UTF-8 command out, a JSON header and GBK output back (examples/tutorial/cmd_client.py) */
export const JSON_HEADER_CLIENT = example('cmd_client.py');

/** 五 socketserver server.py */
export const SOCKETSERVER_SERVER = `
import socketserver

class MyServer(socketserver.BaseRequestHandler):
    def handle(self):           # self.request相当于一个conn
        while True:
            msg = self.request.recv(1024)
            print(msg.decode("utf-8"))
            msg = input(">>>")
            self.request.send(msg.encode("utf-8"))

if __name__ == '__main__':
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), MyServer)
    print(server.server_address[1])
    # thread 线程
    server.serve_forever()           # 让server一直运行
`;

/** 五 socketserver client.py */
export const SOCKETSERVER_CLIENT = `
import socket, sys

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
while True:
    msg = input(">>>")
    if msg == "q":
        sk.send(b"q")
        break
    sk.send(("老王: "+msg).encode("utf-8"))
    res = sk.recv(1024)
    print(res.decode("utf-8"))

sk.close()
`;

/** 六 server.py (check_conn), with digestmod given (Python 3.8+ requires it; md5 was the old default) */
export const CHECK_CONN_SERVER = `
import os
import hmac
import socket

secret_key = b"wyb"     # 加密的密钥

sk = socket.socket()
sk.bind(("127.0.0.1", 0))
sk.listen()
print(sk.getsockname()[1])


def check_conn(conn):           # 检查连接是否合法
    msg = os.urandom(32)
    conn.send(msg)
    h = hmac.new(secret_key, msg, "md5")       # 加密消息
    digest = h.digest()
    client_digest = conn.recv(1024)     # 接受对方发送回的加密消息
    return hmac.compare_digest(digest, client_digest)       # 对比加密后的消息


conn, addr = sk.accept()
res = check_conn(conn)
if res:
    print("合法的客户端")
    conn.close()
else:
    print("不合法的客户端")
    conn.close()
sk.close()
`;

/** 六 client.py, with digestmod given */
export const CHECK_CONN_CLIENT = `
import hmac
import socket, sys

secret_key = b"wyb"     # 加密的密钥

sk = socket.socket()
sk.connect(("127.0.0.1", int(sys.argv[1])))

msg = sk.recv(1024)
h = hmac.new(secret_key, msg, "md5")
digest = h.digest()
sk.send(digest)

sk.close()
`;

/** 一.2 server.py (UDP) (examples/tutorial/udp_server.py) */
export const UDP_SERVER = example('udp_server.py');

/** 一.2 client.py (UDP) (examples/tutorial/udp_client.py) */
export const UDP_CLIENT = example('udp_client.py');

/** 一.3(2) 时间服务器 server.py (examples/tutorial/time_server.py): answers a strftime format with the time */
export const TIME_SERVER = example('time_server.py');

/** 一.3(2) 时间服务器 client.py (UDP): types a strftime format, prints the answer (examples/tutorial/time_client.py) */
export const TIME_CLIENT = example('time_client.py');

/** 二.3(1) server.py: one recv(200) gets both sends of the client (发送方的缓存机制) */
export const STICKY_SERVER = `
import socket

sk = socket.socket()
sk.bind(("127.0.0.1", 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()
res = conn.recv(200)
print("res:", res)

conn.close()
sk.close()
`;

/** 二.3(1) client.py: two small sends in a row */
export const STICKY_CLIENT = `
import socket, sys

sk = socket.socket()
sk.connect(("127.0.0.1", int(sys.argv[1])))
sk.send(b"hello, world!")
sk.send(b"wyb666")

sk.close()
`;

/** 二.3(2) server.py: recv(2) then recv(10) (接受方的缓存机制) */
export const SMALL_RECV_SERVER = `
import socket

sk = socket.socket()
sk.bind(("127.0.0.1", 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()
res = conn.recv(2)
res2 = conn.recv(10)
print("res:", res)
print("res2:", res2)

conn.close()
sk.close()
`;

/** 二.3(2) client.py */
export const SMALL_RECV_CLIENT = `
import socket, sys

sk = socket.socket()
sk.connect(("127.0.0.1", int(sys.argv[1])))
sk.send(b"hello, world!")

sk.close()
`;
