import { strict as assert } from "node:assert";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { CMD, COMMAND_TITLES, TRUSTED_ONLY, commandArgs, folderKey, interpreterItems, serverCommandsToRegister, statusText, venvItems } from "../src/logic/commands";

test("server commands that share an id with a palette command are not registered twice", () => {
  assert.deepEqual(serverCommandsToRegister(["pinwise.listVenvs", "pinwise.selectVenv", "pinwise.pinAll", "pinwise.applyFix"]), [
    "pinwise.listVenvs",
    "pinwise.applyFix",
  ]);
  assert.deepEqual(serverCommandsToRegister(undefined), []);
});

test("restricted mode refuses the commands that run, install or write", () => {
  for (const c of [CMD.createVenv, CMD.selectVenv, CMD.installDependencies, CMD.pinAll, CMD.updateAll, CMD.compile, CMD.freeze, CMD.sync]) {
    assert.ok(TRUSTED_ONLY.has(c), c);
  }
  assert.ok(!TRUSTED_ONLY.has(CMD.restartServer));
  assert.ok(!TRUSTED_ONLY.has(CMD.showLog));
});

test("every palette command has a title in package.json and in COMMAND_TITLES", () => {
  // npm runs the tests from client-vscode/, next to the manifest.
  const manifest = JSON.parse(readFileSync("package.json", "utf8"));
  const contributed = new Map<string, string>(
    manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]),
  );
  for (const id of Object.values(CMD)) {
    assert.equal(contributed.get(id), COMMAND_TITLES[id], id);
  }
});

test("commandArgs: one object with uri and workspaceFolder", () => {
  assert.deepEqual(commandArgs("file:///w/requirements.txt", "file:///w", { path: ".venv" }), [
    { uri: "file:///w/requirements.txt", workspaceFolder: "file:///w", path: ".venv" },
  ]);
  assert.deepEqual(commandArgs(undefined, "file:///w"), [{ uri: null, workspaceFolder: "file:///w" }]);
});

test("venvItems shows paths relative to the folder", () => {
  const items = venvItems([{ path: "/w/.venv", python: "/w/.venv/bin/python", version: "3.12.1", kind: "venv" }, { bogus: 1 }], "/w");
  assert.equal(items.length, 1);
  assert.equal(items[0].label, ".venv");
  assert.equal(items[0].description, "Python 3.12.1 · venv");
  assert.deepEqual(venvItems(null, "/w"), []);
});

test("interpreterItems: recommended first, then newest", () => {
  const items = interpreterItems([
    { path: "/usr/bin/python3.10", version: "3.10.2", source: "PATH", recommended: false, reason: "" },
    { path: "/usr/bin/python3.13", version: "3.13.0", source: "PATH", recommended: false, reason: "" },
    { path: "/usr/bin/python3.11", version: "3.11.9", source: "PATH", recommended: true, reason: "matches requires-python" },
  ]);
  assert.deepEqual(items.map((i) => i.value.version), ["3.11.9", "3.13.0", "3.10.2"]);
  assert.deepEqual(items.map((i) => i.label), ["$(star-full) Python 3.11.9", "Python 3.13.0", "Python 3.10.2"]);
  assert.equal(items[0].description, "/usr/bin/python3.11 · PATH");
  assert.equal(items[0].detail, "matches requires-python");
  assert.equal(items[1].detail, undefined, "an empty reason shows no detail line");
});

test("statusText", () => {
  assert.match(statusText(undefined).text, /No venv/);
  assert.equal(statusText({ workspaceFolder: "file:///w/app", path: "/w/app/.venv", pythonVersion: "3.12.1" }).text, "$(python) app/.venv (3.12.1)");
  assert.equal(statusText({ workspaceFolder: "file:///w", path: "/envs/tools" }).text, "$(python) tools");
});

/** check_folderKey: the notification's folder and VS Code's folder must land on the same key. */
function checkFolderKey(input: string | null | undefined, platform: NodeJS.Platform, expected: string | undefined) {
  assert.equal(folderKey(input, platform), expected, `${JSON.stringify(input)} on ${platform}`);
}

test("folderKey: the server's path and VS Code's URI or fsPath of the same folder agree", () => {
  const cases: [string | null | undefined, NodeJS.Platform, string | undefined][] = [
    ["/w/app", "linux", "/w/app"], // pinwise/venvSelected sends a path
    ["/w/app/", "linux", "/w/app"],
    ["file:///w/app", "linux", "/w/app"], // a URI is accepted too
    ["file:///w/my%20app", "linux", "/w/my app"],
    ["/", "linux", "/"],
    ["c:\\w\\app", "win32", "C:\\w\\app"], // VS Code's fsPath lowercases the drive letter
    ["C:\\w\\app\\", "win32", "C:\\w\\app"],
    ["file:///c%3A/w/app", "win32", "C:\\w\\app"],
    ["C:/w/app", "win32", "C:\\w\\app"],
    ["C:\\", "win32", "C:\\"],
    ["vscode-remote://ssh/w/app", "linux", undefined],
    ["", "linux", undefined],
    [null, "linux", undefined],
    [undefined, "linux", undefined],
  ];
  for (const [input, platform, expected] of cases) {
    checkFolderKey(input, platform, expected);
  }
});
