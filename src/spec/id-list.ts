// "0-3,7"-style lists (process.execCPUAffinity, linux.memoryPolicy.nodes, and the kernel's own
// /sys/devices/system/node/online): parsed once, here. spec/ reports what is wrong with a
// config's list; plan/ and host/ take the ids of a list that passed.

/** The largest id a list may name: cpu_set_t holds 1024 CPUs, the node mask as many nodes. */
const MAX_LIST_ID = 1023;

interface Part {
  text: string;
  /** [first, last], or undefined where the part is not a number or a range */
  range?: [number, number];
}

function parts(text: string): Part[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    return { text: part.trim(), ...(m && { range: [Number(m[1]), Number(m[2] ?? m[1])] as [number, number] }) };
  });
}

/** What is wrong with a list, or undefined. */
export function idListProblem(text: string): string | undefined {
  for (const { text: part, range } of parts(text)) {
    if (!range) return `${JSON.stringify(text)} is not a list like "0-3,7"`;
    if (range[1] < range[0]) return `range ${part} runs backwards`;
    if (range[1] > MAX_LIST_ID) return `${range[1]} is above the largest id ${MAX_LIST_ID}`;
  }
  return undefined;
}

/** The ids of a list idListProblem accepts, ascending and without repeats; [] for an empty list. */
export function parseIdList(text: string): number[] {
  const ids = new Set<number>();
  for (const { range } of parts(text)) {
    if (range) for (let id = range[0]; id <= range[1]; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
