// The Python extension (ms-python.python), when installed: its selected interpreter, change events,
// and handing it the venv Pinwise selected.
import * as vscode from "vscode";
import { PVSC_EXTENSION_ID, PythonExtension } from "@vscode/python-extension";

export class PythonExtensionBridge implements vscode.Disposable {
  private api: PythonExtension | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the Python extension's active environment changes. */
  readonly onDidChangeInterpreter = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  static installed(): boolean {
    return vscode.extensions.getExtension(PVSC_EXTENSION_ID) !== undefined;
  }

  /** Loads the API once; undefined when the Python extension is missing or fails to activate. */
  async load(): Promise<PythonExtension | undefined> {
    if (this.api || !PythonExtensionBridge.installed()) {
      return this.api;
    }
    try {
      const api = await PythonExtension.api();
      await api.ready;
      this.api = api;
      this.disposables.push(api.environments.onDidChangeActiveEnvironmentPath(() => this.changed.fire()));
    } catch (err) {
      this.log.warn(`Python extension is installed but its API is unavailable: ${String(err)}`);
    }
    return this.api;
  }

  /** The executable of the active environment for `resource`, if the Python extension knows one. */
  async activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    const api = await this.load();
    if (!api) {
      return undefined;
    }
    try {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(envPath);
      return env?.executable.uri?.fsPath;
    } catch (err) {
      this.log.warn(`Could not resolve the Python extension's interpreter: ${String(err)}`);
      return undefined;
    }
  }

  /** Makes `venvPath` the Python extension's environment for `folder` (no-op if already so). */
  async useVenv(venvPath: string, folder: vscode.Uri | undefined): Promise<void> {
    const api = await this.load();
    if (!api) {
      return;
    }
    try {
      const current = api.environments.getActiveEnvironmentPath(folder);
      const resolved = await api.environments.resolveEnvironment(venvPath);
      const exe = resolved?.executable.uri?.fsPath;
      if (current.path === venvPath || (exe !== undefined && current.path === exe)) {
        return;
      }
      await api.environments.updateActiveEnvironmentPath(exe ?? venvPath, folder);
      this.log.info(`Selected ${exe ?? venvPath} in the Python extension`);
    } catch (err) {
      this.log.warn(`Could not hand ${venvPath} to the Python extension: ${String(err)}`);
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
