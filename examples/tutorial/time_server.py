# The tutorial's UDP time server (exercise 2, server.py). Only change: the port may be given as argv[1]
# (0: the system picks a free one, printed as the first line).
import socket
import sys
from time import strftime

ip_port = ('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8888)       # server端地址

udp_server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_server.bind(ip_port)
if ip_port[1] == 0:
    print(udp_server.getsockname()[1])

while True:
    msg, addr = udp_server.recvfrom(1024)       # 接受消息
    print(msg.decode("utf-8"))

    # 根据接受到的消息进行处理
    if not msg:
        time_fmt = '%Y-%m-%d %X'
    else:
        time_fmt = msg.decode('utf-8')
    # 根据时间格式生成时间信息
    back_msg = strftime(time_fmt)

    # 发送消息
    udp_server.sendto(back_msg.encode("utf-8"), addr)


udp_server.close()
