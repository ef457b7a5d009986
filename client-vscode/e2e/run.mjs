#!/usr/bin/env node
// End-to-end test of the packaged extension in a real VS Code (code-server, driven by headless Chromium
// through playwright-core). Installs the .vsix into a fresh profile, opens the examples folder, opens
// requirements.txt and checks: the extension activated (status bar), a Pinwise diagnostic in the
// Problems panel, a hover on a package, and "Pinwise: Select Virtual Environment" from the palette.
// Screenshots land in .artifacts/vscode-e2e/ (plus page HTML and the browser console on failure).
//
// Environment: PINWISE_E2E_CACHE (code-server lives there, see setup.sh), PINWISE_VSIX, PINWISE_E2E_WORKSPACE
// (a folder to open instead of examples/), PINWISE_E2E_PYTHON (sets pinwise.interpreter),
// PINWISE_E2E_TIMEOUT_MS (per wait, default 60000), PINWISE_E2E_KEEP=1 (keep the run folder),
// PINWISE_E2E_STUB=1 (use e2e/stub_server.py instead of the bundled server: tests the client alone).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
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
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1) + "s";
const log = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const [what, path] of [["code-server (run e2e/setup.sh)", CODE_SERVER], ["the .vsix (npm run package)", VSIX], ["chromium", CHROMIUM]]) {
  if (!existsSync(path)) {
    console.error(`[e2e] missing ${what}: ${path}`);
    process.exit(2);
  }
}

rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });
// A short run folder: code-server's IPC socket paths must stay under ~108 characters.
const RUN = mkdtempSync("/tmp/pwe2e-");
const dirs = Object.fromEntries(["tmp", "data", "ext", "xdg-config", "xdg-data", "xdg-cache", "chrome", "ws"].map((d) => [d, join(RUN, d)]));
Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));

// --- the workspace: a copy of examples/ (so nothing the server writes lands in the repo) -------------
const examples = process.env.PINWISE_E2E_WORKSPACE || join(REPO, "examples");
const WS = join(dirs.ws, "examples");
if (existsSync(join(examples, "requirements.txt"))) {
  cpSync(examples, WS, { recursive: true, filter: (src) => !/[/\\](\.venv|node_modules|__pycache__)$/.test(src) });
  log(`workspace: copy of ${examples}`);
} else {
  mkdirSync(WS, { recursive: true });
  writeFileSync(join(WS, "requirements.txt"), "# e2e fallback: examples/requirements.txt does not exist yet\nrequests>=2.31\nfoo==\n--frobnicate\n");
  log(`workspace: ${examples}/requirements.txt missing, using a generated requirements.txt`);
}
const requirementsText = readFileSync(join(WS, "requirements.txt"), "utf8");
const firstPackage = requirementsText.split(/\r?\n/).map((l) => /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(l)?.[1]).find(Boolean);

// --- code-server ---------------------------------------------------------------------------------------
const env = {
  ...process.env,
  TMPDIR: dirs.tmp,
  XDG_CONFIG_HOME: dirs["xdg-config"],
  XDG_DATA_HOME: dirs["xdg-data"],
  XDG_CACHE_HOME: dirs["xdg-cache"],
};
delete env.VSCODE_IPC_HOOK_CLI;
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
  "pinwise.trace.server": "messages",
  ...(process.env.PINWISE_E2E_PYTHON ? { "pinwise.interpreter": process.env.PINWISE_E2E_PYTHON } : {}),
};
// PINWISE_E2E_STUB=1: run e2e/stub_server.py (canned answers) through pinwise.server.path instead of the
// bundled server, to test the client and this harness on their own. Needs a Python with pygls 2.
if (process.env.PINWISE_E2E_STUB === "1") {
  const py = process.env.PINWISE_E2E_STUB_PYTHON || join(REPO, ".venv", "bin", "python");
  userSettings["pinwise.server.path"] = py;
  userSettings["pinwise.server.args"] = [join(HERE, "stub_server.py")];
  log(`stub server: ${py} ${join(HERE, "stub_server.py")}`);
}
mkdirSync(join(dirs.data, "User"), { recursive: true });
writeFileSync(join(dirs.data, "User", "settings.json"), JSON.stringify(userSettings, null, 2));

const common = ["--user-data-dir", dirs.data, "--extensions-dir", dirs.ext];
log(`installing ${VSIX}`);
const inst = spawnSync(CODE_SERVER, [...common, "--install-extension", VSIX], { env, encoding: "utf8", timeout: 120_000 });
writeFileSync(join(ARTIFACTS, "install.log"), `${inst.stdout}\n${inst.stderr}`);
if (inst.status !== 0) {
  console.error(`[e2e] --install-extension failed (${inst.status}):\n${inst.stdout}\n${inst.stderr}`);
  process.exit(1);
}

const port = await new Promise((res, rej) => {
  const s = createServer();
  s.once("error", rej);
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const serverLog = [];
const cs = spawn(
  CODE_SERVER,
  [
    "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
    "--disable-workspace-trust", "--disable-getting-started-override", ...common, WS,
  ],
  { env, detached: true, stdio: ["ignore", "pipe", "pipe"] }, // detached: own process group, killed as one
);
cs.stdout.on("data", (d) => serverLog.push(String(d)));
cs.stderr.on("data", (d) => serverLog.push(String(d)));

let browser;
let page;
const results = [];
const consoleLines = [];

async function cleanup() {
  try {
    await browser?.close();
  } catch {
    /* already gone */
  }
  for (const sig of ["SIGTERM", "SIGKILL"]) {
    try {
      process.kill(-cs.pid, sig); // the whole group: a plain kill leaves the file watcher behind
    } catch {
      break;
    }
    await sleep(sig === "SIGTERM" ? 1500 : 0);
  }
  writeFileSync(join(ARTIFACTS, "code-server.log"), serverLog.join(""));
  writeFileSync(join(ARTIFACTS, "browser-console.log"), consoleLines.join("\n"));
  if (process.env.PINWISE_E2E_KEEP !== "1") {
    rmSync(RUN, { recursive: true, force: true });
  } else {
    log(`kept ${RUN}`);
  }
}

async function snap(name) {
  if (!page) {
    return;
  }
  try {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  } catch (err) {
    log(`screenshot ${name} failed: ${err.message}`);
  }
}

/** Runs one named check; on failure saves a screenshot and the page HTML and goes on. */
async function step(name, fn, { required = true } = {}) {
  const s = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, seconds: (Date.now() - s) / 1000, detail });
    log(`PASS ${name}${detail ? `: ${detail}` : ""}`);
    return true;
  } catch (err) {
    results.push({ name, ok: false, required, seconds: (Date.now() - s) / 1000, error: String(err?.message ?? err).split("\n")[0] });
    log(`${required ? "FAIL" : "WARN"} ${name}: ${String(err?.message ?? err).split("\n")[0]}`);
    const slug = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
    await snap(`failure-${slug}`);
    try {
      writeFileSync(join(ARTIFACTS, `failure-${slug}.html`), await page.content());
    } catch {
      /* page gone */
    }
    return false;
  }
}

async function palette(command) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(">" + command);
  const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: command }).first();
  await row.waitFor({ state: "visible", timeout: 10_000 });
  await page.keyboard.press("Enter");
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

/** The text of the Pinwise output channel (the visible part of its editor). */
async function outputText() {
  await palette("Pinwise: Show Log");
  const lines = page.locator(".panel .output-view .view-lines");
  await lines.first().waitFor({ state: "visible", timeout: 10_000 });
  await sleep(500);
  return (await lines.first().innerText()).replace(/\u00a0/g, " ");
}

let exitCode = 1;
let serverDown = "";
try {
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

  const ctx = await chromium.launchPersistentContext(dirs.chrome, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: join(dirs.chrome, "config"), XDG_CACHE_HOME: join(dirs.chrome, "cache") },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  browser = ctx;
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(WAIT);
  page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));

  await step("workbench loads", async () => {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(WS)}`);
    await page.locator(".monaco-workbench").waitFor({ state: "visible" });
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ state: "visible" });
  });

  await step("open requirements.txt", async () => {
    const row = page.locator(".explorer-folders-view .monaco-list-row", { has: page.locator(".label-name", { hasText: /^requirements\.txt$/ }) }).first();
    await row.click();
    await page.locator(".tabs-container .tab", { hasText: "requirements.txt" }).first().waitFor({ state: "visible" });
    await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ state: "visible" });
    // The language mode in the status bar shows that the pip-requirements language is contributed.
    const mode = page.locator(".statusbar-item", { hasText: /pip requirements/i }).first();
    await mode.waitFor({ state: "visible", timeout: 20_000 });
    await sleep(1500); // tokenization runs in a worker: let the colours arrive before the screenshot
    return "language mode: pip requirements";
  });
  await snap("01-requirements-open");

  await step("extension active (venv status bar item)", async () => {
    const item = page.locator(".statusbar-item", { hasText: /venv/i }).first();
    await item.waitFor({ state: "visible", timeout: 30_000 });
    return (await item.innerText()).trim();
  });

  await step("Pinwise diagnostic in the Problems panel", async () => {
    await palette("View: Focus Problems");
    const panel = page.locator(".markers-panel");
    await panel.first().waitFor({ state: "visible", timeout: 15_000 });
    const row = page.locator(".markers-panel .monaco-list-row", { hasText: /pinwise/i }).first();
    await waitUnlessServerDown(row, WAIT);
    return (await row.innerText()).replace(/\s+/g, " ").trim().slice(0, 160);
  });
  await snap("02-problems");

  await step(`hover on ${firstPackage ?? "a package"}`, async () => {
    if (!firstPackage) {
      throw new Error("requirements.txt names no package to hover");
    }
    if (serverDown) {
      throw new Error(`not tried, the Pinwise server is down: ${serverDown}`);
    }
    const line = page.locator(".editor-instance .monaco-editor .view-lines .view-line", { hasText: new RegExp("^\\s*" + firstPackage.replace(/[.]/g, "\\.")) }).first();
    await line.waitFor({ state: "visible", timeout: 10_000 });
    const box = await line.boundingBox();
    const hover = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents").first();
    // Move off and back on: VS Code shows a hover only after the mouse rests on a word.
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.mouse.move(box.x + 200, box.y + 200);
      await page.mouse.move(box.x + 4 + firstPackage.length * 3, box.y + box.height / 2, { steps: 4 });
      try {
        await waitUnlessServerDown(hover, WAIT / 3);
        break;
      } catch (err) {
        if (attempt === 2 || /server is down/.test(String(err))) {
          throw err;
        }
      }
    }
    const text = (await hover.innerText()).replace(/\s+/g, " ").trim();
    if (!text) {
      throw new Error("hover is empty");
    }
    return text.slice(0, 160);
  });
  await snap("03-hover");

  await step("Pinwise: Select Virtual Environment (palette)", async () => {
    await page.mouse.move(5, 5);
    await palette("Pinwise: Select Virtual Environment");
    const rowsLocator = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    const browse = rowsLocator.filter({ hasText: "Browse" }).first();
    await waitUnlessServerDown(browse, WAIT);
    const rows = (await rowsLocator.allInnerTexts()).map((r) => r.replace(/\s+/g, " ").trim());
    await snap("04-select-venv");
    let detail = rows.join(" | ").slice(0, 200);
    const venvRow = rowsLocator.filter({ hasNotText: "Browse" }).first();
    if ((await venvRow.count()) > 0) {
      // Pick the first venv the server offered: the server answers with pinwise/venvSelected and the
      // status bar shows it.
      const label = (await venvRow.locator(".label-name").first().innerText()).trim();
      await venvRow.click();
      const item = page.locator(".statusbar-item", { hasText: label }).first();
      await item.waitFor({ state: "visible", timeout: 20_000 });
      await snap("04b-venv-selected");
      detail += ` -> status bar "${(await item.innerText()).trim()}"`;
    } else {
      await page.keyboard.press("Escape");
    }
    return detail;
  });

  await step("Pinwise log", async () => {
    const text = await outputText();
    writeFileSync(join(ARTIFACTS, "pinwise-log-visible.txt"), text);
    await snap("05-pinwise-log");
    return text.split("\n").filter((l) => /Starting|started|cannot|failed|Error/i.test(l)).slice(0, 3).join(" / ").slice(0, 240);
  }, { required: false });

  exitCode = results.some((r) => !r.ok && r.required) ? 1 : 0;
} catch (err) {
  log(`aborted: ${err?.stack ?? err}`);
  await snap("failure-aborted");
  exitCode = 1;
} finally {
  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok && r.required).length;
  writeFileSync(join(ARTIFACTS, "summary.json"), JSON.stringify({ seconds: (Date.now() - t0) / 1000, results }, null, 2));
  log(`artifacts in ${ARTIFACTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(exitCode);
}
