/* linux.netDevices (config-linux.md "Network Devices"): host devices moved into the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"

/* The mover: a child forked while the helper is still in the runtime's namespaces, so that it
 * keeps CAP_NET_ADMIN over the host's network namespace (the helper may soon be in a new user
 * namespace). OP_NETDEV_MOVE tells it the container's namespace is ready; it moves each device
 * there, renamed, re-adds its permanent global addresses and sets it up, then reports. */
static pid_t mover_pid;
static int mover_go = -1, mover_result = -1;

struct nlreq {
  struct nlmsghdr h;
  union {
    struct ifinfomsg ifi;
    struct ifaddrmsg ifa;
  };
  char attrs[512];
};

static void nl_attr(struct nlreq *r, unsigned short type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
  if (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) > sizeof *r) return;
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len);
}

/* Sends one request and waits for its acknowledgement: 0 or an errno. */
static int nl_call(int sock, struct nlreq *r) {
  r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (send(sock, r, r->h.nlmsg_len, 0) < 0) return errno;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(sock, buf, sizeof buf, 0);
    if (n < 0) return errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
      if (h->nlmsg_type == NLMSG_ERROR) return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
  }
}

struct saved_addr {
  unsigned char family, prefixlen;
  unsigned char local[16], address[16];
  int has_local, has_address;
};

/* The device's permanent addresses of global scope, which a move to another namespace drops. */
static int permanent_addrs(int sock, int ifindex, struct saved_addr *out, int max) {
  struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP}};
  if (send(sock, &r, r.h.nlmsg_len, 0) < 0) return -1;
  int count = 0;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(sock, buf, sizeof buf, 0);
    if (n < 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) return -1;
      struct ifaddrmsg *ifa = NLMSG_DATA(h);
      if ((int)ifa->ifa_index != ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE || count >= max) continue;
      uint32_t flags = ifa->ifa_flags;
      struct saved_addr a = {.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen};
      size_t alen = ifa->ifa_family == AF_INET6 ? 16 : 4;
      int len = (int)IFA_PAYLOAD(h);
      for (struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
        if (at->rta_type == IFA_FLAGS) memcpy(&flags, RTA_DATA(at), sizeof flags);
        else if (at->rta_type == IFA_LOCAL && RTA_PAYLOAD(at) == alen) a.has_local = 1, memcpy(a.local, RTA_DATA(at), alen);
        else if (at->rta_type == IFA_ADDRESS && RTA_PAYLOAD(at) == alen) a.has_address = 1, memcpy(a.address, RTA_DATA(at), alen);
      }
      if (flags & IFA_F_PERMANENT) out[count++] = a;
    }
  }
}

/* In the mover: report "errno text" on the result pipe and leave. */
static void mover_fail(int err, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int len = snprintf(text, sizeof text, "%d ", err);
  vsnprintf(text + len, sizeof text - (size_t)len, fmt, ap);
  va_end(ap);
  (void)!write(mover_result, text, strlen(text));
  _exit(1);
}

static void move_devices(const struct step *s) {
  int host = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (host < 0) mover_fail(errno, "netlink socket");
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", getppid());
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) mover_fail(errno, "open the container's network namespace");
  static struct saved_addr addrs[MAX_STRS / 2][16];
  int naddrs[MAX_STRS / 2], indexes[MAX_STRS / 2];
  for (uint32_t i = 0; i + 1 < s->nstr; i += 2) {
    const char *name = s->strs[i], *newname = s->strs[i + 1];
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(host, SIOCGIFINDEX, &ifr) < 0) mover_fail(errno, "find network device %s", name);
    indexes[i / 2] = ifr.ifr_ifindex;
    naddrs[i / 2] = permanent_addrs(host, ifr.ifr_ifindex, addrs[i / 2], 16);
    if (naddrs[i / 2] < 0) mover_fail(errno, "list the addresses of %s", name);
    struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
    r.ifi.ifi_index = ifr.ifr_ifindex;
    uint32_t nsfd = (uint32_t)target;
    nl_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
    nl_attr(&r, IFLA_IFNAME, newname, strlen(newname) + 1);
    int err = nl_call(host, &r);
    if (err) mover_fail(err, "move network device %s into the container as %s", name, newname);
  }
  if (setns(target, CLONE_NEWNET) < 0) mover_fail(errno, "enter the container's network namespace");
  int inner = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (inner < 0) mover_fail(errno, "netlink socket");
  for (uint32_t i = 0; i + 1 < s->nstr; i += 2) {
    const char *newname = s->strs[i + 1];
    /* A new namespace has only lo, so the device keeps its index there; by index, a "%d"
     * template name the kernel filled in is found too. */
    struct ifreq ifr = {.ifr_ifindex = indexes[i / 2]};
    if (ioctl(inner, SIOCGIFNAME, &ifr) < 0) {
      snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", newname);
      if (ioctl(inner, SIOCGIFINDEX, &ifr) < 0) mover_fail(errno, "find network device %s in the container", newname);
    }
    for (int k = 0; k < naddrs[i / 2]; k++) {
      struct saved_addr *a = &addrs[i / 2][k];
      size_t alen = a->family == AF_INET6 ? 16 : 4;
      struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR, .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
      r.ifa = (struct ifaddrmsg){.ifa_family = a->family, .ifa_prefixlen = a->prefixlen, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (unsigned)ifr.ifr_ifindex};
      if (a->has_local) nl_attr(&r, IFA_LOCAL, a->local, alen);
      if (a->has_address) nl_attr(&r, IFA_ADDRESS, a->address, alen);
      int err = nl_call(inner, &r);
      if (err && err != EEXIST) mover_fail(err, "restore an address of %s", newname);
    }
    struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
    r.ifi.ifi_index = ifr.ifr_ifindex;
    r.ifi.ifi_flags = IFF_UP;
    r.ifi.ifi_change = IFF_UP;
    int err = nl_call(inner, &r);
    if (err) mover_fail(err, "set %s up", newname);
  }
  _exit(0);
}

void op_netdev_prepare(const struct step *s) {
  int go[2], result[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0) fail(errno, "pipe");
  mover_pid = fork();
  if (mover_pid < 0) fail(errno, "fork");
  if (mover_pid == 0) {
    close(go[1]);
    close(result[0]);
    mover_result = result[1];
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1); /* the helper failed before the move */
    move_devices(s);
  }
  close(go[0]);
  close(result[1]);
  mover_go = go[1];
  mover_result = result[0];
}

void op_netdev_move(const struct step *s UNUSED) {
  if (mover_go < 0) fail(EINVAL, "no network devices prepared");
  if (write(mover_go, "g", 1) != 1) fail(errno, "start the network device move");
  char text[512];
  ssize_t n = read(mover_result, text, sizeof text - 1);
  while (waitpid(mover_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    text[n] = '\0';
    char *msg = strchr(text, ' ');
    fail(atoi(text), "%s", msg ? msg + 1 : text);
  }
  close(mover_go);
  close(mover_result);
  mover_go = mover_result = -1;
}
