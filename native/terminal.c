/*
 * process.terminal: a pty from the container's own devpts, its master sent to the console
 * socket, its slave made stdio and controlling terminal (and bound at /dev/console for the init).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "executor.h"
#include "mount-api.h"

/* A pty from the container's own devpts: the master goes to the console socket, the slave
 * becomes stdio and controlling terminal. */
/*
 * config-linux.md "/dev/console": the init's pty slave is bound there. The target must be a
 * plain file or device, opened without following a final symlink, and the slave's own fd is what
 * gets bound (open_tree + move_mount): no path of the container's is resolved twice (the
 * CVE-2025-52565 class).
 */
static void bind_console(int slave) {
  int target = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 && errno == ENOENT) {
    int made = open("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (made < 0) fail(errno, "create /dev/console");
    close(made);
    target = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  if (target < 0) fail(errno, "open /dev/console");
  struct stat st;
  if (fstat(target, &st) < 0) fail(errno, "stat /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) fail(EXDEV, "/dev/console is neither a file nor a device: refusing to bind the console there");
  int tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) fail(errno, "clone the pty for /dev/console");
  if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail(errno, "bind the pty at /dev/console");
  close(tree);
  close(target);
}

void op_console(const struct step *s) {
  int sock = (int)s->ints[0], rows = (int)s->ints[1], cols = (int)s->ints[2], console = (int)s->ints[3];
  const char *ptmx = s->strs[0];
  int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail(errno, "open %s", ptmx);
  int unlock = 0, n;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(errno, "unlockpt");
  if (ioctl(master, TIOCGPTN, &n) < 0) fail(errno, "ptsname");
  char name[64];
  snprintf(name, sizeof name, "/dev/pts/%d", n);
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail(errno, "open %s", name);
  if (rows > 0 && cols > 0) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  if (console) bind_console(slave);
  send_fd(sock, master, name, strlen(name), "pty master to console socket");
  close(master);
  close(sock);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) fail(errno, "dup2 pty to %d", i);
  if (ioctl(0, TIOCSCTTY, 0) < 0) fail(errno, "set controlling terminal");
  close(slave);
}

