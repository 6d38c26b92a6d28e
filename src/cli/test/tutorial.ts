/**
 * The tutorial's programs (/work/shared/seed/python-network-programming.zh.txt) as written, for the conversation
 * tests. Only two changes everywhere: a server binds port 0 and prints it as its first line, and a client takes
 * the port from argv (tests run in parallel, fixed ports would collide); print() flushes through `python3 -u`.
 * Further changes are noted where a program is given (none were forced by Python 2 syntax: the programs are py3).
 */

/** 一.1 server.py: receive, answer b'hi!', receive, answer 吃包子啊!. */
export const TCP_SERVER = `
import socket                   # 导入socket模块
sk = socket.socket()
sk.bind(('127.0.0.1', 0))    # bind(('ip', 'port')) 绑定ip和端口号
sk.listen()                     # 监听连接
print(sk.getsockname()[1])

conn, addr = sk.accept()        # 接收客户端连接

res = conn.recv(1024)           # 接收信息
print(res)
conn.send(b'hi!')               # 发送信息,必须传一个bytes类型
res = conn.recv(1024)
print(res.decode('utf-8'))                          # 解码
conn.send(bytes("吃包子啊!".encode('utf-8')))       # 编码

conn.close()                    # 关闭连接
sk.close()                      # 关闭服务器
`;

/** 一.1 client.py */
export const TCP_CLIENT = `
import socket, sys

sk = socket.socket()

sk.connect(('127.0.0.1', int(sys.argv[1])))     # 连接服务器
sk.send(b'wyb')                     # 发送信息
res = sk.recv(1024)                 # 接受信息
print(res)
sk.send(bytes("中午吃什么".encode('utf-8')))     # 编码
res = sk.recv(1024)
print(res.decode("utf-8"))                     # 解码

sk.close()                          # 关闭客户端
`;

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

/** 一.3(3) QQ聊天 server.py (UDP) */
export const QQ_SERVER = `
import socket

ip_port = ('127.0.0.1', 0)
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.bind(ip_port)
print(sk.getsockname()[1])

while True:
    data, addr = sk.recvfrom(1024)  # 接受消息
    if data == b"bye":
        break
    print(data.decode("utf-8"))
    info = input(">>>").encode("utf-8")
    sk.sendto(info, addr)

sk.close()
`;

/** 一.3(3) QQ聊天 client.py (UDP; its messages carry ANSI colour codes) */
export const QQ_CLIENT = `
import socket, sys

ip_port = ('127.0.0.1', int(sys.argv[1]))
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

while True:
    msg = input("老王: ")
    msg = "\\033[34m来自老王的消息: %s\\033[0m" % msg
    sk.sendto(msg.encode("utf-8"), ip_port)
    data, addr = sk.recvfrom(1024)
    if data == b"bye":
        break
    print(data.decode("utf-8"))

sk.close()
`;

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

/** 三.2 client.py: a UTF-8 command out, a JSON header and GBK output back */
export const JSON_HEADER_CLIENT = `
import socket, sys
import struct
import json

phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', int(sys.argv[1])))  # 连接服务器
buffer = 1024

while True:
    cmd = input('输入命令>>').strip()
    phone.send(cmd.encode('utf-8'))  # 发送消息
    header_len = struct.unpack('i', phone.recv(4))[0]  # 收报头的长度
    header_bytes = phone.recv(header_len)  # 接收报头
    header_json = header_bytes.decode('utf-8')  # 拿到json格式的字典
    header_dic = json.loads(header_json)  # 反序列化拿到字典
    total_size = header_dic['total_size']  # 拿到数据的总长度
    # 最后收数据
    recv_size = 0
    total_data = b''
    while recv_size < total_size:  # 循环的收
        recv_data = phone.recv(buffer)  # buffer只是一个最大的限制
        recv_size += len(recv_data)
        total_data += recv_data  # 最终的结果
    print('返回的消息:%s' % total_data.decode('gbk'))

phone.close()
`;

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

/** 一.2 server.py (UDP) */
export const UDP_SERVER = `
import socket

sk = socket.socket(type=socket.SOCK_DGRAM)          # DGRAM datagram
sk.bind(('127.0.0.1', 0))                        # '127.0.0.1', 8888 -> server端地址
print(sk.getsockname()[1])

msg, addr = sk.recvfrom(1024)                       # 接受消息
print(msg.decode("utf-8"))
sk.sendto(b"bye", addr)                             # 发送消息  addr -> client端地址

sk.close()
`;

/** 一.2 client.py (UDP) */
export const UDP_CLIENT = `
import socket, sys

sk = socket.socket(type=socket.SOCK_DGRAM)          # DGRAM datagram

ip_port = ('127.0.0.1', int(sys.argv[1]))                       # 发送的地址 '127.0.0.1', 8888 -> server端地址

sk.sendto(b"hello", ip_port)                        # 发送消息
ret, addr = sk.recvfrom(1024)                       # 接受消息   addr -> server端地址
print(ret.decode("utf-8"))

sk.close()
`;

/** 一.3(2) 时间服务器 client.py (UDP): types a strftime format, prints the answer */
export const TIME_CLIENT = `
import socket, sys

ip_port = ('127.0.0.1', int(sys.argv[1]))
udp_client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

while True:
    msg = input('请输入时间格式(例%Y %m %d)>>: ').strip()    # 输入信息
    udp_client.sendto(msg.encode('utf-8'), ip_port)          # 发送信息

    data = udp_client.recv(1024)                             # 接受消息
    print(data.decode("utf-8"))


udp_client.close()
`;

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
