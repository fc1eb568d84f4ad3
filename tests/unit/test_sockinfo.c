#include "check.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockinfo.h"

static uint64_t inode_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static struct sockinfo lookup(int fd)
{
    struct sockinfo info;
    if (!sockinfo_lookup(getpid(), inode_of(fd), &info)) {
        memset(&info, 0, sizeof(info));
        snprintf(info.sock_type, sizeof(info.sock_type), "(not found)");
    }
    return info;
}

static unsigned port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A listener on addr:0 (a free port) and a client connected to it. */
static bool tcp_pair(int family, const char *addr, int *listener, int *client, int *accepted)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &in->sin_addr);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &in6->sin6_addr);
        len = sizeof(*in6);
    }
    *listener = socket(family, SOCK_STREAM, 0);
    if (*listener < 0 || bind(*listener, (struct sockaddr *)&ss, len) != 0 ||
        listen(*listener, 1) != 0 || getsockname(*listener, (struct sockaddr *)&ss, &len) != 0) {
        close(*listener);
        return false;
    }
    *client = socket(family, SOCK_STREAM, 0);
    if (connect(*client, (struct sockaddr *)&ss, len) != 0) {
        close(*client);
        close(*listener);
        return false;
    }
    *accepted = accept(*listener, NULL, NULL);
    return *accepted >= 0;
}

static void test_tcp4(void)
{
    int listener, client, accepted;
    CHECK(tcp_pair(AF_INET, "127.0.0.1", &listener, &client, &accepted));
    char server_addr[64], client_addr[64];
    snprintf(server_addr, sizeof(server_addr), "127.0.0.1:%u", port_of(listener));
    snprintf(client_addr, sizeof(client_addr), "127.0.0.1:%u", port_of(client));

    struct sockinfo info = lookup(listener);
    CHECK_INT(info.family, AF_INET);
    CHECK_STR(info.sock_type, "tcp4");
    CHECK_STR(info.local, server_addr);
    CHECK_STR(info.remote, "");

    info = lookup(client);
    CHECK_INT(info.family, AF_INET);
    CHECK_STR(info.sock_type, "tcp4");
    CHECK_STR(info.local, client_addr);
    CHECK_STR(info.remote, server_addr);

    info = lookup(accepted);
    CHECK_STR(info.sock_type, "tcp4");
    CHECK_STR(info.local, server_addr);
    CHECK_STR(info.remote, client_addr);

    close(accepted);
    close(client);
    close(listener);

    /* Listening on every address. */
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET};
    CHECK(bind(listener, (struct sockaddr *)&any, sizeof(any)) == 0);
    CHECK(listen(listener, 1) == 0);
    snprintf(server_addr, sizeof(server_addr), "0.0.0.0:%u", port_of(listener));
    info = lookup(listener);
    CHECK_STR(info.local, server_addr);
    CHECK_STR(info.remote, "");
    close(listener);
}

static void test_tcp6(void)
{
    int listener, client, accepted;
    if (!tcp_pair(AF_INET6, "::1", &listener, &client, &accepted)) {
        printf("no IPv6 loopback: tcp6 checks skipped\n");
        return;
    }
    char server_addr[64], client_addr[64];
    snprintf(server_addr, sizeof(server_addr), "[::1]:%u", port_of(listener));
    snprintf(client_addr, sizeof(client_addr), "[::1]:%u", port_of(client));

    struct sockinfo info = lookup(listener);
    CHECK_INT(info.family, AF_INET6);
    CHECK_STR(info.sock_type, "tcp6");
    CHECK_STR(info.local, server_addr);
    CHECK_STR(info.remote, "");

    info = lookup(client);
    CHECK_STR(info.sock_type, "tcp6");
    CHECK_STR(info.local, client_addr);
    CHECK_STR(info.remote, server_addr);
    close(accepted);
    close(client);
    close(listener);
}

static void test_udp4(void)
{
    int server = socket(AF_INET, SOCK_DGRAM, 0);
    int client = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    CHECK(bind(server, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    CHECK(getsockname(server, (struct sockaddr *)&addr, &len) == 0);
    CHECK(connect(client, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    char server_addr[64], client_addr[64];
    snprintf(server_addr, sizeof(server_addr), "127.0.0.1:%u", port_of(server));
    snprintf(client_addr, sizeof(client_addr), "127.0.0.1:%u", port_of(client));

    struct sockinfo info = lookup(server);
    CHECK_INT(info.family, AF_INET);
    CHECK_STR(info.sock_type, "udp4");
    CHECK_STR(info.local, server_addr);
    CHECK_STR(info.remote, "");

    info = lookup(client);
    CHECK_STR(info.sock_type, "udp4");
    CHECK_STR(info.local, client_addr);
    CHECK_STR(info.remote, server_addr);
    close(client);
    close(server);
}

static void test_unix(void)
{
    char dir[] = "/tmp/compendium-sockinfo-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/listen.sock", dir);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    CHECK(listen(listener, 1) == 0);

    struct sockinfo info = lookup(listener);
    CHECK_INT(info.family, AF_UNIX);
    CHECK_STR(info.sock_type, "unix");
    CHECK_STR(info.local, addr.sun_path);
    CHECK_STR(info.remote, "");
    close(listener);
    unlink(addr.sun_path);
    rmdir(dir);

    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
    info = lookup(pair[0]);
    CHECK_INT(info.family, AF_UNIX);
    CHECK_STR(info.sock_type, "unix-dgram");
    CHECK_STR(info.local, "");
    close(pair[0]);
    close(pair[1]);

    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0);
    CHECK_STR(lookup(pair[1]).sock_type, "unix-seqpacket");
    close(pair[0]);
    close(pair[1]);
}

static void test_netlink(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl addr = {.nl_family = AF_NETLINK};
    CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    struct sockinfo info = lookup(fd);
    CHECK_INT(info.family, AF_NETLINK);
    CHECK_STR(info.sock_type, "netlink");
    CHECK_STR(info.remote, "");
    close(fd);
}

static void test_not_a_socket(void)
{
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    struct sockinfo info;
    memset(&info, 0x55, sizeof(info));
    CHECK(!sockinfo_lookup(getpid(), inode_of(pipe_fds[0]), &info));
    CHECK_INT(info.family, 0);
    CHECK_STR(info.sock_type, "");
    CHECK_STR(info.remote, "");
    CHECK(!sockinfo_lookup(getpid(), 0, &info));
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

int main(void)
{
    test_tcp4();
    test_tcp6();
    test_udp4();
    test_unix();
    test_netlink();
    test_not_a_socket();
    return check_finish();
}
