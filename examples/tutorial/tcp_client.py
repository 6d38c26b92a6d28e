# The tutorial's first TCP client (section 1, client.py). Only change: the port may be given as argv[1].
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
sk = socket.socket()

sk.connect(('127.0.0.1', port))     # 连接服务器
sk.send(b'wyb')                     # 发送信息
res = sk.recv(1024)                 # 接受信息
print(res)
sk.send(bytes("中午吃什么".encode('utf-8')))     # 编码
res = sk.recv(1024)
print(res.decode("utf-8"))                     # 解码

sk.close()                          # 关闭客户端
