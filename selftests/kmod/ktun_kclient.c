// SPDX-License-Identifier: GPL-2.0
/*
 * ktun_kclient: a TCP client that lives in the kernel, for testing ktun
 * with sockets made by sock_create_kern() (as RDS-TCP and KCM users do).
 *
 * Loading it runs one exchange in the network namespace of the process
 * that loads it (e.g. "ip netns exec ha insmod ktun_kclient.ko ..."):
 * connect to addr:port, send @size bytes of a pattern with @marker
 * written every 4 KiB, read the echo back and compare.  The load fails
 * with the socket's errno (ECONNREFUSED, ETIMEDOUT, ...) or EBADMSG on a
 * mismatch, so the test sees the in-kernel owner's view of the connection.
 * With @listen_first it only reads what the server sends first, reading
 * again after every error or end of file until TCP has closed the
 * connection with nothing left queued: the load fails with the first
 * error (the test wants no byte ever: a byte read fails it with EBADMSG).
 * The module does nothing after loading; unload it to run again.
 */
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

static char *addr = "127.0.0.1";
module_param(addr, charp, 0444);
MODULE_PARM_DESC(addr, "IPv4 address of the echo server");
static ushort port = 7;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "its TCP port");
static uint size = 4096;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "bytes to send and expect back (at most 16 MiB)");
static char *marker = "";
module_param(marker, charp, 0444);
MODULE_PARM_DESC(marker, "string written every 4 KiB of the data");
static uint timeout_s = 20;
module_param(timeout_s, uint, 0444);
MODULE_PARM_DESC(timeout_s, "send and receive timeout in seconds");
static bool listen_first;
module_param(listen_first, bool, 0444);
MODULE_PARM_DESC(listen_first, "only read what the server sends, again after every error");

static void kclient_fill(u8 *buf, size_t len)
{
	size_t i, mlen = strlen(marker);

	for (i = 0; i < len; i++)
		buf[i] = (u8)(i * 7 + (i >> 8));
	for (i = 0; mlen && i + mlen <= len; i += 4096)
		memcpy(buf + i, marker, mlen);
}

static int kclient_io(struct socket *sock, u8 *buf, size_t len, bool tx)
{
	size_t off = 0;
	int n;

	while (off < len) {
		struct kvec iov = { .iov_base = buf + off, .iov_len = len - off };
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		n = tx ? kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len) :
			 kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len, 0);
		if (n < 0)
			return n;
		if (!n)
			return -EPIPE;	/* the echo ended early */
		off += n;
	}
	return 0;
}

/*
 * Reads as a careless owner would: again after every error, until the
 * connection is closed in TCP and nothing is queued (or @timeout_s).
 */
static int kclient_listen_first(struct socket *sock)
{
	unsigned long end = jiffies + timeout_s * HZ;
	int n, first = 0;
	char c;

	for (;;) {
		struct kvec iov = { .iov_base = &c, .iov_len = 1 };
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		/*
		 * Seen before the read, so that the read after a reset
		 * still reports its error (the abort sets it, then closes).
		 */
		bool closed = READ_ONCE(sock->sk->sk_state) == TCP_CLOSE &&
			skb_queue_empty_lockless(&sock->sk->sk_receive_queue);

		n = kernel_recvmsg(sock, &msg, &iov, 1, 1, MSG_DONTWAIT);
		if (n > 0)
			return -EBADMSG;	/* a byte of a refused connection */
		if (n < 0 && n != -EAGAIN && !first)
			first = n;
		if (closed)
			return first ?: -ENOTCONN;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		msleep(20);
	}
}

static int kclient_exchange(struct socket *sock, const struct sockaddr_in *sin)
{
	u8 *out, *back;
	int err;

	out = vmalloc(size);
	back = vzalloc(size);
	if (!out || !back) {
		err = -ENOMEM;
		goto out;
	}
	kclient_fill(out, size);
	sock->sk->sk_sndtimeo = timeout_s * HZ;
	sock->sk->sk_rcvtimeo = timeout_s * HZ;
	err = kernel_connect(sock, (struct sockaddr *)sin, sizeof(*sin), 0);
	if (listen_first) {
		err = err ?: kclient_listen_first(sock);
		goto out;
	}
	/*
	 * The echo server reads while we write: up to the socket buffers'
	 * worth may be in flight, so sizes past them need a reader thread;
	 * tests keep @size well below that.
	 */
	if (!err)
		err = kclient_io(sock, out, size, true);
	if (!err)
		err = kclient_io(sock, back, size, false);
	if (!err && memcmp(out, back, size))
		err = -EBADMSG;
out:
	vfree(out);
	vfree(back);
	return err;
}

static int __init kclient_init(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct socket *sock;
	int err;

	if (!in4_pton(addr, -1, (u8 *)&sin.sin_addr, -1, NULL) || !size ||
	    size > (16 << 20))
		return -EINVAL;
	err = sock_create_kern(current->nsproxy->net_ns, AF_INET, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (err)
		return err;
	err = kclient_exchange(sock, &sin);
	pr_info("ktun_kclient: %u bytes to %s:%u: %d\n", size, addr, port, err);
	kernel_sock_shutdown(sock, SHUT_RDWR);
	sock_release(sock);
	return err;
}

static void __exit kclient_exit(void)
{
}

module_init(kclient_init);
module_exit(kclient_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktun selftest: an in-kernel TCP client");
