# The tutorial's command client with a JSON header (section 3, client.py): reads commands from stdin.
# Only change: the port may be given as argv[1].
import socket
import struct
import json
import sys

phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8080))  # 连接服务器
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
