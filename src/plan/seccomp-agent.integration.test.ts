// linux.seccomp on real containers: the filter loaded where runc loads it, and a seccomp agent
// (listenerPath) receiving the listener and the state (split from security.integration.test.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime, SKIFF, uniqueId, waitFor, type Bundle, type Result } from "../testing/harness.js";
import { useCProgram } from "./c-program.testing.js";
import { securityHelpers } from "./security.testing.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());
const { bundle } = securityHelpers(rt);

// A seccomp agent: for each connection (a child process each), writes the message it got to
// argv[2] ("argv[2].N" for the N-th after the first) with a line saying whether an fd came with
// it, then answers every notification with EXDEV.
const AGENT = String.raw`
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  (void)argc;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0) { perror("bind"); return 1; }
  int c;
  char name[4096];
  for (int n = 0;; n++) {
    c = accept(s, NULL, NULL);
    if (c < 0) return 1;
    if (fork() == 0) {
      if (n == 0) snprintf(name, sizeof name, "%s", argv[2]);
      else snprintf(name, sizeof name, "%s.%d", argv[2], n);
      break;
    }
    close(c);
  }
  char buf[8192], ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {buf, sizeof buf - 1};
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  ssize_t n = recvmsg(c, &h, 0);
  if (n < 0) { perror("recvmsg"); return 1; }
  buf[n] = 0;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&h);
  int fd = cm && cm->cmsg_type == SCM_RIGHTS ? *(int *)CMSG_DATA(cm) : -1;
  FILE *out = fopen(name, "w");
  fprintf(out, "%s\n%s\n", buf, fd >= 0 ? "fd" : "no fd");
  fclose(out);
  for (;;) {
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof req);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return 0; /* the container is gone */
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.error = -EXDEV;
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}
`;

/** `skiff run` under strace: its result and the seccomp(2) calls that loaded a filter. */
function tracedRun(b: Bundle, id: string): { result: Result; loads: string[] } {
  const trace = path.join(b.dir, "strace");
  const out = spawnSync("strace", ["-f", "-e", "trace=seccomp", "-o", trace, SKIFF, "--root", rt.root, "run", "--bundle", b.dir, id], { encoding: "utf8" });
  // Only real loads carry a program; libseccomp's own probes pass NULL.
  const loads = fs.readFileSync(trace, "utf8").split("\n").filter((l) => l.includes("SECCOMP_SET_MODE_FILTER") && l.includes("{len="));
  return { result: { status: out.status, stdout: out.stdout, stderr: out.stderr }, loads };
}

describe("seccomp", () => {
  const agent = useCProgram("seccomp-agent", AGENT);
  const agents: ChildProcess[] = [];
  afterAll(() => agents.forEach((a) => a.kill("SIGKILL")));

  it("SCMP_ACT_NOTIFY without an agent listening: one error in runc's words, nothing left", () => {
    const b = bundle(["true"], (c) => {
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: path.join(agent.dir, "nobody-listens.sock"), syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] };
    });
    const id = uniqueId();
    const r = rt.skiff(["run", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^failed to connect with seccomp agent at linux\.seccomp\.listenerPath .*nobody-listens\.sock: no such file or directory/);
    expect(rt.skiff(["state", id]).status).toBe(1);
  });

  for (const noNewPrivileges of [true, false]) {
    it(`SCMP_ACT_NOTIFY sends the listener fd and the state to listenerPath (noNewPrivileges ${noNewPrivileges})`, async () => {
      const sock = path.join(agent.dir, `agent-${noNewPrivileges}.sock`);
      const received = path.join(agent.dir, `received-${noNewPrivileges}`);
      const a = spawn(agent.path, [sock, received], { stdio: "inherit" });
      agents.push(a);
      expect(await waitFor(() => fs.existsSync(sock))).toBe(true);
      const b = bundle(["sh", "-c", "mkdir /tmp/x 2>&1; echo rc=$?"], (c) => {
        c.root!.readonly = false;
        c.process!.noNewPrivileges = noNewPrivileges;
        c.annotations = { team: "blue" };
        c.linux!.seccomp = {
          defaultAction: "SCMP_ACT_ALLOW",
          listenerPath: sock,
          listenerMetadata: "agent-meta",
          flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
          syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }],
        };
      });
      const id = uniqueId();
      const { result: r, loads } = tracedRun(b, id);
      expect(r.stdout).toBe("mkdir: can't create directory '/tmp/x': Invalid cross-device link\nrc=1\n");
      expect(loads).toHaveLength(1);
      expect(loads[0]).toMatch(/SECCOMP_FILTER_FLAG_TSYNC\|SECCOMP_FILTER_FLAG_NEW_LISTENER\|SECCOMP_FILTER_FLAG_TSYNC_ESRCH\|(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV|0x20),/);
      const [message, fdLine] = fs.readFileSync(received, "utf8").trim().split("\n");
      expect(fdLine).toBe("fd");
      const m = JSON.parse(message);
      expect(m).toEqual({
        ociVersion: b.config.ociVersion,
        fds: ["seccompFd"],
        pid: expect.any(Number),
        metadata: "agent-meta",
        state: { ociVersion: b.config.ociVersion, id, status: "creating", pid: m.pid, bundle: b.dir, annotations: { team: "blue" } },
      });
      expect(m.pid).toBeGreaterThan(1);
    });
  }

  it("a startContainer hook under a NOTIFY filter gets no extra fd (runc's seccomp-notify.bats)", async () => {
    const sock = path.join(agent.dir, "agent-hook.sock");
    const a = spawn(agent.path, [sock, path.join(agent.dir, "received-hook")], { stdio: "inherit" });
    agents.push(a);
    expect(await waitFor(() => fs.existsSync(sock))).toBe(true);
    const b = bundle(["true"], (c) => {
      c.root!.readonly = false;
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: sock, syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
      c.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "ls /proc/self/fd > /tmp/hook-fds"] }] };
    });
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.status, r.stderr).toBe(0);
    // stdin (the state), stdout, stderr, and ls's own directory fd
    expect(fs.readFileSync(path.join(b.dir, "rootfs/tmp/hook-fds"), "utf8").split("\n").filter(Boolean)).toEqual(["0", "1", "2", "3"]);
  });

  it("exec: a process with the container's NOTIFY filter sends its own listener and state", async () => {
    const sock = path.join(agent.dir, "agent-exec.sock");
    const received = path.join(agent.dir, "received-exec");
    const a = spawn(agent.path, [sock, received], { stdio: "inherit" });
    agents.push(a);
    expect(await waitFor(() => fs.existsSync(sock))).toBe(true);
    const b = bundle(["sleep", "60"], (c) => {
      c.root!.readonly = false;
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: sock, syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
    });
    const id = rt.track(uniqueId());
    rt.ok(["run", "-d", "--bundle", b.dir, id]);
    const r = rt.skiff(["exec", id, "sh", "-c", "mkdir /tmp/y 2>&1; echo rc=$?"]);
    expect(r.stdout).toBe("mkdir: can't create directory '/tmp/y': Invalid cross-device link\nrc=1\n");
    expect(await waitFor(() => fs.existsSync(`${received}.1`))).toBe(true);
    const [message, fdLine] = fs.readFileSync(`${received}.1`, "utf8").trim().split("\n");
    expect(fdLine).toBe("fd");
    const m = JSON.parse(message);
    expect(m.state).toMatchObject({ id, status: "running", bundle: b.dir, pid: m.pid });
    // the exec'd process's host pid, not the init's (and not a pid inside the container)
    expect(m.pid).not.toBe(rt.state(id).pid);
    expect(m.pid).toBeGreaterThan(1);
    rt.ok(["delete", "--force", id]);
  });

  it("passes the configured flags to seccomp(2)", () => {
    const b = bundle(["true"], (c) => {
      c.linux!.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
        syscalls: [{ names: ["mknod"], action: "SCMP_ACT_ERRNO" }],
      };
    });
    const { result, loads } = tracedRun(b, uniqueId());
    expect(result.status).toBe(0);
    expect(loads).toHaveLength(1);
    expect(loads[0]).toContain("SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG|SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    expect(loads[0]).toMatch(/= 0$/);
  });
});
