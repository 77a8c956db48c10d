/*
 * probe: a static program copied into every conformance rootfs. Run as the container process,
 * it reports what the runtime set up, as one JSON object on one stdout line that starts with
 * "PROBE-REPORT ". The harness parses that line; everything else the runtime prints is ignored.
 *
 *   probe report [--sysctl NAME] [--stat PATH] [--read PATH] [--list DIR] [--write DIR]
 *                [--mkdir PATH] [--open-rw PATH]...
 *   probe wait-signal FILE   catch every catchable signal; on the first one write its number to
 *                            FILE and exit 0 (touches FILE.ready once the handlers are in place)
 *
 * Always reported: argv, pid, ppid, ids, groups, umask, cwd, env, uname, namespaces, mountinfo,
 * /proc/self/status capability/no_new_privs/seccomp lines, rlimits, cgroup, oom_score_adj,
 * uid_map, gid_map. The options add per-path observations; each answers with either data or
 * the errno name of the call that failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

struct path_option {
  const char *flag;
  const char *section;
  void (*value)(const char *);
};

static const struct path_option path_options[] = {
    {"--sysctl", "sysctl", sysctl_value}, {"--stat", "stat", stat_value},
    {"--read", "read", file_value},       {"--list", "list", list_value},
    {"--write", "write", write_value},    {"--mkdir", "mkdir", mkdir_value},
    {"--open-rw", "openRw", open_rw_value},
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

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "report")) return report(argc, argv);
  if (argc == 3 && !strcmp(argv[1], "wait-signal")) wait_signal(argv[2]);
  fprintf(stderr, "usage: probe report [--OPTION PATH]... | probe wait-signal FILE\n");
  return 2;
}
