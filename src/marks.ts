// Where a command spends its time, phase by phase: with SKIFF_MARKS=FILE each command appends
// one line to FILE, "phase ms | phase ms | ...", each figure the time since the process started
// (performance.now()) at the end of that phase. `npm run bench` reads them for its phase table
// (docs/architecture.md "Where a run spends its time"). Unset, mark() only tests a constant.
const file = process.env.SKIFF_MARKS;
const marks: string[] = [];

export function mark(phase: string): void {
  if (file) marks.push(`${phase} ${performance.now().toFixed(2)}`);
}

/**
 * Appends this command's marks to SKIFF_MARKS, if set; called once, just before exit. Through
 * libc: the bench times the runs it marks, and node:fs would add its load to commands that no
 * longer load it (docs/architecture.md).
 */
export async function writeMarks(): Promise<void> {
  if (!file || marks.length === 0) return;
  (await import("./linux/io.js")).writeFileThroughLibc(file, marks.join(" | ") + "\n", 0o644, { append: true });
}
