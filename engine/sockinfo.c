#include "sockinfo.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Splits line into at most max fields at whitespace; the last one keeps the
 * rest of the line (a unix socket path may hold spaces). Returns the count. */
static int split_fields(char *line, char **fields, int max)
{
    int count = 0;
    char *p = line;
    while (count < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '\n')
            break;
        fields[count++] = p;
        if (count == max) {
            p[strcspn(p, "\n")] = '\0';
            break;
        }
        p += strcspn(p, " \t\n");
        if (*p == '\0')
            break;
        *p++ = '\0';
    }
    return count;
}

static bool parse_u64(const char *text, int base, uint64_t *out)
{
    char *end;
    unsigned long long value = strtoull(text, &end, base);
    if (end == text || *end != '\0')
        return false;
    *out = value;
    return true;
}

/* "0100007F:1F40" (IPv4) or 32 hex digits and a port (IPv6) into
 * "127.0.0.1:8000" or "[::1]:8000"; "" for the unspecified address and port 0.
 * The kernel prints each 32-bit word of the address in host order. */
static bool format_inet(const char *hex, int family, char *out, size_t cap)
{
    size_t words = family == AF_INET ? 1 : 4;
    const char *colon = strchr(hex, ':');
    if (!colon || (size_t)(colon - hex) != words * 8)
        return false;
    uint32_t addr[4] = {0};
    for (size_t i = 0; i < words; i++) {
        char word[9];
        memcpy(word, hex + i * 8, 8);
        word[8] = '\0';
        uint64_t value;
        if (!parse_u64(word, 16, &value))
            return false;
        addr[i] = (uint32_t)value;
    }
    uint64_t port;
    if (!parse_u64(colon + 1, 16, &port) || port > 0xffff)
        return false;
    if (port == 0 && !addr[0] && !addr[1] && !addr[2] && !addr[3]) {
        out[0] = '\0';
        return true;
    }
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop(family, addr, ip, sizeof(ip)))
        return false;
    if (family == AF_INET)
        snprintf(out, cap, "%s:%u", ip, (unsigned)port);
    else
        snprintf(out, cap, "[%s]:%u", ip, (unsigned)port);
    return true;
}

static FILE *open_net(pid_t pid, const char *table)
{
    char name[64];
    snprintf(name, sizeof(name), "/proc/%d/net/%s", (int)pid, table);
    return fopen(name, "re");
}

/* One socket table: finds the line whose inode column matches and lets
 * fill() decode it. The first line of each table is a header. */
typedef bool (*fill_fn)(char **fields, int count, const void *arg, struct sockinfo *out);

static bool scan_table(pid_t pid, const char *table, int inode_field, int max_fields,
                       uint64_t inode, fill_fn fill, const void *arg, struct sockinfo *out)
{
    FILE *f = open_net(pid, table);
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    bool header = true;
    while (!found && getline(&line, &cap, f) > 0) {
        if (header) {
            header = false;
            continue;
        }
        char *fields[16];
        int count = split_fields(line, fields, max_fields);
        uint64_t line_inode;
        if (count <= inode_field || !parse_u64(fields[inode_field], 10, &line_inode) ||
            line_inode != inode)
            continue;
        found = fill(fields, count, arg, out);
    }
    free(line);
    fclose(f);
    return found;
}

struct inet_table {
    const char *name;
    int family;
    const char *sock_type;
};

/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ... */
enum { INET_LOCAL = 1, INET_REMOTE = 2, INET_INODE = 9, INET_FIELDS = 11 };

static bool fill_inet(char **fields, int count, const void *arg, struct sockinfo *out)
{
    const struct inet_table *table = arg;
    (void)count;
    if (!format_inet(fields[INET_LOCAL], table->family, out->local, sizeof(out->local)) ||
        !format_inet(fields[INET_REMOTE], table->family, out->remote, sizeof(out->remote)))
        return false;
    out->family = table->family;
    snprintf(out->sock_type, sizeof(out->sock_type), "%s", table->sock_type);
    return true;
}

/* Num RefCount Protocol Flags Type St Inode [Path] */
enum { UNIX_TYPE = 4, UNIX_INODE = 6, UNIX_PATH = 7, UNIX_FIELDS = 8 };

static const char *unix_sock_type(uint64_t type)
{
    switch (type) {
    case SOCK_STREAM:
        return "unix";
    case SOCK_DGRAM:
        return "unix-dgram";
    case SOCK_SEQPACKET:
        return "unix-seqpacket";
    default:
        return "socket";
    }
}

static bool fill_unix(char **fields, int count, const void *arg, struct sockinfo *out)
{
    (void)arg;
    uint64_t type;
    if (!parse_u64(fields[UNIX_TYPE], 16, &type))
        return false;
    out->family = AF_UNIX;
    snprintf(out->sock_type, sizeof(out->sock_type), "%s", unix_sock_type(type));
    snprintf(out->local, sizeof(out->local), "%s", count > UNIX_PATH ? fields[UNIX_PATH] : "");
    out->remote[0] = '\0';
    return true;
}

/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
enum { NETLINK_INODE = 9, NETLINK_FIELDS = 11 };

static bool fill_netlink(char **fields, int count, const void *arg, struct sockinfo *out)
{
    (void)fields;
    (void)count;
    (void)arg;
    out->family = AF_NETLINK;
    snprintf(out->sock_type, sizeof(out->sock_type), "netlink");
    out->local[0] = out->remote[0] = '\0';
    return true;
}

bool sockinfo_lookup(pid_t pid, uint64_t inode, struct sockinfo *out)
{
    static const struct inet_table inet_tables[] = {
        {"tcp", AF_INET, "tcp4"},
        {"tcp6", AF_INET6, "tcp6"},
        {"udp", AF_INET, "udp4"},
        {"udp6", AF_INET6, "udp6"},
    };
    memset(out, 0, sizeof(*out));
    if (inode == 0)
        return false; /* what the tables show for sockets without one (TIME_WAIT) */
    for (size_t i = 0; i < sizeof(inet_tables) / sizeof(inet_tables[0]); i++)
        if (scan_table(pid, inet_tables[i].name, INET_INODE, INET_FIELDS, inode, fill_inet,
                       &inet_tables[i], out))
            return true;
    if (scan_table(pid, "unix", UNIX_INODE, UNIX_FIELDS, inode, fill_unix, NULL, out) ||
        scan_table(pid, "netlink", NETLINK_INODE, NETLINK_FIELDS, inode, fill_netlink, NULL, out))
        return true;
    memset(out, 0, sizeof(*out));
    return false;
}
