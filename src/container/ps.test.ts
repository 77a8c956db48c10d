import { describe, expect, it } from "vitest";
import { filterPsOutput } from "./ps.js";

const PS_EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 09:00 ?        00:00:01 /sbin/init
root         812       1  0 09:01 ?        00:00:00 sh -c sleep 600 & wait
root         815     812  0 09:01 ?        00:00:00 sleep 600
root        8120       1  0 09:02 pts/0    00:00:00 bash
`;

describe("filterPsOutput", () => {
  it("keeps the header and the lines of the container's pids, matched by whole PID field", () => {
    expect(filterPsOutput(PS_EF, [812, 815])).toBe(
      "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
        "root         812       1  0 09:01 ?        00:00:00 sh -c sleep 600 & wait\n" +
        "root         815     812  0 09:01 ?        00:00:00 sleep 600\n",
    );
  });

  it("finds the PID column wherever the ps options put it", () => {
    expect(filterPsOutput("COMMAND  PID\ninit       1\nsleep    815\n", [815])).toBe("COMMAND  PID\nsleep    815\n");
  });

  it("prints just the header when the container has no processes", () => {
    expect(filterPsOutput(PS_EF, [])).toBe("UID          PID    PPID  C STIME TTY          TIME CMD\n");
  });

  it("refuses output without a PID column, or with a PID that is not a number", () => {
    expect(() => filterPsOutput("USER COMMAND\nroot init\n", [1])).toThrow("couldn't find PID field in ps output");
    expect(() => filterPsOutput("PID CMD\nabc init\n", [1])).toThrow("unable to parse pid");
  });
});
