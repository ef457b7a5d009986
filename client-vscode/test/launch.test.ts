import { strict as assert } from "node:assert";
import { join } from "node:path";
import { test } from "node:test";
import { serverLaunch } from "../src/logic/launch";

const inputs = {
  extensionPath: "/ext",
  interpreter: "/usr/bin/python3",
  serverPath: "",
  serverArgs: ["serve"],
  pycachePrefix: "/storage/pycache",
  env: { PATH: "/usr/bin", PYTHONPATH: "/home/me/lib", PYTHONHOME: "/x", PYTHONDONTWRITEBYTECODE: "1", HOME: "/home/me" },
};

test("bundled: python -S -m pinwise serve with only the bundled libs on PYTHONPATH", () => {
  const l = serverLaunch(inputs);
  assert.equal(l.command, "/usr/bin/python3");
  assert.deepEqual(l.args, ["-S", "-m", "pinwise", "serve"]);
  assert.equal(l.env.PYTHONPATH, join("/ext", "bundled", "libs"));
  assert.equal(l.env.PYTHONHOME, undefined);
  assert.equal(l.env.PYTHONPYCACHEPREFIX, "/storage/pycache");
  assert.equal(l.env.PYTHONDONTWRITEBYTECODE, undefined, "the bytecode cache must fill");
  assert.equal(l.env.PATH, "/usr/bin");
  assert.equal(l.cwd, join("/ext", "bundled", "libs"), "not a workspace folder: -m puts the cwd on sys.path");
  assert.ok(l.bundled);
  assert.equal(inputs.env.PYTHONPATH, "/home/me/lib", "the caller's env is not modified");
});

test("user-installed server: its command and args, environment untouched", () => {
  const l = serverLaunch({ ...inputs, serverPath: "pinwise", serverArgs: ["serve", "--log-level", "debug"] });
  assert.equal(l.command, "pinwise");
  assert.deepEqual(l.args, ["serve", "--log-level", "debug"]);
  assert.equal(l.env.PYTHONPATH, "/home/me/lib");
  assert.equal(l.env.PYTHONPYCACHEPREFIX, undefined);
  assert.ok(!l.bundled);
});
