import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DEFAULT_SETTINGS, initializationOptions, needsRestart, readSettings } from "../src/logic/settings";

/** Builds a getter like WorkspaceConfiguration.get over a nested object. */
function getter(obj: Record<string, unknown>) {
  return (key: string) => key.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

test("defaults when nothing is set", () => {
  assert.deepEqual(readSettings(() => undefined), DEFAULT_SETTINGS);
});

test("maps every setting to the server's shape", () => {
  const s = readSettings(
    getter({
      index: { url: " https://mirror.example/simple ", extraUrls: ["https://extra.example/simple", "", 3], offline: true },
      policy: "library",
      diagnostics: { severity: { unpinned: "hint", "unknown-option": "off", bogus: "loud" }, prereleases: true },
      inlayHints: { enable: false },
      venv: { gitignore: false, upgradePip: false },
      interpreter: "/usr/bin/python3.12",
      server: { path: "pinwise", args: ["serve", "--verbose"] },
      trace: { server: "verbose" },
    }),
  );
  assert.deepEqual(s, {
    index: { url: "https://mirror.example/simple", extraUrls: ["https://extra.example/simple"], offline: true },
    policy: "library",
    diagnostics: { severity: { unpinned: "hint", "unknown-option": "off" }, prereleases: true },
    inlayHints: { enable: false },
    venv: { gitignore: false, upgradePip: false },
    interpreter: "/usr/bin/python3.12",
    server: { path: "pinwise", args: ["serve", "--verbose"] },
    trace: { server: "verbose" },
  });
});

test("bad values fall back to defaults", () => {
  const s = readSettings(getter({ index: { url: "", offline: "yes" }, policy: "strict", diagnostics: { severity: ["x"] }, trace: { server: 1 } }));
  assert.equal(s.index.url, null);
  assert.equal(s.index.offline, false);
  assert.equal(s.policy, "auto");
  assert.deepEqual(s.diagnostics.severity, {});
  assert.equal(s.trace.server, "off");
});

test("initializationOptions carries settings and trust", () => {
  assert.deepEqual(initializationOptions(DEFAULT_SETTINGS, false), { settings: DEFAULT_SETTINGS, workspaceTrusted: false });
});

test("only interpreter and server settings need a restart", () => {
  const affects = (changed: string[]) => (s: string) => changed.some((c) => c === s || c.startsWith(s + "."));
  assert.ok(needsRestart(affects(["pinwise.interpreter"])));
  assert.ok(needsRestart(affects(["pinwise.server.path"])));
  assert.ok(needsRestart(affects(["pinwise.server.args"])));
  assert.ok(!needsRestart(affects(["pinwise.index.url"])));
  assert.ok(!needsRestart(affects(["pinwise.diagnostics.severity"])));
});
