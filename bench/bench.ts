// The benchmark behind `npm run bench` (scripts/bench.sh prepares the bundle, the wrapper and the
// mount view, then runs this with Bun). Every figure is skiff against runc (and crun where it
// runs), interleaved: each round runs every runtime once per scenario, in a rotating order, so
// that drift in the machine's load touches all of them alike. Each command runs under
// bench/measure.c, which reports wall time, CPU time (user+sys of the whole process tree, less
// sensitive to other load than wall time) and peak RSS (ru_maxrss).
//
// Environment: BENCH_RUNS rounds (default 20), BENCH_BURST containers per burst (50),
// BENCH_ENGINES=0 skips ctr/podman, BENCH_ENGINE_RUNS rounds through each engine (5).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

interface Sample {
  wall: number; // ms
  cpu: number; // ms, user + sys
  rss: number; // kB, peak
}

const [measureBin, work, bundle, hello, floorState, runtimesArg] = process.argv.slice(2);
const rounds = Number(process.env.BENCH_RUNS ?? 20);
const burstSize = Number(process.env.BENCH_BURST ?? 50);
const engineRounds = Number(process.env.BENCH_ENGINE_RUNS ?? 5);
/** name=binary pairs; skiff first, runc second */
const runtimes = runtimesArg.split(",").map((s) => {
  const [name, bin] = s.split("=");
  return { name, bin, root: path.join(work, name) };
});
type Runtime = (typeof runtimes)[number];

function parse(out: string, argv: string[]): Sample {
  const [code, wall, user, sys, rss] = out.trim().split(" ").map(Number);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}`);
  return { wall: wall / 1000, cpu: (user + sys) / 1000, rss };
}

function measure(argv: string[], env?: NodeJS.ProcessEnv): Sample {
  const r = spawnSync(measureBin, argv, { encoding: "utf8", env });
  return parse(r.stdout, argv);
}

function measureAsync(argv: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(measureBin, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(parse(out, argv));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const add = (a: Sample, b: Sample): Sample => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu, rss: Math.max(a.rss, b.rss) });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** samples[scenario][runtime] */
const samples = new Map<string, Map<string, Sample[]>>();
function record(scenario: string, who: string, s: Sample): void {
  if (!samples.has(scenario)) samples.set(scenario, new Map());
  const m = samples.get(scenario)!;
  if (!m.has(who)) m.set(who, []);
  m.get(who)!.push(s);
}
const med = (scenario: string, who: string, key: keyof Sample) => median(samples.get(scenario)!.get(who)!.map((s) => s[key]));

const rt = (r: Runtime, ...args: string[]) => [r.bin, "--root", r.root, ...args];
/** each round, every runtime once, the order rotating */
function rotate<T>(xs: T[], i: number): T[] {
  return xs.map((_, k) => xs[(i + k) % xs.length]);
}

// A created container per runtime for state, kill and list; its waiting init's memory.
const initRss = new Map<string, number>();
for (const r of runtimes) {
  measure(rt(r, "create", "--bundle", bundle, "waiting"));
  const state = spawnSync(r.bin, ["--root", r.root, "state", "waiting"], { encoding: "utf8" });
  const pid = JSON.parse(state.stdout).pid as number;
  initRss.set(r.name, Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]));
}

/** Waits (untimed) until the container's `true` has exited, so that `delete` finds it stopped as an engine does. */
function waitExited(pidFile: string): void {
  const pid = fs.readFileSync(pidFile, "utf8").trim();
  for (;;) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return;
    }
    if (/^\d+ \(.*\) [ZX]/.test(stat)) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // 1 ms
  }
}

// skiff's own phase marks (src/marks.ts) of every kept command, a file per command, and each
// marked run's wall time in the same order: the phase tables at the end.
const marksFile = (command: string) => path.join(work, `marks-${command}`);
const markedWalls = new Map<string, number[]>();
/** A runtime command; skiff's carry SKIFF_MARKS when `marked` (the kept rounds). */
function measureCommand(r: Runtime, marked: boolean, ...args: string[]): Sample {
  const command = args[0];
  if (!marked || r.name !== "skiff") return measure(rt(r, ...args));
  const s = measure(rt(r, ...args), { ...process.env, SKIFF_MARKS: marksFile(command) });
  if (!markedWalls.has(command)) markedWalls.set(command, []);
  markedWalls.get(command)!.push(s.wall);
  return s;
}

const pidFile = (id: string) => path.join(work, `${id}.pid`);
const lifecycle = (r: Runtime, id: string, marked: boolean): Sample => {
  const s = add(measureCommand(r, marked, "create", "--bundle", bundle, "--pid-file", pidFile(id), id), measureCommand(r, marked, "start", id));
  waitExited(pidFile(id));
  return add(s, measureCommand(r, marked, "delete", id));
};

for (let i = -2; i < rounds; i++) {
  const keep = i >= 0; // two warm-up rounds
  const put = (scenario: string, who: string, s: Sample) => keep && record(scenario, who, s);
  for (const r of rotate(runtimes, Math.max(i, 0))) put("run", r.name, measureCommand(r, keep, "run", "--bundle", bundle, `run-${i + 2}`));
  for (const r of rotate(runtimes, Math.max(i, 0))) put("create+start+delete", r.name, lifecycle(r, `csd-${i + 2}`, keep));
  // with the least a Bun `state` can cost, reading skiff's record of the same container
  const states = [...runtimes.map((r) => ({ name: r.name, run: () => measureCommand(r, keep, "state", "waiting") })), { name: "bun-floor", run: () => measure([floorState, runtimes[0].root, "waiting"]) }];
  for (const s of rotate(states, Math.max(i, 0))) put("state", s.name, s.run());
  for (const r of rotate(runtimes, Math.max(i, 0))) put("kill (WINCH)", r.name, measureCommand(r, keep, "kill", "waiting", "WINCH"));
  for (const r of rotate(runtimes, Math.max(i, 0))) put("list", r.name, measureCommand(r, keep, "list"));
  const versions = [...runtimes.map((r) => ({ name: r.name, argv: [r.bin, "--version"] })), { name: "bun-hello", argv: [hello] }];
  for (const v of rotate(versions, Math.max(i, 0))) put("--version", v.name, measure(v.argv));
}

/** N containers created and started, then deleted, `parallel` at a time: wall, Σ CPU, Σ peak RSS. */
async function burst(r: Runtime, tag: string, parallel: number): Promise<Sample> {
  const ids = Array.from({ length: burstSize }, (_, k) => `${tag}-${k}`);
  const total: Sample = { wall: 0, cpu: 0, rss: 0 };
  const sum = (s: Sample) => {
    total.cpu += s.cpu;
    total.rss += s.rss;
  };
  const t0 = performance.now();
  const lanes = async (work: (id: string) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < ids.length) await work(ids[next++]);
    }));
  };
  await lanes(async (id) => {
    sum(await measureAsync(rt(r, "create", "--bundle", bundle, "--pid-file", pidFile(id), id)));
    sum(await measureAsync(rt(r, "start", id)));
  });
  await lanes(async (id) => {
    waitExited(pidFile(id));
    sum(await measureAsync(rt(r, "delete", id)));
  });
  total.wall = performance.now() - t0;
  return total;
}

const burstRounds = Math.max(1, Math.min(3, Math.floor(rounds / 10)));
for (let i = 0; i < burstRounds; i++) {
  for (const [label, parallel] of [["burst sequential", 1], ["burst 10 at a time", 10]] as const) {
    for (const r of rotate(runtimes, i)) record(label, r.name, await burst(r, `burst-${i}-${parallel}`, parallel));
  }
}

for (const r of runtimes) measure(rt(r, "delete", "--force", "waiting"));

// Through the engines: containerd's runc shim and podman's conmon calling each runtime.
const engineRows: string[] = [];
if (process.env.BENCH_ENGINES !== "0") {
  try {
    await engines();
  } finally {
    // the busybox rootfs the engines' image was built from (src/testing/harness.ts)
    (await import("../src/testing/temp-dirs.js")).removeTempDirs();
  }
}

async function engines(): Promise<void> {
  const skiff = runtimes[0];
  const others = runtimes.slice(1).filter((r) => r.name === "runc");
  const { Containerd, IMAGE } = await import("../src/testing/containerd.js");
  const { Podman } = await import("../src/testing/podman.js");
  if (spawnSync("ctr", ["--version"]).status === 0) {
    const ctrd = new Containerd();
    await ctrd.start();
    try {
      for (let i = -1; i < engineRounds; i++) {
        for (const r of rotate([skiff, ...others], Math.max(i, 0))) {
          const argv = ["ctr", "--address", ctrd.address, "run", "--rm", "--runc-binary", r.bin, "--runc-root", ctrd.runcRoot, "--fifo-dir", ctrd.fifoDir, IMAGE, `ctr-${r.name}-${i + 1}`, "true"];
          const s = measure(argv);
          if (i >= 0) record("ctr run --rm", r.name, s);
        }
      }
    } finally {
      await ctrd.stop();
    }
    engineRows.push("ctr run --rm");
  }
  if (spawnSync("podman", ["--version"]).status === 0) {
    const pm = new Podman();
    pm.start();
    try {
      const globals = ["--root", path.join(pm.dir, "root"), "--runroot", path.join(pm.dir, "runroot"), "--tmpdir", path.join(pm.dir, "tmp")];
      const env = { ...process.env, CONTAINERS_CONF: path.join(pm.dir, "containers.conf") };
      for (let i = -1; i < engineRounds; i++) {
        for (const r of rotate([skiff, ...others], Math.max(i, 0))) {
          const s = measure(["podman", ...globals, "--runtime", r.bin, "run", "--rm", "--network", "none", IMAGE, "true"], env);
          if (i >= 0) record("podman run --rm", r.name, s);
        }
      }
    } finally {
      pm.stop();
    }
    engineRows.push("podman run --rm");
  }
}

// The table: medians of wall and CPU time, ratios skiff/other (wall, then CPU).
const names = runtimes.map((r) => r.name);
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
/** A scenario's median wall time (and CPU time) for one runtime. */
const timeCell = (scenario: string, who: string) => `${fmt(med(scenario, who, "wall"))} (${fmt(med(scenario, who, "cpu"))})`;
/** `who`'s medians over `other`'s in one scenario: wall (CPU). */
const timeRatio = (scenario: string, who: string, other: string) =>
  `${(med(scenario, who, "wall") / med(scenario, other, "wall")).toFixed(2)} (${(med(scenario, who, "cpu") / med(scenario, other, "cpu")).toFixed(2)})`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(
  `benchmark ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, kernel ${os.release()}, load ${load}; ${rounds} interleaved rounds, medians; wall (CPU user+sys); ratios skiff/runtime wall (CPU)`,
);
const header = ["", ...names, ...names.slice(1).map((n) => `skiff/${n}`), "target"];
const rows: string[][] = [header, header.map(() => "---")];
const targets: Record<string, string> = {
  run: "≤ 0.8× runc",
  "create+start+delete": "≤ 0.8× runc",
  state: "≤ 1.3× runc",
  "kill (WINCH)": "≤ 1.3× runc",
  list: "≤ 1.3× runc",
  "--version": "≤ 1.2× bun-hello",
  "ctr run --rm": "≤ 1.0× runc",
  "podman run --rm": "≤ 1.0× runc",
};
for (const scenario of ["run", "create+start+delete", "state", "kill (WINCH)", "list", ...engineRows]) {
  const who = [...samples.get(scenario)!.keys()];
  const ratio = (n: string) => (who.includes(n) ? timeRatio(scenario, "skiff", n) : "");
  rows.push([scenario, ...names.map((n) => (who.includes(n) ? timeCell(scenario, n) : "")), ...names.slice(1).map(ratio), targets[scenario]]);
}
{
  const v = "--version";
  const ratio = (n: string) => timeRatio(v, "skiff", n);
  rows.push([`--version (bun-hello ${timeCell(v, "bun-hello")}, skiff/bun-hello ${ratio("bun-hello")})`, ...names.map((n) => timeCell(v, n)), ...names.slice(1).map(ratio), targets[v]]);
}
// what no JavaScript `state` beats on this machine (bench/floor-state.ts)
rows.push([`state's floor: bench/floor-state.ts, one module, libc through Bun.FFI, peak RSS ${mb(med("state", "bun-floor", "rss"))} (columns: it, then it/runtime)`, timeCell("state", "bun-floor"), ...names.slice(1).map(() => ""), ...names.slice(1).map((n) => timeRatio("state", "bun-floor", n)), "the least any Bun `state` costs"]);
rows.push(["peak RSS of the runtime process during `run`", ...names.map((n) => mb(med("run", n, "rss"))), ...names.slice(1).map(() => ""), "skiff ≤ 30 MB"]);
rows.push(["RSS of a created container's waiting init", ...names.map((n) => `${initRss.get(n)} kB`), ...names.slice(1).map(() => ""), "skiff ≤ 200 kB"]);
for (const label of ["burst sequential", "burst 10 at a time"]) {
  const cell = (n: string) => `${timeCell(label, n)}, Σ peak ${mb(med(label, n, "rss"))}`;
  const ratio = (n: string) => `${(med(label, "skiff", "wall") / med(label, n, "wall")).toFixed(2)}, mem ${(med(label, "skiff", "rss") / med(label, n, "rss")).toFixed(2)}`;
  rows.push([`${label} (${burstSize} created+started, then deleted)`, ...names.map(cell), ...names.slice(1).map(ratio), "< runc (time and Σ peak RSS)"]);
}
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

// Where each skiff command spends its time: each phase's share (the time between its mark and the
// one before), least-disturbed quartile and median; the last row is what the marks cannot see
// (the exec before Bun starts, and the exit) as measured from outside.
for (const command of ["run", "create", "start", "delete", "state", "kill", "list"]) {
  const walls = markedWalls.get(command) ?? [];
  const lines = fs.readFileSync(marksFile(command), "utf8").trim().split("\n").map((l) => l.split(" | ").map((m) => {
    const at = m.lastIndexOf(" ");
    return { phase: m.slice(0, at), ms: Number(m.slice(at + 1)) };
  }));
  const phases = lines[0].map((m) => m.phase);
  const complete = lines.map((l, k) => ({ l, wall: walls[k] })).filter(({ l }) => l.map((m) => m.phase).join() === phases.join());
  const quartile = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 4)];
  const row = (label: string, xs: number[]) => console.log(`| ${label} | ${quartile(xs).toFixed(1)} | ${median(xs).toFixed(1)} |`);
  console.log(`\nskiff ${command}, phase by phase (${complete.length} runs, ms; src/marks.ts)\n| phase | p25 | median |\n| --- | --- | --- |`);
  phases.forEach((phase, k) => row(phase, complete.map(({ l }) => l[k].ms - (k > 0 ? l[k - 1].ms : 0))));
  row("exec before Bun's clock starts, and exit", complete.map(({ l, wall }) => wall - l[l.length - 1].ms));
}
