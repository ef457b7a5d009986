import { strict as assert } from "node:assert";
import { join } from "node:path";
import { test } from "node:test";
import { sameLaunch, serverLaunch, type Launch, type LaunchInputs } from "../src/logic/launch";

const inputs: LaunchInputs = {
  extensionPath: "/ext",
  interpreter: "/usr/bin/python3",
  serverPath: "",
  serverArgs: ["serve"],
  pycachePrefix: "/storage/pycache",
  env: { PATH: "/usr/bin", PYTHONPATH: "/home/me/lib", PYTHONHOME: "/x", PYTHONDONTWRITEBYTECODE: "1", PYTHONSAFEPATH: "1", HOME: "/home/me" },
};
const LIBS = join("/ext", "bundled", "libs");

test("bundled: python -S -X utf8 -X pycache_prefix=... -m pinwise serve, from the bundle", () => {
  const l = serverLaunch(inputs);
  assert.equal(l.command, "/usr/bin/python3");
  assert.deepEqual(l.args, ["-S", "-X", "utf8", "-X", "pycache_prefix=/storage/pycache", "-m", "pinwise", "serve"]);
  assert.equal(l.cwd, LIBS, "not a workspace folder: -m puts the cwd on sys.path");
  assert.ok(l.bundled);
});

/** check_env: one row per variable of the bundled server's environment. */
function checkBundledEnv(env: NodeJS.ProcessEnv, name: string, expected: string | undefined, why: string) {
  const l = serverLaunch({ ...inputs, env });
  assert.equal(l.env[name], expected, `${name}: ${why}`);
}

test("bundled: the environment holds only what the server needs, nothing its children would inherit", () => {
  const cases: [string, string | undefined, string][] = [
    ["PYTHONPATH", LIBS, "only the bundled libs"],
    ["PYTHONHOME", undefined, "the user's PYTHONHOME would swap the standard library"],
    ["PYTHONSAFEPATH", undefined, "would keep the bundle (the cwd) off sys.path"],
    ["PYTHONDONTWRITEBYTECODE", undefined, "the bytecode cache must fill"],
    ["PYTHONPYCACHEPREFIX", undefined, "an -X option, so pip and venv processes started by the server do not inherit it"],
    ["PYTHONUTF8", undefined, "an -X option too"],
    ["PATH", "/usr/bin", "kept"],
    ["HOME", "/home/me", "kept"],
  ];
  for (const [name, expected, why] of cases) {
    checkBundledEnv(inputs.env, name, expected, why);
  }
  assert.equal(inputs.env.PYTHONPATH, "/home/me/lib", "the caller's env is not modified");
});

test("user-installed server: its command and args, environment untouched", () => {
  const l = serverLaunch({ ...inputs, serverPath: "pinwise", serverArgs: ["serve", "--log-level", "DEBUG"] });
  assert.equal(l.command, "pinwise");
  assert.deepEqual(l.args, ["serve", "--log-level", "DEBUG"]);
  assert.deepEqual(l.env, inputs.env);
  assert.ok(!l.bundled);
});

test("sameLaunch decides whether an interpreter change restarts the server", () => {
  const bundled = serverLaunch(inputs);
  const cases: [string, Launch | undefined, Launch | undefined, boolean][] = [
    ["same interpreter", bundled, serverLaunch({ ...inputs }), true],
    ["another interpreter", bundled, serverLaunch({ ...inputs, interpreter: "/usr/bin/python3.12" }), false],
    ["switched to a user-installed server", bundled, serverLaunch({ ...inputs, serverPath: "pinwise" }), false],
    ["other server args", serverLaunch({ ...inputs, serverPath: "pinwise" }), serverLaunch({ ...inputs, serverPath: "pinwise", serverArgs: ["serve", "-v"] }), false],
    ["nothing running", undefined, bundled, false],
    ["nothing can run now", bundled, undefined, false],
  ];
  for (const [name, a, b, expected] of cases) {
    assert.equal(sameLaunch(a, b), expected, name);
  }
});
