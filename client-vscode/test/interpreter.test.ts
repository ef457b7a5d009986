import { strict as assert } from "node:assert";
import { test } from "node:test";
import {
  interpreterCandidates,
  isInside,
  judgeVersion,
  parseVersionOutput,
  restrictedValue,
  versionAtLeast,
} from "../src/logic/interpreter";

const base = { trusted: true, workspaceFolders: ["/ws"], platform: "linux" as NodeJS.Platform };

test("order: setting, then the Python extension, then python3 on PATH", () => {
  const c = interpreterCandidates({ ...base, setting: "/opt/py/bin/python3", pythonExtension: "/usr/bin/python3.12" });
  assert.deepEqual(c, [
    { command: "/opt/py/bin/python3", source: "setting" },
    { command: "/usr/bin/python3.12", source: "python-extension" },
    { command: "python3", source: "path" },
  ]);
});

test("without a setting the Python extension comes first; blanks are ignored", () => {
  const c = interpreterCandidates({ ...base, setting: "  ", pythonExtension: "/ws/.venv/bin/python" });
  assert.deepEqual(c.map((x) => x.source), ["python-extension", "path"]);
});

test("nothing configured: python3 on PATH, python on Windows", () => {
  assert.deepEqual(interpreterCandidates(base), [{ command: "python3", source: "path" }]);
  assert.deepEqual(interpreterCandidates({ ...base, platform: "win32" }), [{ command: "python", source: "path" }]);
});

test("duplicates collapse to the first source", () => {
  const c = interpreterCandidates({ ...base, setting: "python3", pythonExtension: "python3" });
  assert.deepEqual(c, [{ command: "python3", source: "setting" }]);
});

test("untrusted: interpreters inside a workspace folder are skipped", () => {
  const c = interpreterCandidates({ ...base, trusted: false, pythonExtension: "/ws/.venv/bin/python", setting: "/usr/bin/python3.11" });
  assert.deepEqual(c.map((x) => x.command), ["/usr/bin/python3.11", "python3"]);
});

test("restrictedValue: only the user's value counts when untrusted", () => {
  const inspected = { defaultValue: "", globalValue: "/usr/bin/python3", workspaceValue: "/ws/evil", workspaceFolderValue: undefined };
  assert.equal(restrictedValue(inspected, true), "/ws/evil");
  assert.equal(restrictedValue(inspected, false), "/usr/bin/python3");
  assert.equal(restrictedValue({ defaultValue: "", workspaceValue: "/ws/evil" }, false), "");
  assert.equal(restrictedValue({ defaultValue: "x", workspaceValue: "y", workspaceFolderValue: "z" }, true), "z");
  assert.equal(restrictedValue(undefined, true), undefined);
});

test("isInside", () => {
  assert.ok(isInside("/ws/.venv/bin/python", "/ws"));
  assert.ok(isInside("/ws", "/ws"));
  assert.ok(!isInside("/wsx/python", "/ws"));
  assert.ok(!isInside("/usr/bin/python3", "/ws"));
});

test("parseVersionOutput reads the tuple printed by the version script", () => {
  assert.deepEqual(parseVersionOutput("(3, 11)\n"), [3, 11]);
  assert.deepEqual(parseVersionOutput("(3,9)"), [3, 9]);
  assert.deepEqual(parseVersionOutput("noise\r\n(3, 14)\r\n"), [3, 14]);
  assert.equal(parseVersionOutput(""), undefined);
  assert.equal(parseVersionOutput("Python 3.11.4"), undefined);
});

test("versionAtLeast compares (major, minor)", () => {
  assert.ok(versionAtLeast([3, 10]));
  assert.ok(versionAtLeast([3, 13]));
  assert.ok(versionAtLeast([4, 0]));
  assert.ok(!versionAtLeast([3, 9]));
  assert.ok(!versionAtLeast([2, 7]));
});

test("judgeVersion explains each failure", () => {
  const cand = { command: "/usr/bin/python3.8", source: "setting" as const };
  const old = judgeVersion(cand, { stdout: "(3, 8)\n" });
  assert.equal(old.ok, false);
  assert.match(!old.ok ? old.message : "", /Python 3\.8; Pinwise needs Python 3\.10 or newer/);
  assert.match(!old.ok ? old.message : "", /pinwise\.interpreter setting/);

  const missing = judgeVersion({ command: "python3", source: "path" }, { error: { code: "ENOENT", message: "spawn python3 ENOENT" } });
  assert.match(!missing.ok ? missing.message : "", /^Python not found: python3 \(from PATH\)/);

  const garbled = judgeVersion(cand, { stdout: "hello" });
  assert.match(!garbled.ok ? garbled.message : "", /Could not read the Python version/);

  assert.deepEqual(judgeVersion(cand, { stdout: "(3, 12)\n" }), { ok: true, version: [3, 12] });
});
