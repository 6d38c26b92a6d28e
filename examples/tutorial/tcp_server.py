# The tutorial's first TCP server (section 1, server.py). Only change: the port may be given as argv[1]
# (0: the system picks a free one, printed as the first line).
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
sk = socket.socket()
sk.bind(('127.0.0.1', port))    # bind(('ip', 'port')) 绑定ip和端口号
sk.listen()                     # 监听连接
if port == 0:
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
