// Times commands round-robin — each round runs every command once, in a rotating order — so
// that drift in the machine's load touches all of them alike (hyperfine runs one command's
// runs back to back). Usage: node bench/interleave.mjs ROUNDS NAME=COMMAND... ; prints JSON
// {name: {median, p25, p75, min}} in milliseconds. Each COMMAND may use {i} for the round.
import { spawnSync } from "node:child_process";

const [rounds, ...specs] = process.argv.slice(2);
const commands = specs.map((s) => {
  const eq = s.indexOf("=");
  return { name: s.slice(0, eq), command: s.slice(eq + 1) };
});
const times = Object.fromEntries(commands.map((c) => [c.name, []]));
for (let i = 0; i < Number(rounds); i++) {
  for (let k = 0; k < commands.length; k++) {
    const c = commands[(i + k) % commands.length];
    const argv = c.command.replaceAll("{i}", String(i)).split(" ");
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${c.command} exited ${r.status}`);
    times[c.name].push(ms);
  }
}
const q = (xs, f) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))];
const out = {};
for (const [name, xs] of Object.entries(times)) {
  xs.sort((a, b) => a - b);
  out[name] = { median: q(xs, 0.5), p25: q(xs, 0.25), p75: q(xs, 0.75), min: xs[0] };
}
console.log(JSON.stringify(out));
