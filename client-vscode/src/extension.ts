// Pinwise for VS Code: starts the Pinwise language server and wires its commands, status bar and
// workspace trust into the editor. Decisions that need no editor live in ./logic (unit-tested).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  MessageType,
  ShowMessageNotification,
  State,
  type DynamicFeature,
  type ExecuteCommandOptions,
  type LanguageClientOptions,
  type RegistrationData,
  type ServerOptions,
  WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";
import {
  CMD,
  SERVER_CMD,
  TRUSTED_ONLY,
  commandArgs,
  folderKey,
  interpreterItems,
  serverCommandsToRegister,
  statusText,
  untrustedMessage,
  venvItems,
  type InterpreterInfo,
  type VenvInfo,
  type VenvSelected,
} from "./logic/commands";
import { VERSION_SCRIPT, interpreterCandidates, judgeVersion, restrictedValue } from "./logic/interpreter";
import { bundledLibs, sameLaunch, serverLaunch, type Launch } from "./logic/launch";
import { ProgressRouter, type OpenRequest, type ProgressView, type WorkDoneValue } from "./logic/progress";
import { FILE_PATTERNS, documentSelector, isPinwiseDocument, isRequirementsFile } from "./logic/selector";
import { initializationOptions, needsRestart, readSettings } from "./logic/settings";
import { PythonExtensionBridge } from "./python";

const SHOW_LOG = "Show Log";

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("Pinwise", { log: true });
  const python = new PythonExtensionBridge(log);
  const status = new VenvStatus(python);
  controller = new ServerController(context, log, python, status);
  context.subscriptions.push(log, python, status, controller);

  const guarded = (id: string, run: () => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async () => {
      if (TRUSTED_ONLY.has(id) && !vscode.workspace.isTrusted) {
        const choice = await vscode.window.showWarningMessage(untrustedMessage(id), "Manage Workspace Trust");
        if (choice) {
          await vscode.commands.executeCommand("workbench.trust.manage");
        }
        return;
      }
      try {
        await run();
      } catch (err) {
        await showError(`Pinwise: ${errorText(err)}`, log);
      }
    });
  const c = controller;
  context.subscriptions.push(
    guarded(CMD.restartServer, () => c.restart("restart requested")),
    guarded(CMD.showLog, async () => log.show()),
    guarded(CMD.selectVenv, () => c.selectVenv()),
    guarded(CMD.createVenv, () => c.createVenv()),
    guarded(CMD.installDependencies, () => c.runOnFile(SERVER_CMD.installDependencies, "install from")),
    guarded(CMD.pinAll, () => c.runOnFile(SERVER_CMD.pinAll, "pin")),
    guarded(CMD.updateAll, () => c.runOnFile(SERVER_CMD.updateAll, "update")),
    guarded(CMD.compile, () => c.runOnFile(SERVER_CMD.compile, "compile")),
    guarded(CMD.freeze, () => c.runOnFile(SERVER_CMD.freeze, "freeze the environment into")),
    guarded(CMD.sync, () => c.runOnFile(SERVER_CMD.sync, "sync the environment with")),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (needsRestart((s) => e.affectsConfiguration(s))) {
        void c.restart("interpreter or server settings changed");
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void c.trustGranted()),
    python.onDidChangeInterpreter(() => void c.restartIfLaunchChanged("the Python extension's interpreter changed")),
  );

  void c.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function showError(message: string, log: vscode.LogOutputChannel, ...extra: string[]): Promise<string | undefined> {
  log.error(message);
  const choice = await vscode.window.showErrorMessage(message, SHOW_LOG, ...extra);
  if (choice === SHOW_LOG) {
    log.show();
  }
  return choice;
}

/** True when Pinwise serves this editor document (the vscode-free test in ./logic/selector). */
function servesDocument(doc: vscode.TextDocument): boolean {
  return isPinwiseDocument({ scheme: doc.uri.scheme, languageId: doc.languageId, path: doc.uri.path });
}

function runFile(command: string, args: string[]): Promise<{ stdout?: string; error?: { code?: string | number; message: string } }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, windowsHide: true }, (error, stdout) => {
      if (error) {
        resolve({ stdout, error: { code: (error as NodeJS.ErrnoException).code, message: error.message } });
      } else {
        resolve({ stdout });
      }
    });
  });
}

/** The venv of each workspace folder as the server reports it, shown for the active editor. */
class VenvStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("pinwise.venv", vscode.StatusBarAlignment.Left, 50);
  private readonly venvs = new Map<string, VenvSelected>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly python: PythonExtensionBridge) {
    this.item.name = "Pinwise Virtual Environment";
    this.item.command = CMD.selectVenv;
    this.disposables.push(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
    this.render();
  }

  set(venv: VenvSelected): void {
    const key = folderKey(venv.workspaceFolder);
    this.venvs.set(key ?? "", venv);
    this.render();
    if (venv.path && vscode.workspace.isTrusted) {
      void this.python.useVenv(venv.path, key ? vscode.Uri.file(key) : undefined);
    }
  }

  render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !servesDocument(doc)) {
      this.item.hide();
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const { text, tooltip } = statusText(this.venvs.get((folder && folderKey(folder.uri.fsPath)) ?? ""));
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private launch: Launch | undefined;
  /** Start/stop/restart run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly progress = new ProgressRouter(
    (request) => openProgress(request),
    (token) => void this.client?.sendNotification(WorkDoneProgressCancelNotification.type, { token }),
  );

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly python: PythonExtensionBridge,
    private readonly status: VenvStatus,
  ) {}

  private serial(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work, work).catch((err) => {
      this.log.error(`Pinwise: ${errorText(err)}`);
    });
    return this.queue;
  }

  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serial(() => this.doStop());
  }

  restart(reason: string): Promise<void> {
    return this.serial(async () => {
      this.log.info(`Restarting the server: ${reason}`);
      await this.doStop();
      await this.doStart();
    });
  }

  /** Restarts only when the process that would be started now differs from the running one. */
  restartIfLaunchChanged(reason: string): Promise<void> {
    return this.serial(async () => {
      const next = await this.resolveLaunch(false);
      if (sameLaunch(next, this.launch)) {
        return;
      }
      this.log.info(`Restarting the server: ${reason}`);
      await this.doStop();
      await this.doStart();
    });
  }

  async trustGranted(): Promise<void> {
    if (this.client?.state === State.Running) {
      await this.client.sendNotification("pinwise/workspaceTrust", { trusted: true });
    }
    await this.restartIfLaunchChanged("workspace trusted: workspace interpreter and server settings now apply");
  }

  /** Bytecode of the bundled libraries: compiled once per Python version into always-writable storage. */
  private pycachePrefix(): string {
    return join(this.context.globalStorageUri.fsPath, "pycache");
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration("pinwise");
  }

  /** Works out what to run; undefined (after telling the user why, when `report`) if nothing can run. */
  private async resolveLaunch(report: boolean): Promise<Launch | undefined> {
    const trusted = vscode.workspace.isTrusted;
    const cfg = this.config();
    const serverPath = restrictedValue(cfg.inspect<string>("server.path"), trusted)?.trim() ?? "";
    const serverArgs = restrictedValue(cfg.inspect<string[]>("server.args"), trusted) ?? ["serve"];
    const pycachePrefix = this.pycachePrefix();
    const base = { extensionPath: this.context.extensionPath, serverArgs, pycachePrefix, env: process.env };
    if (serverPath) {
      return serverLaunch({ ...base, serverPath, interpreter: "" });
    }
    if (!existsSync(join(bundledLibs(this.context.extensionPath), "pinwise"))) {
      if (report) {
        await showError(
          `Pinwise: the bundled server is missing from ${bundledLibs(this.context.extensionPath)} (this build skipped scripts/bundle-python.sh). Set pinwise.server.path to a Pinwise you installed.`,
          this.log,
        );
      }
      return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const candidates = interpreterCandidates({
      setting: restrictedValue(cfg.inspect<string>("interpreter"), trusted),
      pythonExtension: await this.python.activeInterpreter(folder),
      trusted,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      platform: process.platform,
    });
    const failures: string[] = [];
    for (const candidate of candidates) {
      const verdict = judgeVersion(candidate, await runFile(candidate.command, ["-S", "-c", VERSION_SCRIPT]));
      if (verdict.ok) {
        this.log.info(`Python ${verdict.version.join(".")} at ${candidate.command} (from ${candidate.source}) runs the server`);
        if (failures.length > 0 && report) {
          void vscode.window.showWarningMessage(`Pinwise: ${failures[0]} Using ${candidate.command} instead.`, SHOW_LOG).then((c) => c && this.log.show());
        }
        return serverLaunch({ ...base, serverPath: "", interpreter: candidate.command });
      }
      this.log.warn(verdict.message);
      failures.push(verdict.message);
    }
    if (report) {
      const choice = await showError(`Pinwise cannot start: ${failures[0] ?? "no Python found"}`, this.log, "Open Settings");
      if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "pinwise.interpreter");
      }
    }
    return undefined;
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    const launch = await this.resolveLaunch(true);
    if (!launch) {
      return;
    }
    if (launch.bundled) {
      mkdirSync(this.pycachePrefix(), { recursive: true });
    }
    this.log.info(`Starting: ${launch.command} ${launch.args.join(" ")} (cwd ${launch.cwd})`);
    const serverOptions: ServerOptions = { command: launch.command, args: launch.args, options: { cwd: launch.cwd, env: launch.env } };
    const trusted = vscode.workspace.isTrusted;
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector() as LanguageClientOptions["documentSelector"],
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: 4, // RevealOutputChannelOn.Never: errors come as notifications with a Show Log button
      diagnosticCollectionName: "pinwise",
      synchronize: { configurationSection: "pinwise" },
      initializationOptions: initializationOptions(readSettings((k) => this.config().get(k)), trusted),
      middleware: {
        // Server progress goes through ProgressRouter (notifications for what the user waits for) instead of
        // vscode-languageclient's status-bar-only progress; `next` still runs for "end" so its bookkeeping
        // for the token is released.
        handleWorkDoneProgress: (token, params, next) => {
          this.progress.handle(token, params as WorkDoneValue);
          if (params.kind === "end") {
            next(token, params);
          }
        },
      },
    };
    const client = new LanguageClient("pinwise", "Pinwise", serverOptions, clientOptions);
    keepClientCommandsOutOfServerRegistration(client);
    client.onNotification("pinwise/venvSelected", (params: VenvSelected) => this.status.set(params));
    client.onNotification(ShowMessageNotification.type, (params) => {
      const show =
        params.type === MessageType.Error ? vscode.window.showErrorMessage
        : params.type === MessageType.Warning ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
      const buttons = params.type === MessageType.Error || params.type === MessageType.Warning ? [SHOW_LOG] : [];
      void show(params.message, ...buttons).then((choice) => choice === SHOW_LOG && this.log.show());
    });
    this.client = client;
    this.launch = launch;
    try {
      await client.start();
      this.log.info(`Server started (workspace ${trusted ? "trusted" : "untrusted: parsing and diagnostics only"})`);
    } catch (err) {
      await showError(`Pinwise: the server failed to start: ${errorText(err)}`, this.log);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.launch = undefined;
    this.progress.closeAll();
    if (!client) {
      return;
    }
    try {
      if (client.state !== State.Stopped) {
        await client.stop(3000);
      }
    } catch (err) {
      this.log.warn(`Stopping the server: ${errorText(err)}`);
    }
    try {
      await client.dispose(1000);
    } catch {
      // already stopped
    }
  }

  private async request<T>(command: string, args: unknown[]): Promise<T | undefined> {
    const client = this.client;
    if (!client || client.state !== State.Running) {
      if ((await showError("Pinwise: the server is not running.", this.log, "Restart Server")) === "Restart Server") {
        await this.restart("restart requested");
      }
      return undefined;
    }
    this.log.info(`executeCommand ${command} ${JSON.stringify(args)}`);
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  }

  private async pickFolder(uri?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
    const fromDoc = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    if (fromDoc) {
      return fromDoc;
    }
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length <= 1) {
      return folders[0];
    }
    return vscode.window.showWorkspaceFolderPick({ placeHolder: "Workspace folder" });
  }

  private activePinwiseUri(): vscode.Uri | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && servesDocument(doc) ? doc.uri : undefined;
  }

  /** The active Pinwise file, else the only one in the workspace, else one the user picks. */
  private async pickFile(verb: string): Promise<vscode.Uri | undefined> {
    const active = this.activePinwiseUri();
    if (active) {
      return active;
    }
    const found = new Map<string, vscode.Uri>();
    for (const pattern of FILE_PATTERNS) {
      for (const uri of await vscode.workspace.findFiles(pattern, "**/{node_modules,.venv,venv,.git}/**", 200)) {
        found.set(uri.toString(), uri);
      }
    }
    const uris = [...found.values()].sort((a, b) => Number(isRequirementsFile(b.path)) - Number(isRequirementsFile(a.path)) || a.path.localeCompare(b.path));
    if (uris.length <= 1) {
      if (uris.length === 0) {
        void vscode.window.showInformationMessage("Pinwise: no requirements file or pyproject.toml in this workspace.");
      }
      return uris[0];
    }
    const pick = await vscode.window.showQuickPick(
      uris.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), value: uri })),
      { placeHolder: `File to ${verb}` },
    );
    return pick?.value;
  }

  async runOnFile(command: string, verb: string): Promise<void> {
    const uri = await this.pickFile(verb);
    if (!uri) {
      return;
    }
    const folder = await this.pickFolder(uri);
    await this.request(command, commandArgs(uri.toString(), folder?.uri.toString()));
  }

  async selectVenv(): Promise<void> {
    const uri = this.activePinwiseUri();
    const folder = await this.pickFolder(uri);
    if (!folder) {
      void vscode.window.showInformationMessage("Pinwise: open a folder to select its virtual environment.");
      return;
    }
    const args = (extra?: Record<string, unknown>) => commandArgs(uri?.toString(), folder.uri.toString(), extra);
    type Item = vscode.QuickPickItem & { value?: VenvInfo; browse?: boolean };
    const items: Item[] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "Pinwise: looking for virtual environments" },
      async () => venvItems(await this.request<unknown>(SERVER_CMD.listVenvs, args()), folder.uri.fsPath),
    );
    items.push({ label: "$(folder-opened) Browse…", description: "a venv folder or its python executable", browse: true });
    const pick = await vscode.window.showQuickPick(items, { placeHolder: "Select the virtual environment for " + folder.name, matchOnDescription: true });
    if (!pick) {
      return;
    }
    let path = pick.value?.path;
    if (pick.browse) {
      const chosen = await vscode.window.showOpenDialog({
        defaultUri: folder.uri,
        canSelectFolders: true,
        canSelectFiles: true,
        canSelectMany: false,
        openLabel: "Select Virtual Environment",
      });
      path = chosen?.[0]?.fsPath;
    }
    if (path) {
      await this.request(SERVER_CMD.selectVenv, args({ path }));
    }
  }

  async createVenv(): Promise<void> {
    const uri = this.activePinwiseUri();
    const folder = await this.pickFolder(uri);
    if (!folder) {
      void vscode.window.showInformationMessage("Pinwise: open a folder to create a virtual environment in it.");
      return;
    }
    const args = (extra?: Record<string, unknown>) => commandArgs(uri?.toString(), folder.uri.toString(), extra);
    type Item = vscode.QuickPickItem & { value?: InterpreterInfo; browse?: boolean };
    const items: Item[] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "Pinwise: looking for Python interpreters" },
      async () => interpreterItems(await this.request<unknown>(SERVER_CMD.listInterpreters, args())),
    );
    items.push({ label: "$(folder-opened) Browse…", description: "a Python executable", browse: true });
    const pick = await vscode.window.showQuickPick(items, { placeHolder: `Python for ${folder.name}/.venv`, matchOnDescription: true });
    if (!pick) {
      return;
    }
    let interpreter = pick.value?.path;
    if (pick.browse) {
      const chosen = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectMany: false, openLabel: "Use this Python" });
      interpreter = chosen?.[0]?.fsPath;
    }
    if (interpreter) {
      await this.request(SERVER_CMD.createVenv, args({ interpreter, path: ".venv", install: true }));
    }
  }

  dispose(): void {
    void this.stop();
  }
}

/**
 * vscode-languageclient registers every executeCommand id the server advertises as a VS Code command;
 * the palette commands registered above share some ids, so those are filtered out of its registration.
 */
function keepClientCommandsOutOfServerRegistration(client: LanguageClient): void {
  const feature = client.getFeature(ExecuteCommandRequest.method) as DynamicFeature<ExecuteCommandOptions>;
  const register = feature.register.bind(feature);
  feature.register = (data: RegistrationData<ExecuteCommandOptions>) =>
    register({ ...data, registerOptions: { ...data.registerOptions, commands: serverCommandsToRegister(data.registerOptions.commands) } });
}

/** Shows one server progress in VS Code until the router closes it. */
function openProgress(request: OpenRequest): ProgressView {
  type Update = { message?: string; increment?: number };
  let closed = false;
  let finish: (() => void) | undefined;
  let sink: vscode.Progress<Update> | undefined;
  // withProgress may call back later than the first report or even the close: keep both until then.
  const early: Update[] = [];
  const notification = request.place === "notification";
  void vscode.window.withProgress(
    {
      location: notification ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
      title: notification ? `Pinwise: ${request.title}` : request.title,
      cancellable: request.cancellable,
    },
    (progress, token) => {
      sink = progress;
      early.splice(0).forEach((update) => progress.report(update));
      token.onCancellationRequested(() => request.onCancel());
      return closed ? Promise.resolve() : new Promise<void>((resolve) => (finish = resolve));
    },
  );
  return {
    report: (update) => {
      if (sink) {
        sink.report(update);
      } else {
        early.push(update);
      }
    },
    close: () => {
      closed = true;
      finish?.();
    },
  };
}
