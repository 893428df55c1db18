#!/usr/bin/python3
"""probe.py — the listener and the prober of tests/network/run.sh (run with
Debian's /usr/bin/python3, as root on the host or in a network namespace,
or as a session's user inside the session).

  probe.py listen PORT[,PORT...] [ADDR...]
      TCP and UDP on every PORT of every ADDR (bound with IP(V6)_FREEBIND,
      so a tentative or absent address is no error); no ADDR: "::", dual
      stack. Prints "listening" once bound, then one line per probe that
      arrives: "tcp|udp TOKEN SOURCE-ADDRESS" (flushed), and answers
      "ACK TOKEN". Runs until killed.

  probe.py probe SPEC...
      Every SPEC at once, each bounded by 2 s; SPEC = KIND,ADDR,PORT,TOKEN
      [,SPORT] with KIND tcp, udp or icmp (PORT ignored: ping -c2). Prints
      "TOKEN yes" (an answer came), "TOKEN refused" (TCP RST or ICMP port
      unreachable: the probe reached a network stack) or "TOKEN no".
"""
import socket
import subprocess
import sys
import threading
import time

IP_FREEBIND = 15
IPV6_FREEBIND = 78
WAIT = 2.0
out_lock = threading.Lock()


def say(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def bound(kind, addr, port):
    fam = family(addr)
    s = socket.socket(fam, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        if addr == "::":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    s.bind((addr, port))
    if kind == "tcp":
        s.listen(64)
    return s


def peer(a):
    a = a[0]
    return a[7:] if a.startswith("::ffff:") else a


def serve_tcp(s):
    def one(c, a):
        try:
            c.settimeout(WAIT)
            tok = c.recv(200).decode(errors="replace").strip()
            say("tcp %s %s" % (tok or "-", peer(a)))
            c.sendall(("ACK %s\n" % tok).encode())
        except OSError:
            pass
        finally:
            c.close()

    while True:
        try:
            c, a = s.accept()
        except OSError:
            continue
        threading.Thread(target=one, args=(c, a), daemon=True).start()


def serve_udp(s):
    while True:
        try:
            d, a = s.recvfrom(200)
        except OSError:
            continue
        tok = d.decode(errors="replace").strip()
        say("udp %s %s" % (tok or "-", peer(a)))
        try:
            s.sendto(("ACK %s\n" % tok).encode(), a)
        except OSError:
            pass


def listen(ports, addrs):
    threads = []
    for addr in addrs or ["::"]:
        for port in ports:
            threads.append(threading.Thread(target=serve_tcp, args=(bound("tcp", addr, port),), daemon=True))
            threads.append(threading.Thread(target=serve_udp, args=(bound("udp", addr, port),), daemon=True))
    for t in threads:
        t.start()
    say("listening")
    while True:
        time.sleep(3600)


def probe_one(spec, results):
    f = spec.split(",")
    kind, addr, port, tok = f[0], f[1], int(f[2] or 0), f[3]
    sport = int(f[4]) if len(f) > 4 and f[4] else 0
    res = "no"
    try:
        if kind == "icmp":
            r = subprocess.run(["ping", "-n", "-q", "-c", "1", "-i", "0.3", "-w", str(int(WAIT)), addr],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            res = "yes" if r.returncode == 0 else "no"
        else:
            info = socket.getaddrinfo(addr, port, family(addr),
                                      socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)[0]
            s = socket.socket(info[0], info[1])
            s.settimeout(WAIT)
            if sport:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("::" if info[0] == socket.AF_INET6 else "0.0.0.0", sport))
            try:
                s.connect(info[4])
                if kind == "tcp":
                    s.sendall((tok + "\n").encode())
                    d = s.recv(200)
                else:
                    end = time.monotonic() + WAIT
                    d = b""
                    while time.monotonic() < end and not d:
                        s.send((tok + "\n").encode())
                        s.settimeout(0.5)
                        try:
                            d = s.recv(200)
                        except socket.timeout:
                            pass
                res = "yes" if d.startswith(b"ACK") else "no"
            except ConnectionRefusedError:
                res = "refused"
            except OSError:
                res = "no"
            finally:
                s.close()
    except OSError:
        res = "no"
    results.append("%s %s" % (tok, res))


def probe(specs):
    results = []
    threads = [threading.Thread(target=probe_one, args=(s, results)) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(r)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "listen":
        listen([int(p) for p in sys.argv[2].split(",")], sys.argv[3:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "probe":
        probe(sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
