import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, messageLength, MessageType, splitSignature, type Message } from "./dbus-message.js";

// systemd's StartTransientUnit as skiff sends it, marshalled by the dbus-next library (which
// skiff used before its own client): the same bytes, field for field and pad for pad.
const START_UNIT: Message = {
  type: MessageType.methodCall,
  serial: 7,
  destination: "org.freedesktop.systemd1",
  path: "/org/freedesktop/systemd1",
  interface: "org.freedesktop.systemd1.Manager",
  member: "StartTransientUnit",
  signature: "ssa(sv)a(sa(sv))",
  body: [
    "skiff-x.scope",
    "replace",
    [
      ["Description", { signature: "s", value: "skiff container x" }],
      ["PIDs", { signature: "au", value: [1234] }],
      ["Delegate", { signature: "b", value: true }],
      ["MemoryMax", { signature: "t", value: 1048576n }],
      ["AllowedCPUs", { signature: "ay", value: [3] }],
      ["DeviceAllow", { signature: "a(ss)", value: [["/dev/null", "rwm"]] }],
    ],
    [],
  ],
};
const START_UNIT_BYTES = [
  "6c0100010801000007000000b600000001016f00190000002f6f72672f667265656465736b746f702f73797374656d64",
  "310000000000000002017300200000006f72672e667265656465736b746f702e73797374656d64312e4d616e61676572",
  "0000000000000000030173001200000053746172745472616e7369656e74556e69740000000000000601730018000000",
  "6f72672e667265656465736b746f702e73797374656d6431000000000000000008016700107373612873762961287361",
  "28737629290000000d000000736b6966662d782e73636f7065000000070000007265706c61636500d800000000000000",
  "0b0000004465736372697074696f6e000173000011000000736b69666620636f6e7461696e6572207800000000000000",
  "0400000050494473000261750000000004000000d20400000800000044656c6567617465000162000100000000000000",
  "090000004d656d6f72794d6178000174000000000000000000001000000000000b000000416c6c6f7765644350557300",
  "026179000100000003000000000000000b000000446576696365416c6c6f770005612873732900001800000000000000",
  "090000002f6465762f6e756c6c0000000300000072776d000000000000000000",
].join("");

describe("D-Bus messages", () => {
  it("marshals a StartTransientUnit call byte for byte as dbus-next did", () => {
    const bytes = encodeMessage(START_UNIT);
    expect(bytes.toString("hex")).toBe(START_UNIT_BYTES);
    expect(messageLength(bytes)).toBe(bytes.length);
    expect(messageLength(bytes.subarray(0, 15))).toBeUndefined(); // the fixed header not yet read
  });

  it("reads back what it writes: the header fields, integers as bigint, ay as bytes", () => {
    const back = decodeMessage(encodeMessage(START_UNIT));
    expect(back).toMatchObject({ type: 1, serial: 7, member: "StartTransientUnit", destination: "org.freedesktop.systemd1", signature: "ssa(sv)a(sa(sv))" });
    const props = back.body[2] as [string, { signature: string; value: unknown }][];
    expect(props.map(([name, v]) => `${name}:${v.signature}`)).toEqual(["Description:s", "PIDs:au", "Delegate:b", "MemoryMax:t", "AllowedCPUs:ay", "DeviceAllow:a(ss)"]);
    expect(props[3]![1].value).toBe(1048576n);
    expect([...(props[4]![1].value as Buffer)]).toEqual([3]);
    expect(props[5]![1].value).toEqual([["/dev/null", "rwm"]]);
  });

  it("reads systemd's JobRemoved signal and an error reply", () => {
    const signal = decodeMessage(encodeMessage({ type: MessageType.signal, serial: 9, path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager", member: "JobRemoved", signature: "uoss", body: [42, "/org/freedesktop/systemd1/job/42", "skiff-x.scope", "done"] }));
    expect(signal.body).toEqual([42, "/org/freedesktop/systemd1/job/42", "skiff-x.scope", "done"]);
    const error = decodeMessage(encodeMessage({ type: MessageType.error, serial: 10, replySerial: 7, errorName: "org.freedesktop.systemd1.UnitExists", signature: "s", body: ["Unit skiff-x.scope already exists."] }));
    expect(error).toMatchObject({ type: MessageType.error, replySerial: 7, errorName: "org.freedesktop.systemd1.UnitExists", body: ["Unit skiff-x.scope already exists."] });
  });

  it("aligns each type, and counts an array's length without the padding before its first element", () => {
    const body = (signature: string, values: unknown[]) => {
      const bytes = encodeMessage({ type: MessageType.methodCall, serial: 1, member: "M", signature, body: values });
      return bytes.subarray(bytes.length - Number(bytes.readUInt32LE(4))).toString("hex");
    };
    expect(body("yt", [1, 2n])).toBe("01000000000000000200000000000000");
    expect(body("at", [[5n]])).toBe("08000000000000000500000000000000");
    expect(body("nqi", [-1, 2, -3])).toBe("ffff0200fdffffff");
    expect(body("v", [{ signature: "s", value: "a" }])).toBe("01730000010000006100");
    expect(body("x", [-2n])).toBe("feffffffffffffff");
  });

  it("splits signatures into complete types and refuses broken ones", () => {
    expect(splitSignature("sa(sv)ua{sv}")).toEqual(["s", "a(sv)", "u", "a{sv}"]);
    expect(splitSignature("")).toEqual([]);
    expect(() => splitSignature("a(sv")).toThrow(/not closed/);
    expect(() => splitSignature("a")).toThrow(/no complete type/);
    expect(() => splitSignature("z")).toThrow(/no complete type/);
    expect(() => encodeMessage({ type: 1, serial: 1, member: "M", signature: "s", body: [] })).toThrow(/0 values for signature "s"/);
  });
});
