#!/usr/bin/env node
// End-to-end test of the packaged extension, with its bundled server, in a real VS Code (code-server,
// driven by headless Chromium through playwright-core). Installs the .vsix into a fresh profile, serves a
// package index on 127.0.0.1 (e2e/serve_index.py: the test suite's fake index), opens a copy of examples/
// with a tiny venv in it, opens requirements.txt and checks: the pip-requirements language, the venv status
// bar item, an index-backed Pinwise diagnostic in the Problems panel, a hover with the index's summary,
// "Pinwise: Select Virtual Environment" (picks .venv, the status bar shows it) and "Pinwise: Pin All"
// (the editor text changes). Then the everyday workflows, on files the test adds to the copied workspace
// (examples/ itself is never changed) and two distributions it writes into the venv (dist-info folders,
// no pip): "Pinwise: Freeze Environment into Requirements" (freeze-requirements.txt: the outdated pin is
// updated in place, the comment kept, the other distribution appended, the file on disk untouched, and one
// Ctrl+Z restores the original text), "Pinwise: Sync Environment with File" (sync-requirements.txt lists
// one of the two: the notification's plan names the other for removal, Apply removes its dist-info folder
// and keeps the listed one) and "Pinwise: Compile Requirements" (compiled/requirements.txt, a uv-compiled
// file whose header compiles requirements.in against two local wheels, no index: the Problems panel says it
// is generated, and after the command the file on disk and then the editor hold alpha==1.0 and beta==2.0).
// Sync and compile need a uv executable, which the test puts on code-server's PATH: without one they are
// warnings, not failures. Every wait is bounded; a failed step leaves a screenshot and the page HTML.
// Artifacts: <repo>/.artifacts/vscode-e2e/. The last line of output is "N passed, N failed".
//
// Environment: PINWISE_E2E_CACHE (code-server lives there, see setup.sh), PINWISE_VSIX,
// PINWISE_E2E_PYTHON (sets pinwise.interpreter; default: python3 on PATH, as a user would have),
// PINWISE_E2E_INDEX_PYTHON (runs serve_index.py and makes the venv; default: the repo's .venv, else python3
// with the bundled libraries on PYTHONPATH), PINWISE_E2E_TIMEOUT_MS (per wait, default 60000),
// PINWISE_E2E_TOTAL_TIMEOUT_MS (whole run, default 420000), PINWISE_E2E_KEEP=1 (keep the run folder),
// PINWISE_E2E_UV (the uv executable for sync and compile; default: uv next to the index Python, else in the
// repo's .venv, which the dev extra installs).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT = resolve(HERE, "..");
const REPO = resolve(CLIENT, "..");
const CACHE = process.env.PINWISE_E2E_CACHE || join(homedir(), ".cache", "pinwise-e2e");
const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION || "4.100.3";
const CODE_SERVER = join(CACHE, `code-server-${CODE_SERVER_VERSION}`, "node_modules", ".bin", "code-server");
const VSIX = resolve(process.env.PINWISE_VSIX || join(CLIENT, "pinwise.vsix"));
const ARTIFACTS = join(REPO, ".artifacts", "vscode-e2e");
const WAIT = Number(process.env.PINWISE_E2E_TIMEOUT_MS || 60_000);
const TOTAL = Number(process.env.PINWISE_E2E_TOTAL_TIMEOUT_MS || 420_000);
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const REPO_PYTHON = join(REPO, ".venv", "bin", "python");
const INDEX_PYTHON = process.env.PINWISE_E2E_INDEX_PYTHON || (existsSync(REPO_PYTHON) ? REPO_PYTHON : "python3");
// uv uninstalls from the pip-less venv (sync) and compiles (compile). Only its folder-of-one goes on PATH:
// the repo's .venv/bin also holds a python3, which must not become the server's interpreter.
const UV_CANDIDATES = process.env.PINWISE_E2E_UV
  ? [resolve(process.env.PINWISE_E2E_UV)]
  : [...(INDEX_PYTHON.includes("/") ? [join(dirname(INDEX_PYTHON), "uv")] : []), join(REPO, ".venv", "bin", "uv")];
const UV = UV_CANDIDATES.find((p) => existsSync(p)) ?? null;
const NO_UV = `no uv executable (looked at ${[...new Set(UV_CANDIDATES)].join(", ")}; set PINWISE_E2E_UV)`;

// What the e2e index (serve_index.py) serves for the packages of examples/requirements.txt.
const HOVER_PACKAGE = "gunicorn";
const HOVER_SUMMARY = "WSGI HTTP Server for UNIX, from the e2e index";
const OUTDATED = /gunicorn 23\.0\.0 is available/;

// The workflow steps' files, all written into the copied workspace. Two distributions in the venv: freeze
// writes both, sync keeps KEPT (the sync file lists it) and removes DROPPED.
const KEPT = { name: "e2e-kept", version: "1.0" };
const DROPPED = { name: "e2e-dropped", version: "2.0" };
const distInfo = (d) => `${d.name.replace(/-/g, "_")}-${d.version}.dist-info`;
const FREEZE_FILE = "freeze-requirements.txt";
const FREEZE_BEFORE = `# what the e2e venv holds (comment kept by freeze)\n${KEPT.name}==0.9\n`;
const FREEZE_AFTER = `# what the e2e venv holds (comment kept by freeze)\n${KEPT.name}==${KEPT.version}\n${DROPPED.name}==${DROPPED.version}\n`;
const SYNC_FILE = "sync-requirements.txt";
const SYNC_TEXT = `# the e2e venv should hold exactly this\n${KEPT.name}==${KEPT.version}\n`;
// A pip-tools pair compiled by uv from local wheels only (paths in the header are relative to compiled/,
// where the command ran). The compiled file holds the header alone until "Compile Requirements" runs.
const COMPILED_DIR = "compiled";
const COMPILED_HEADER =
  "# This file was autogenerated by uv via the following command:\n" +
  "#    uv pip compile requirements.in -o requirements.txt --no-index --find-links wheels --no-cache --python-version 3.11\n";

const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1) + "s";
const log = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const [what, path] of [["code-server (run e2e/setup.sh)", CODE_SERVER], ["the .vsix (npm run package)", VSIX], ["chromium", CHROMIUM]]) {
  if (!existsSync(path)) {
    console.error(`[e2e] missing ${what}: ${path}`);
    console.log("0 passed, 1 failed");
    process.exit(2);
  }
}

rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });
// A short run folder: code-server's IPC socket paths must stay under ~108 characters.
const RUN = mkdtempSync("/tmp/pwe2e-");
const dirs = Object.fromEntries(["tmp", "data", "ext", "xdg-config", "xdg-data", "xdg-cache", "chrome", "ws"].map((d) => [d, join(RUN, d)]));
Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));

const results = [];
const consoleLines = [];
const serverLog = [];
let browser;
let page;
let cs;
let index;
let serverDown = "";

function record(name, ok, seconds, extra) {
  results.push({ name, ok, seconds, ...extra });
  log(`${ok ? "PASS" : extra?.required === false ? "WARN" : "FAIL"} ${name}${extra?.detail ? `: ${extra.detail}` : ""}${extra?.error ? `: ${extra.error}` : ""}`);
}

// --- the package index -----------------------------------------------------------------------------------
async function startIndex() {
  const env = { ...process.env };
  if (INDEX_PYTHON !== REPO_PYTHON) {
    // The fake index needs `packaging`, which the bundle ships.
    env.PYTHONPATH = join(CLIENT, "bundled", "libs");
  }
  const child = spawn(INDEX_PYTHON, [join(HERE, "serve_index.py")], { env, stdio: ["pipe", "pipe", "pipe"] });
  const errors = [];
  child.stderr.on("data", (d) => errors.push(String(d)));
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the e2e index did not start within 20 s: ${errors.join("")}`)), 20_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      res(line.trim());
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`the e2e index exited (${code}): ${errors.join("").slice(-1500)}`));
    });
  });
  return { child, url };
}

// --- the workspace: a copy of examples/ (nothing the server writes lands in the repo) and a tiny venv ------
const WS = join(dirs.ws, "examples");
cpSync(join(REPO, "examples"), WS, { recursive: true, filter: (src) => !/[/\\](\.venv|node_modules|__pycache__)$/.test(src) });
const originalRequirements = readFileSync(join(WS, "requirements.txt"), "utf8");

async function cleanup() {
  // Bounded: on a loaded machine closing Chromium once took over a minute; code-server's group is killed anyway.
  await Promise.race([browser?.close().catch(() => undefined), sleep(10_000)]);
  if (cs) {
    for (const sig of ["SIGTERM", "SIGKILL"]) {
      try {
        process.kill(-cs.pid, sig); // the whole group: a plain kill leaves the file watcher behind
      } catch {
        break;
      }
      await sleep(sig === "SIGTERM" ? 1500 : 0);
    }
  }
  if (index) {
    index.child.stdin.end();
    index.child.kill("SIGTERM");
  }
  writeFileSync(join(ARTIFACTS, "code-server.log"), serverLog.join(""));
  writeFileSync(join(ARTIFACTS, "browser-console.log"), consoleLines.join("\n"));
  if (process.env.PINWISE_E2E_KEEP !== "1") {
    rmSync(RUN, { recursive: true, force: true });
  } else {
    log(`kept ${RUN}`);
  }
}

async function finish(exitCode) {
  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok && r.required !== false).length;
  writeFileSync(join(ARTIFACTS, "summary.json"), JSON.stringify({ seconds: (Date.now() - t0) / 1000, results }, null, 2));
  log(`artifacts in ${ARTIFACTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : exitCode);
}

// A run that hangs somewhere no wait covers still ends, with evidence.
const watchdog = setTimeout(async () => {
  record("whole run within the time limit", false, TOTAL / 1000, { error: `still running after ${TOTAL / 1000} s` });
  await snap("failure-timeout");
  await finish(1);
}, TOTAL);
watchdog.unref();

async function snap(name) {
  if (!page) {
    return;
  }
  try {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), timeout: 10_000 });
  } catch (err) {
    log(`screenshot ${name} failed: ${err.message}`);
  }
}

/** Runs one named check; on failure saves a screenshot and the page HTML and goes on. */
async function step(name, fn, { required = true } = {}) {
  const s = Date.now();
  try {
    const detail = await fn();
    record(name, true, (Date.now() - s) / 1000, { detail });
    return true;
  } catch (err) {
    record(name, false, (Date.now() - s) / 1000, { required, error: String(err?.message ?? err).split("\n")[0] });
    const slug = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase().replace(/-+$/, "");
    await snap(`failure-${slug}`);
    try {
      writeFileSync(join(ARTIFACTS, `failure-${slug}.html`), await page.content());
    } catch {
      /* page gone */
    }
    await page?.keyboard.press("Escape").catch(() => undefined);
    return false;
  }
}

const quickInput = () => page.locator(".quick-input-widget .quick-input-box input");
const quickRows = () => page.locator(".quick-input-widget .quick-input-list .monaco-list-row");

async function palette(command) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  await quickInput().waitFor({ state: "visible", timeout: 10_000 });
  await quickInput().fill(">" + command);
  const row = quickRows().filter({ hasText: command }).first();
  await row.waitFor({ state: "visible", timeout: 10_000 });
  await page.keyboard.press("Enter");
}

/**
 * Puts the keyboard focus in the active editor. A click into the text could land on a hover or a tab's
 * tooltip (the mouse rests where the last step left it) and then wait in vain, so the command does it.
 */
async function focusEditor() {
  await page.mouse.move(5, 5);
  await palette("View: Focus Active Editor Group");
  await page.locator(".editor-instance .monaco-editor.focused").first().waitFor({ state: "visible", timeout: 10_000 });
}

/**
 * Waits for `locator`, but gives up early when VS Code shows that the Pinwise server is down
 * (a crash or start-up failure notification), with that notification's text as the error.
 */
async function waitUnlessServerDown(locator, timeout) {
  const down = page.locator(".notification-toast", { hasText: /(Pinwise.*(crashed|failed|cannot|couldn't|not running))|(server.*(crashed|failed))/i }).first();
  await Promise.race([locator.waitFor({ state: "visible", timeout }), down.waitFor({ state: "visible", timeout })]);
  if (!(await locator.isVisible()) && (await down.isVisible())) {
    serverDown = (await down.innerText()).replace(/\s+/g, " ").slice(0, 240);
    throw new Error(`the Pinwise server is down: ${serverDown}`);
  }
}

function skipIfServerDown() {
  if (serverDown) {
    throw new Error(`not tried, the Pinwise server is down: ${serverDown}`);
  }
}

/** The text of the active editor as rendered (Monaco shows every line of this small file). */
async function editorText() {
  const lines = page.locator(".editor-instance .monaco-editor .view-lines .view-line");
  const tops = await lines.evaluateAll((els) => els.map((e) => [parseFloat(e.style.top) || 0, e.textContent ?? ""]));
  return tops
    .sort((a, b) => a[0] - b[0])
    .map((l) => l[1].replace(/\u00a0/g, " "))
    .join("\n");
}

/** Polls `read` until `accept` returns true for its value, or the wait ends. */
async function until(read, accept, timeout, what) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await read();
    if (accept(last)) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} within ${timeout / 1000} s; last seen: ${JSON.stringify(String(last).slice(0, 300))}`);
    }
    await sleep(250);
  }
}

/**
 * `until`, failing at once when VS Code shows an error notification, or one saying a tool is missing or
 * failed (a warning with buttons would otherwise wait for an answer until the time is up).
 */
async function untilNoError(read, accept, timeout, what) {
  const error = page
    .locator(".notification-toast", { has: page.locator(".codicon-error") })
    .or(page.locator(".notification-toast", { hasText: /Neither pip-compile nor uv|failed|cannot/i }))
    .first();
  return until(
    async () => {
      if (await error.isVisible()) {
        throw new Error(`error notification: ${(await error.innerText()).replace(/\s+/g, " ").slice(0, 240)}`);
      }
      return read();
    },
    accept,
    timeout,
    what,
  );
}

/** No notification left over from an earlier step (an error toast would fail `untilNoError`). */
async function clearNotifications() {
  await palette("Notifications: Clear All Notifications");
  await page.locator(".notification-toast").first().waitFor({ state: "hidden", timeout: 10_000 });
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P) and waits until the editor shows text `expect` accepts.
 * `label` and `description` match the row's file name and folder (the root's files have no folder).
 */
async function quickOpen(query, label, description, expect) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+P");
  await quickInput().waitFor({ state: "visible", timeout: 10_000 });
  await quickInput().fill(query);
  let row = quickRows().filter({ has: page.locator(".label-name", { hasText: label }) });
  if (description) {
    row = row.filter({ has: page.locator(".label-description", { hasText: description }) });
  }
  await row.first().click({ timeout: 20_000 });
  await until(editorText, expect, 20_000, `${query} did not open in the editor`);
  await focusEditor();
}

try {
  // Index and venv first: both are plain processes, and a failure here says so plainly.
  await step("e2e package index on 127.0.0.1", async () => {
    index = await startIndex();
    return index.url;
  });
  await step("tiny venv in the workspace (python -m venv --without-pip .venv)", async () => {
    const made = spawnSync(INDEX_PYTHON, ["-m", "venv", "--without-pip", join(WS, ".venv")], { encoding: "utf8", timeout: 60_000 });
    if (made.status !== 0) {
      throw new Error(`venv creation failed (${made.status}): ${made.stderr}`);
    }
    return join(WS, ".venv");
  });
  let sitePackages = "";
  await step("workflow files: two distributions in the venv, freeze and sync files, a uv-compiled pair on local wheels", async () => {
    // The venv's own site-packages, as its Python reports it (lib/pythonX.Y/site-packages).
    const asked = spawnSync(join(WS, ".venv", "bin", "python"), ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8", timeout: 30_000 });
    sitePackages = asked.stdout?.trim() ?? "";
    if (asked.status !== 0 || !sitePackages.startsWith(join(WS, ".venv"))) {
      throw new Error(`cannot find the venv's site-packages (${asked.status}): ${asked.stderr || sitePackages}`);
    }
    for (const d of [KEPT, DROPPED]) {
      // Installed as an installer would leave it, minus the code: what freeze reads and uv uninstalls.
      const info = join(sitePackages, distInfo(d));
      mkdirSync(info, { recursive: true });
      writeFileSync(join(info, "METADATA"), `Metadata-Version: 2.1\nName: ${d.name}\nVersion: ${d.version}\n`);
      writeFileSync(join(info, "INSTALLER"), "pinwise-e2e\n");
      writeFileSync(join(info, "RECORD"), ["METADATA", "INSTALLER", "RECORD"].map((f) => `${distInfo(d)}/${f},,`).join("\n") + "\n");
    }
    writeFileSync(join(WS, FREEZE_FILE), FREEZE_BEFORE);
    writeFileSync(join(WS, SYNC_FILE), SYNC_TEXT);
    const compiled = join(WS, COMPILED_DIR);
    mkdirSync(compiled, { recursive: true });
    const made = spawnSync(INDEX_PYTHON, [join(HERE, "make_wheels.py"), join(compiled, "wheels"), "alpha==1.0:beta", "beta==2.0"], { encoding: "utf8", timeout: 30_000 });
    if (made.status !== 0) {
      throw new Error(`make_wheels.py failed (${made.status}): ${made.stderr}`);
    }
    writeFileSync(join(compiled, "requirements.in"), "alpha\n");
    writeFileSync(join(compiled, "requirements.txt"), COMPILED_HEADER);
    if (UV) {
      // A folder holding only uv, for code-server's PATH (see UV above).
      mkdirSync(join(RUN, "uv-bin"));
      symlinkSync(UV, join(RUN, "uv-bin", "uv"));
    }
    return `${sitePackages}; uv: ${UV ?? NO_UV}`;
  });
  if (!index) {
    throw new Error("no package index: the remaining checks would talk to the real index");
  }

  const env = {
    ...process.env,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs["xdg-config"],
    XDG_DATA_HOME: dirs["xdg-data"],
    XDG_CACHE_HOME: dirs["xdg-cache"],
    // The server resolves the index as pip would: keep this machine's pip configuration out of it, so the
    // run talks to the e2e index only.
    PIP_CONFIG_FILE: "/dev/null",
    // uv (sync's uninstall, compile) must never fetch a Python or reach a network: the compile step's header
    // names local wheels only.
    UV_PYTHON_DOWNLOADS: "never",
    UV_OFFLINE: "1",
    ...(UV ? { PATH: `${join(RUN, "uv-bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` } : {}),
    // As when VS Code is started from a terminal: the extension host (and so the server) gets this
    // environment. Otherwise code-server replaces it with a login shell's (`bash -ilc env`), whose
    // /etc/profile resets PATH and drops the uv folder above.
    VSCODE_CLI: "1",
  };
  for (const key of ["VSCODE_IPC_HOOK_CLI", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "VIRTUAL_ENV",
    "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS", "UV_NO_INDEX", "UV_CONFIG_FILE", "UV_PYTHON"]) {
    delete env[key];
  }
  const userSettings = {
    "workbench.reduceMotion": "on",
    "workbench.startupEditor": "none",
    "workbench.tips.enable": false,
    "workbench.enableExperiments": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "security.workspace.trust.enabled": false,
    "chat.disableAIFeatures": true,
    "editor.hover.delay": 200,
    // Inlay hints ("installed 1.0") are part of the rendered lines that editorText() reads.
    "editor.inlayHints.enabled": "off",
    "pinwise.trace.server": "messages",
    "pinwise.index.url": index.url,
    ...(process.env.PINWISE_E2E_PYTHON ? { "pinwise.interpreter": process.env.PINWISE_E2E_PYTHON } : {}),
  };
  mkdirSync(join(dirs.data, "User"), { recursive: true });
  writeFileSync(join(dirs.data, "User", "settings.json"), JSON.stringify(userSettings, null, 2));

  const common = ["--user-data-dir", dirs.data, "--extensions-dir", dirs.ext];
  const installed = await step("install the .vsix", async () => {
    const inst = spawnSync(CODE_SERVER, [...common, "--install-extension", VSIX], { env, encoding: "utf8", timeout: 120_000 });
    writeFileSync(join(ARTIFACTS, "install.log"), `${inst.stdout}\n${inst.stderr}`);
    if (inst.status !== 0) {
      throw new Error(`--install-extension failed (${inst.status}): ${inst.stderr || inst.stdout}`);
    }
    return VSIX;
  });
  if (!installed) {
    throw new Error("the extension is not installed");
  }

  const port = await new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
  cs = spawn(
    CODE_SERVER,
    [
      "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
      "--disable-workspace-trust", "--disable-getting-started-override", ...common, WS,
    ],
    { env, detached: true, stdio: ["ignore", "pipe", "pipe"] }, // detached: own process group, killed as one
  );
  cs.stdout.on("data", (d) => serverLog.push(String(d)));
  cs.stderr.on("data", (d) => serverLog.push(String(d)));

  const deadline = Date.now() + WAIT;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.status === 200) {
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline || cs.exitCode !== null) {
      throw new Error(`code-server not healthy on port ${port}:\n${serverLog.join("").slice(-2000)}`);
    }
    await sleep(250);
  }
  log(`code-server ready on 127.0.0.1:${port}`);

  browser = await chromium.launchPersistentContext(dirs.chrome, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: join(dirs.chrome, "config"), XDG_CACHE_HOME: join(dirs.chrome, "cache") },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(WAIT);
  page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));

  await step("workbench loads", async () => {
    // Not the "load" event: one slow resource (seen once in 10 runs) holds it back long after the
    // workbench is usable. The workbench's own elements are what the test needs.
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(WS)}`, { waitUntil: "domcontentloaded" });
    await page.locator(".monaco-workbench").waitFor({ state: "visible" });
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ state: "visible" });
  });

  const opened = await step("open requirements.txt", async () => {
    const row = page.locator(".explorer-folders-view .monaco-list-row", { has: page.locator(".label-name", { hasText: /^requirements\.txt$/ }) }).first();
    const tab = page.locator(".tabs-container .tab", { hasText: /^requirements\.txt/ }).first();
    let how = "explorer";
    try {
      await row.click({ timeout: 15_000 });
      await tab.waitFor({ state: "visible", timeout: 10_000 });
    } catch (err) {
      // Once in a while the explorer row does not take the click (seen 1 run in 10): Quick Open instead.
      how = `quick open (explorer click failed: ${String(err?.message ?? err).split("\n")[0]})`;
      await snap("explorer-click-failed");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+P");
      await quickInput().waitFor({ state: "visible", timeout: 10_000 });
      await quickInput().fill("requirements.txt");
      await quickRows().filter({ has: page.locator(".label-name", { hasText: /^requirements\.txt$/ }) }).first().click({ timeout: 20_000 });
      await tab.waitFor({ state: "visible", timeout: 20_000 });
    }
    await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ state: "visible" });
    // The language mode in the status bar shows that the pip-requirements language is contributed.
    await page.locator(".statusbar-item", { hasText: /pip requirements/i }).first().waitFor({ state: "visible", timeout: 20_000 });
    await sleep(1000); // tokenization runs in a worker: let the colours arrive before the screenshot
    return `language mode: pip requirements (opened from the ${how})`;
  });
  await snap("01-requirements-open");
  if (!opened) {
    throw new Error("requirements.txt did not open: every later check needs it");
  }

  await step("extension active (venv status bar item)", async () => {
    const item = page.locator(".statusbar-item", { hasText: /venv/i }).first();
    await item.waitFor({ state: "visible", timeout: 30_000 });
    return (await item.innerText()).trim();
  });

  await step("index-backed Pinwise diagnostic in the Problems panel", async () => {
    await palette("View: Focus Problems");
    await page.locator(".markers-panel").first().waitFor({ state: "visible", timeout: 15_000 });
    const row = page.locator(".markers-panel .monaco-list-row", { hasText: OUTDATED }).first();
    await waitUnlessServerDown(row, WAIT);
    const text = (await row.innerText()).replace(/\s+/g, " ").trim();
    if (!/pinwise/i.test(text)) {
      throw new Error(`the diagnostic is not from Pinwise: ${text}`);
    }
    return text.slice(0, 160);
  });
  await snap("02-problems");

  await step(`hover on ${HOVER_PACKAGE} shows the index's summary`, async () => {
    skipIfServerDown();
    const line = page.locator(".editor-instance .monaco-editor .view-lines .view-line", { hasText: new RegExp(`^\\s*${HOVER_PACKAGE}==`) }).first();
    await line.waitFor({ state: "visible", timeout: 10_000 });
    const box = await line.boundingBox();
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: HOVER_SUMMARY }).first();
    // Move off and back on: VS Code shows a hover only after the mouse rests on a word.
    for (let attempt = 0; ; attempt++) {
      await page.mouse.move(box.x + 200, box.y + 200);
      await page.mouse.move(box.x + 4 + HOVER_PACKAGE.length * 3, box.y + box.height / 2, { steps: 4 });
      try {
        await waitUnlessServerDown(hover, WAIT / 4);
        break;
      } catch (err) {
        if (attempt === 2 || /server is down/.test(String(err))) {
          throw err;
        }
      }
    }
    return (await hover.innerText()).replace(/\s+/g, " ").trim().slice(0, 160);
  });
  await snap("03-hover");

  await step("Pinwise: Select Virtual Environment picks .venv, the status bar shows it", async () => {
    skipIfServerDown();
    await page.mouse.move(5, 5);
    await palette("Pinwise: Select Virtual Environment");
    // The list is virtual (only visible rows exist): filter it down to the workspace's venv.
    await waitUnlessServerDown(quickRows().first(), WAIT);
    await quickInput().fill(".venv");
    const venvRow = quickRows().filter({ has: page.locator(".label-name", { hasText: /^\.venv$/ }) }).first();
    await venvRow.waitFor({ state: "visible", timeout: 10_000 });
    await snap("04-select-venv");
    await venvRow.click();
    const item = page.locator(".statusbar-item", { hasText: "examples/.venv" }).first();
    await item.waitFor({ state: "visible", timeout: 20_000 });
    await snap("05-venv-selected");
    return `status bar: "${(await item.innerText()).trim()}"`;
  });

  await step("Pinwise: Pin All changes the editor text", async () => {
    skipIfServerDown();
    // Focus the editor so "the active file" is requirements.txt.
    await focusEditor();
    const before = await editorText();
    await palette("Pinwise: Pin All");
    const after = await until(editorText, (t) => t !== before, WAIT, "the editor text did not change");
    const changed = after.split("\n").filter((l, i) => l !== before.split("\n")[i]);
    if (!changed.some((l) => /==\s*\d/.test(l))) {
      throw new Error(`no line gained a pin: ${JSON.stringify(changed)}`);
    }
    const onDisk = readFileSync(join(WS, "requirements.txt"), "utf8");
    if (onDisk !== originalRequirements) {
      throw new Error("the file on disk changed: Pin All must only edit the buffer");
    }
    await sleep(300);
    await snap("06-pin-all");
    return changed.map((l) => l.trim()).join(" | ").slice(0, 200);
  });

  // The everyday workflows. They run on the venv selected above: keep them after that step.
  const siteEntry = (d) => join(sitePackages, distInfo(d));
  await step("Pinwise: Freeze Environment into Requirements edits the buffer, one undo restores it", async () => {
    skipIfServerDown();
    await clearNotifications();
    await quickOpen(FREEZE_FILE, new RegExp(`^${FREEZE_FILE.replace(/\./g, "\\.")}$`), null, (t) => t === FREEZE_BEFORE);
    await palette("Pinwise: Freeze Environment into Requirements");
    // Exactly: the comment kept, the outdated pin updated in place, the other distribution appended.
    await untilNoError(editorText, (t) => t === FREEZE_AFTER, WAIT, "the editor did not show the frozen venv");
    await sleep(300);
    await snap("08-freeze");
    const onDisk = readFileSync(join(WS, FREEZE_FILE), "utf8");
    if (onDisk !== FREEZE_BEFORE) {
      throw new Error(`the file on disk changed: freeze must only edit the buffer; on disk: ${JSON.stringify(onDisk)}`);
    }
    // One undo reverts the whole freeze (one workspace edit). The text must then stay the original.
    await focusEditor();
    await page.keyboard.press("Control+Z");
    await until(editorText, (t) => t === FREEZE_BEFORE, 10_000, "one Ctrl+Z did not restore the original text");
    await sleep(1000);
    const settled = await editorText();
    if (settled !== FREEZE_BEFORE) {
      throw new Error(`after one undo the text changed again: ${JSON.stringify(settled)}`);
    }
    await snap("09-freeze-undone");
    return `${FREEZE_AFTER.trim().split("\n").slice(1).join(" | ")}; undone with one Ctrl+Z`;
  });

  await step("Pinwise: Sync Environment with File shows the plan, Apply removes the unlisted distribution", async () => {
    skipIfServerDown();
    if (!UV) {
      throw new Error(`not tried: ${NO_UV}`);
    }
    await clearNotifications();
    await quickOpen(SYNC_FILE, new RegExp(`^${SYNC_FILE.replace(/\./g, "\\.")}$`), null, (t) => t === SYNC_TEXT);
    await palette("Pinwise: Sync Environment with File");
    // The plan comes as a message request: a notification with Apply / Cancel buttons.
    const toast = page.locator(".notification-toast", { hasText: new RegExp(`Sync \\S+ with ${SYNC_FILE.replace(/\./g, "\\.")}`) }).first();
    await waitUnlessServerDown(toast, WAIT);
    const plan = (await toast.innerText()).replace(/\s+/g, " ").trim();
    await snap("10-sync-plan");
    if (!plan.includes(`remove ${DROPPED.name}`)) {
      throw new Error(`the plan does not remove ${DROPPED.name}: ${plan}`);
    }
    if (plan.includes(KEPT.name)) {
      throw new Error(`the plan touches ${KEPT.name}, which the file lists at its installed version: ${plan}`);
    }
    await toast.locator(".monaco-button", { hasText: /^Apply$/ }).first().click({ timeout: 10_000 });
    const state = () => `${distInfo(DROPPED)}: ${existsSync(siteEntry(DROPPED)) ? "present" : "gone"}, ${distInfo(KEPT)}: ${existsSync(siteEntry(KEPT)) ? "present" : "gone"}`;
    const done = await untilNoError(state, (s) => !s.includes("present,"), WAIT, `${distInfo(DROPPED)} was not removed`);
    if (!existsSync(siteEntry(KEPT))) {
      throw new Error(`sync removed the listed distribution too: ${done}`);
    }
    await sleep(300);
    await snap("11-sync-applied");
    return `${plan.match(/Sync \S+ with .*?\.(?=\s|$)/)?.[0] ?? plan.slice(0, 160)} -> ${done}`;
  }, { required: Boolean(UV) });

  await step("Pinwise: Compile Requirements recompiles a uv-compiled file from local wheels", async () => {
    skipIfServerDown();
    if (!UV) {
      throw new Error(`not tried: ${NO_UV}`);
    }
    await clearNotifications();
    const compiledFile = join(WS, COMPILED_DIR, "requirements.txt");
    await quickOpen(`${COMPILED_DIR}/requirements.txt`, /^requirements\.txt$/, new RegExp(`^${COMPILED_DIR}$`), (t) => t === COMPILED_HEADER);
    // The compiled-file diagnostic, found through the Problems panel's filter (the list is virtual).
    await palette("View: Focus Problems");
    const filter = page.locator(".viewpane-filter-container .viewpane-filter input").first();
    await filter.fill("Generated by", { timeout: 10_000 });
    const row = page.locator(".markers-panel .monaco-list-row", { hasText: /Generated by uv pip compile from requirements\.in/ }).first();
    await waitUnlessServerDown(row, WAIT);
    const generated = (await row.innerText()).replace(/\s+/g, " ").trim();
    await snap("12-compiled-diagnostic");
    await filter.fill("");
    // The command runs on the active editor's file: focus the compiled file's editor again.
    await focusEditor();
    await palette("Pinwise: Compile Requirements");
    const pinned = (t) => /^alpha==1\.0\s*$/m.test(t) && /^beta==2\.0\s*$/m.test(t);
    await untilNoError(() => readFileSync(compiledFile, "utf8"), pinned, WAIT, "the compiled file on disk did not get alpha==1.0 and beta==2.0");
    // The editor is not dirty, so VS Code reloads it from disk.
    const shown = await untilNoError(editorText, pinned, WAIT, "the editor did not reload the compiled file");
    await sleep(300);
    await snap("13-compiled");
    return `${generated.slice(0, 100)} -> ${shown.split("\n").filter((l) => /==/.test(l)).join(" | ")}`;
  }, { required: Boolean(UV) });

  await step("Pinwise log", async () => {
    await palette("Pinwise: Show Log");
    const lines = page.locator(".panel .output-view .view-lines");
    await lines.first().waitFor({ state: "visible", timeout: 10_000 });
    await sleep(500);
    const text = (await lines.first().innerText()).replace(/\u00a0/g, " ");
    writeFileSync(join(ARTIFACTS, "pinwise-log-visible.txt"), text);
    await snap("14-pinwise-log");
    return text.split("\n").filter((l) => /Starting|Python \d|cannot|failed|Error/i.test(l)).slice(0, 3).join(" / ").slice(0, 240);
  }, { required: false });

  await finish(0);
} catch (err) {
  log(`aborted: ${err?.stack ?? err}`);
  record("run aborted", false, 0, { error: String(err?.message ?? err).split("\n")[0] });
  await snap("failure-aborted");
  await finish(1);
}
