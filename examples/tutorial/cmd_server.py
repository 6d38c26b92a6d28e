# The tutorial's command server with a JSON header (section 3, server.py): runs each command it receives and
# answers struct.pack('i', len(header)) + json header {"total_size": n} + stdout + stderr.
# Changes: the port may be given as argv[1] (0: the system picks a free one, printed as the first line); an empty
# recv (the client left) ends the inner loop, where the tutorial would run an empty command.
import socket
import subprocess
import struct
import json
import sys

phone = socket.socket(socket.AF_INET,socket.SOCK_STREAM)
phone.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
phone.bind(('127.0.0.1', port))
phone.listen(5)     #阻塞的最大数
if port == 0:
    print(phone.getsockname()[1])

while True:
    coon,addr = phone.accept()
    print(coon,addr)
    while True:     #通信循环
        # 收发消息
        cmd = coon.recv(1024) #接收的最大数
        if not cmd:
            break
        print('接收的是:%s'%cmd.decode('utf-8'))
        #处理过程
        res = subprocess.Popen(cmd.decode('utf-8'),shell = True,
                                          stdout=subprocess.PIPE, #标准输出
                                          stderr=subprocess.PIPE #标准错误
                                )
        stdout = res.stdout.read()
        stderr = res.stderr.read()
        # 制作报头
        header_dic = {
            'total_size': len(stdout)+len(stderr),  # 总共的大小
        }
        header_json = json.dumps(header_dic) #字符串类型
        header_bytes = header_json.encode('utf-8')  #转成bytes类型(但是长度是可变的)
        #先发报头的长度
        coon.send(struct.pack('i',len(header_bytes))) #发送固定长度的报头
        #再发报头
        coon.send(header_bytes)
        #最后发命令的结果
        coon.send(stdout)
        coon.send(stderr)
    coon.close()
phone.close()
