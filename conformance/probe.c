/*
 * probe: a static program copied into every conformance rootfs. Run as the container process,
 * it reports what the runtime set up, as one JSON object on one stdout line that starts with
 * "PROBE-REPORT ". The harness parses that line; everything else the runtime prints is ignored.
 *
 *   probe report [--sysctl NAME] [--stat PATH] [--read PATH] [--list DIR] [--write DIR]
 *                [--mkdir PATH] [--open-rw PATH] [--syscall "NAME ARG0"]...
 *   probe wait-signal FILE   catch every catchable signal; on the first one write its number to
 *                            FILE and exit 0 (touches FILE.ready once the handlers are in place)
 *   probe seccomp-agent SOCKET FILE
 *                            run on the host as a seccomp notify agent: listen on the UNIX socket
 *                            SOCKET, take one connection, read it to its end (5 s at most) with
 *                            the SCM_RIGHTS descriptors, write FILE = {"payload","fds","closed"},
 *                            then answer every notification on the first descriptor with EXDEV
 *
 * Always reported: argv, pid, ppid, ids, groups, umask, cwd, env, uname, namespaces, mountinfo,
 * /proc/self/status capability/no_new_privs/seccomp lines, rlimits, cgroup, oom_score_adj,
 * uid_map, gid_map, and the kernel's answers about the process itself: uname machine,
 * personality, scheduling policy/priority/nice, I/O priority, CPU affinity, NUMA memory policy,
 * and the monotonic and boot-time clocks. --syscall makes one raw system call (natively, or
 * through the 32-bit ABI for names ending in 32) with a SIGSYS handler in place, so that a
 * seccomp SCMP_ACT_TRAP shows as a caught signal. The options add per-path observations; each
 * answers with either data or the errno name of the call that failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

static void json_string(const char *s, size_t len) {
  putchar('"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      printf("\\%c", c);
    } else if (c == '\n') {
      fputs("\\n", stdout);
    } else if (c < 0x20 || c >= 0x7f) {
      /* Bytes, not Unicode: the harness only compares ASCII, so escape the rest losslessly. */
      printf("\\u%04x", c);
    } else {
      putchar(c);
    }
  }
  putchar('"');
}

static void json_cstr(const char *s) { json_string(s, strlen(s)); }

static void key(const char *k) {
  json_cstr(k);
  putchar(':');
}

/* Reads at most cap-1 bytes of a file; returns the length, or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t total = 0;
  while (total + 1 < cap) {
    ssize_t n = read(fd, buf + total, cap - 1 - total);
    if (n < 0) {
      int e = errno;
      close(fd);
      return -e;
    }
    if (n == 0) break;
    total += (size_t)n;
  }
  close(fd);
  buf[total] = '\0';
  return (ssize_t)total;
}

static void error_object(int err) {
  printf("{\"error\":");
  json_cstr(strerrorname_np(err) ? strerrorname_np(err) : "UNKNOWN");
  printf(",\"errno\":%d}", err);
}

/* A whole file as a JSON string, or an error object. */
static void file_value(const char *path) {
  static char buf[1 << 20];
  ssize_t n = read_file(path, buf, sizeof buf);
  if (n < 0) {
    error_object((int)-n);
  } else {
    json_string(buf, (size_t)n);
  }
}

static const struct {
  const char *name;
  int resource;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static void print_limit(rlim_t v) {
  /* RLIM_INFINITY does not fit a JSON number a JavaScript reader can hold exactly. */
  if (v == RLIM_INFINITY) {
    printf("-1");
  } else {
    printf("%llu", (unsigned long long)v);
  }
}

static void report_rlimits(void) {
  key("rlimits");
  putchar('{');
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
    struct rlimit rl;
    if (i) putchar(',');
    key(rlimits[i].name);
    if (getrlimit(rlimits[i].resource, &rl) != 0) {
      error_object(errno);
      continue;
    }
    printf("{\"soft\":");
    print_limit(rl.rlim_cur);
    printf(",\"hard\":");
    print_limit(rl.rlim_max);
    putchar('}');
  }
  putchar('}');
}

static void report_namespaces(void) {
  static const char *const kinds[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
                                      "time", "time_for_children", "user", "uts"};
  key("namespaces");
  putchar('{');
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
    if (i) putchar(',');
    key(kinds[i]);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0) {
      error_object(errno);
    } else {
      json_string(target, (size_t)n);
    }
  }
  putchar('}');
}

static void report_ids(void) {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  printf("\"uid\":%u,\"euid\":%u,\"suid\":%u,\"gid\":%u,\"egid\":%u,\"sgid\":%u,", ruid, euid,
         suid, rgid, egid, sgid);
  gid_t groups[256];
  int n = getgroups(256, groups);
  key("groups");
  putchar('[');
  for (int i = 0; i < n; i++) printf(i ? ",%u" : "%u", groups[i]);
  putchar(']');
}

static void report_env(void) {
  key("env");
  putchar('[');
  for (char **e = environ; *e; e++) {
    if (e != environ) putchar(',');
    json_cstr(*e);
  }
  putchar(']');
}

static void report_uname(void) {
  struct utsname u;
  uname(&u);
  key("hostname");
  json_cstr(u.nodename);
  putchar(',');
  key("domainname");
  json_cstr(u.domainname);
}

static char stat_type(mode_t m) {
  if (S_ISCHR(m)) return 'c';
  if (S_ISBLK(m)) return 'b';
  if (S_ISFIFO(m)) return 'p';
  if (S_ISDIR(m)) return 'd';
  if (S_ISLNK(m)) return 'l';
  if (S_ISSOCK(m)) return 's';
  return 'f';
}

static void stat_value(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    error_object(errno);
    return;
  }
  printf("{\"type\":\"%c\",\"mode\":%u,\"uid\":%u,\"gid\":%u,\"major\":%u,\"minor\":%u",
         stat_type(st.st_mode), st.st_mode & 07777, st.st_uid, st.st_gid, major(st.st_rdev),
         minor(st.st_rdev));
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n >= 0) {
      printf(",\"target\":");
      json_string(target, (size_t)n);
    }
  }
  putchar('}');
}

static void list_value(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    error_object(errno);
    return;
  }
  putchar('[');
  int first = 1;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
    if (!first) putchar(',');
    first = 0;
    json_cstr(ent->d_name);
  }
  closedir(d);
  putchar(']');
}

/* Creates and removes a file in DIR: answers whether the directory is writable. */
static void write_value(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/.probe-write-test", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error_object(errno);
    return;
  }
  close(fd);
  unlink(path);
  printf("{\"ok\":true}");
}

static void mkdir_value(const char *path) {
  if (mkdir(path, 0755) != 0) {
    error_object(errno);
    return;
  }
  rmdir(path);
  printf("{\"ok\":true}");
}

static void open_rw_value(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    error_object(errno);
    return;
  }
  close(fd);
  printf("{\"ok\":true}");
}

static void sysctl_value(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "/proc/sys/%s", name);
  for (char *p = path + strlen("/proc/sys/"); *p; p++)
    if (*p == '.') *p = '/';
  file_value(path);
}

/* The calling thread's view of how the kernel schedules and places it. */
static void report_kernel(void) {
  struct utsname u;
  uname(&u);
  key("machine");
  json_cstr(u.machine);
  printf(",\"personality\":%d,", personality(0xffffffff));
  struct sched_param sp = {0};
  sched_getparam(0, &sp);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  printf("\"sched\":{\"policy\":%d,\"priority\":%d,\"nice\":%d},", sched_getscheduler(0) & ~SCHED_RESET_ON_FORK,
         sp.sched_priority, nice);
  /* ioprio_get(IOPRIO_WHO_PROCESS, self): class in bits 13-15, level in bits 0-12. */
  long ioprio = syscall(SYS_ioprio_get, 1, 0);
  printf("\"ioprio\":{\"class\":%ld,\"level\":%ld},", ioprio < 0 ? -1 : ioprio >> 13, ioprio < 0 ? -1 : ioprio & 0x1fff);
  cpu_set_t cpus;
  key("affinity");
  putchar('[');
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) {
    int first = 1;
    for (int c = 0; c < CPU_SETSIZE; c++) {
      if (!CPU_ISSET(c, &cpus)) continue;
      printf(first ? "%d" : ",%d", c);
      first = 0;
    }
  }
  printf("],");
  /* get_mempolicy(&mode, nodemask, maxnode, addr=0, flags=0): the thread's policy. */
  int mode = -1;
  unsigned long nodes = 0;
  if (syscall(SYS_get_mempolicy, &mode, &nodes, sizeof nodes * 8, 0, 0) != 0) mode = -errno;
  printf("\"mempolicy\":{\"mode\":%d,\"nodes\":%lu},", mode, nodes);
  struct timespec mono, boot;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  printf("\"clocks\":{\"monotonic\":%lld.%09ld,\"boottime\":%lld.%09ld}", (long long)mono.tv_sec, mono.tv_nsec,
         (long long)boot.tv_sec, boot.tv_nsec);
}

static volatile sig_atomic_t sigsys_syscall = -1;

static void on_sigsys(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  sigsys_syscall = info->si_syscall;
}

/* The i386 system call NR through int 0x80 (the 32-bit ABI; needs IA32 emulation). */
static long syscall_i386(long nr, unsigned long long arg) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg) : "memory");
  /* The 32-bit ABI returns in eax: -errno as a 32-bit int. */
  ret = (int)ret;
  if (ret < 0 && ret > -4096) {
    errno = (int)-ret;
    ret = -1;
  }
  return ret;
}

/*
 * The calls seccomp tests aim at: ones neither busybox nor the probe's start-up makes, natively
 * and (the "32" names, with i386 numbers) through the 32-bit ABI.
 */
static const struct {
  const char *name;
  long nr;
  int i386;
} probe_syscalls[] = {
    {"personality", SYS_personality, 0}, {"getpgid", SYS_getpgid, 0}, {"getsid", SYS_getsid, 0},
    {"sched_yield", SYS_sched_yield, 0}, {"getpgid32", 132, 1},
};

/* "NAME ARG0": the raw call's return value and errno, and the syscall a SIGSYS reported. */
static void syscall_value(const char *spec) {
  char name[64];
  unsigned long long arg = 0;
  if (sscanf(spec, "%63s %lli", name, (long long *)&arg) < 1) {
    error_object(EINVAL);
    return;
  }
  long nr = -1;
  int i386 = 0;
  for (size_t i = 0; i < sizeof probe_syscalls / sizeof probe_syscalls[0]; i++) {
    if (strcmp(name, probe_syscalls[i].name) != 0) continue;
    nr = probe_syscalls[i].nr;
    i386 = probe_syscalls[i].i386;
  }
  if (nr < 0) {
    error_object(ENOSYS);
    return;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, NULL);
  sigsys_syscall = -1;
  errno = 0;
  long ret = i386 ? syscall_i386(nr, arg) : syscall(nr, arg, 0, 0);
  int err = ret < 0 ? errno : 0;
  printf("{\"ret\":%ld,\"errno\":", ret);
  json_cstr(err && strerrorname_np(err) ? strerrorname_np(err) : "");
  printf(",\"sigsys\":%d}", (int)sigsys_syscall);
}

struct path_option {
  const char *flag;
  const char *section;
  void (*value)(const char *);
};

static const struct path_option path_options[] = {
    {"--sysctl", "sysctl", sysctl_value}, {"--stat", "stat", stat_value},
    {"--read", "read", file_value},       {"--list", "list", list_value},
    {"--write", "write", write_value},    {"--mkdir", "mkdir", mkdir_value},
    {"--open-rw", "openRw", open_rw_value}, {"--syscall", "syscall", syscall_value},
};

static int report(int argc, char **argv) {
  char cwd[4096];
  printf("PROBE-REPORT {");
  key("argv");
  putchar('[');
  for (int i = 0; i < argc; i++) {
    if (i) putchar(',');
    json_cstr(argv[i]);
  }
  printf("],\"pid\":%d,\"ppid\":%d,", getpid(), getppid());
  report_ids();
  mode_t mask = umask(0);
  umask(mask);
  printf(",\"umask\":%u,", mask);
  key("cwd");
  if (getcwd(cwd, sizeof cwd)) {
    json_cstr(cwd);
  } else {
    error_object(errno);
  }
  putchar(',');
  report_env();
  putchar(',');
  report_uname();
  putchar(',');
  report_namespaces();
  putchar(',');
  report_rlimits();
  putchar(',');
  report_kernel();
  static const struct {
    const char *key;
    const char *path;
  } files[] = {
      {"mountinfo", "/proc/self/mountinfo"}, {"status", "/proc/self/status"},
      {"cgroup", "/proc/self/cgroup"},       {"oomScoreAdj", "/proc/self/oom_score_adj"},
      {"uidMap", "/proc/self/uid_map"},      {"gidMap", "/proc/self/gid_map"},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    putchar(',');
    key(files[i].key);
    file_value(files[i].path);
  }
  for (size_t o = 0; o < sizeof path_options / sizeof path_options[0]; o++) {
    printf(",\"%s\":{", path_options[o].section);
    int first = 1;
    for (int i = 2; i + 1 < argc; i++) {
      if (strcmp(argv[i], path_options[o].flag) != 0) continue;
      if (!first) putchar(',');
      first = 0;
      key(argv[i + 1]);
      path_options[o].value(argv[i + 1]);
    }
    putchar('}');
  }
  printf("}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

static const char *signal_file;

static void on_signal(int sig) {
  char text[16];
  int len = snprintf(text, sizeof text, "%d", sig);
  int fd = open(signal_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    (void)!write(fd, text, (size_t)len);
    close(fd);
  }
  _exit(0);
}

static _Noreturn void wait_signal(const char *file) {
  signal_file = file;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigfillset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &sa, NULL);
  }
  char ready[4096];
  snprintf(ready, sizeof ready, "%s.ready", file);
  int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  for (;;) pause();
}

/* Reads one connection to EOF (or 5 s of silence), keeping the first SCM_RIGHTS descriptors. */
static int agent_read(int conn, char *payload, size_t cap, size_t *len, int *fds, int *nfds, int *closed) {
  *len = 0;
  *nfds = 0;
  *closed = 0;
  for (;;) {
    struct pollfd p = {.fd = conn, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0) return 0;
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec iov = {.iov_base = payload + *len, .iov_len = cap - 1 - *len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < count && *nfds < 8; i++) memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (n == 0) {
      *closed = 1;
      return 0;
    }
    *len += (size_t)n;
    if (*len + 1 >= cap) return 0;
  }
}

static int seccomp_agent(const char *socket_path, const char *out_path) {
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0) {
    perror("seccomp-agent: listen");
    return 1;
  }
  int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return 1;
  static char payload[1 << 16];
  size_t len;
  int fds[8], nfds, closed;
  agent_read(conn, payload, sizeof payload, &len, fds, &nfds, &closed);
  payload[len] = '\0';
  FILE *out = fopen(out_path, "w");
  if (!out) return 1;
  /* Written through stdout's JSON helpers, then moved: they print to stdout. */
  FILE *saved = stdout;
  stdout = out;
  printf("{\"payload\":");
  json_string(payload, len);
  printf(",\"fds\":%d,\"closed\":%s}\n", nfds, closed ? "true" : "false");
  stdout = saved;
  fclose(out);
  if (nfds == 0) return 0;
  for (;;) {
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof req);
    if (ioctl(fds[0], SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return 0;
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.error = -EXDEV;
    ioctl(fds[0], SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "report")) return report(argc, argv);
  if (argc == 3 && !strcmp(argv[1], "wait-signal")) wait_signal(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "seccomp-agent")) return seccomp_agent(argv[2], argv[3]);
  fprintf(stderr, "usage: probe report [--OPTION PATH]... | probe wait-signal FILE | probe seccomp-agent SOCKET FILE\n");
  return 2;
}
