// Commands: ids, which ones the server runs, and how their choices and results are shown. vscode-free.
import { basename, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const CMD = {
  createVenv: "pinwise.createVenv",
  selectVenv: "pinwise.selectVenv",
  installDependencies: "pinwise.installDependencies",
  pinAll: "pinwise.pinAll",
  updateAll: "pinwise.updateAll",
  compile: "pinwise.compile",
  freeze: "pinwise.freeze",
  sync: "pinwise.sync",
  restartServer: "pinwise.restartServer",
  showLog: "pinwise.showLog",
} as const;

/** workspace/executeCommand commands the client sends (some share an id with a palette command). */
export const SERVER_CMD = {
  listVenvs: "pinwise.listVenvs",
  selectVenv: "pinwise.selectVenv",
  listInterpreters: "pinwise.listInterpreters",
  createVenv: "pinwise.createVenv",
  installDependencies: "pinwise.installDependencies",
  pinAll: "pinwise.pinAll",
  updateAll: "pinwise.updateAll",
  compile: "pinwise.compile",
  freeze: "pinwise.freeze",
  sync: "pinwise.sync",
} as const;

/** Palette commands this extension registers itself. */
export const CLIENT_COMMANDS: ReadonlySet<string> = new Set(Object.values(CMD));

/**
 * The server advertises its executeCommand ids and vscode-languageclient registers each as a VS Code
 * command; ids the extension registers itself must be left out, or registration fails ("already exists").
 */
export function serverCommandsToRegister(advertised: readonly string[] | undefined): string[] {
  return (advertised ?? []).filter((c) => !CLIENT_COMMANDS.has(c));
}

/** Commands refused in an untrusted workspace: they run interpreters, install or write with index data. */
export const TRUSTED_ONLY: ReadonlySet<string> = new Set<string>([
  CMD.createVenv,
  CMD.selectVenv,
  CMD.installDependencies,
  CMD.pinAll,
  CMD.updateAll,
  CMD.compile,
  CMD.freeze,
  CMD.sync,
]);

export const COMMAND_TITLES: Record<string, string> = {
  [CMD.createVenv]: "Create Virtual Environment",
  [CMD.selectVenv]: "Select Virtual Environment",
  [CMD.installDependencies]: "Install Dependencies",
  [CMD.pinAll]: "Pin All",
  [CMD.updateAll]: "Update All",
  [CMD.compile]: "Compile Requirements",
  [CMD.freeze]: "Freeze Environment into Requirements",
  [CMD.sync]: "Sync Environment with File",
  [CMD.restartServer]: "Restart Server",
  [CMD.showLog]: "Show Log",
};

export function untrustedMessage(command: string): string {
  const title = COMMAND_TITLES[command] ?? command;
  return `Pinwise: "${title}" is not available in Restricted Mode. Trust this workspace to use it.`;
}

/** An entry of `pinwise.listVenvs`. */
export interface VenvInfo {
  path: string;
  python: string;
  version: string;
  kind: string;
}

/** An entry of `pinwise.listInterpreters`. */
export interface InterpreterInfo {
  path: string;
  version: string;
  source: string;
  recommended: boolean;
  reason: string;
}

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

function displayPath(path: string, folder: string | undefined): string {
  if (folder) {
    const rel = relative(folder, path);
    if (rel && !rel.startsWith("..")) {
      return rel;
    }
    if (rel === "") {
      return ".";
    }
  }
  return path;
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function venvItems(result: unknown, folder: string | undefined): PickItem<VenvInfo>[] {
  return asArray<VenvInfo>(result)
    .filter((v) => v && typeof v.path === "string")
    .map((v) => ({
      label: displayPath(v.path, folder),
      description: [v.version ? `Python ${v.version}` : "", v.kind ?? ""].filter(Boolean).join(" · "),
      detail: v.python,
      value: v,
    }));
}

/** Recommended interpreters first, then by version, newest first. */
export function interpreterItems(result: unknown): PickItem<InterpreterInfo>[] {
  const list = asArray<InterpreterInfo>(result).filter((i) => i && typeof i.path === "string");
  const key = (v: string) => (v ?? "").split(".").map((n) => Number.parseInt(n, 10) || 0);
  list.sort((a, b) => {
    if (a.recommended !== b.recommended) {
      return a.recommended ? -1 : 1;
    }
    const [x, y] = [key(a.version), key(b.version)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (y[i] ?? 0) - (x[i] ?? 0);
      if (d !== 0) {
        return d;
      }
    }
    return 0;
  });
  return list.map((i) => ({
    label: `${i.recommended ? "$(star-full) " : ""}Python ${i.version || "?"}`,
    description: [i.path, i.source].filter(Boolean).join(" · "),
    detail: i.reason || undefined,
    value: i,
  }));
}

/** The venv reported by the `pinwise/venvSelected` notification. */
export interface VenvSelected {
  /** The folder as a file-system path (what the server sends) or a `file://` URI. */
  workspaceFolder: string;
  path: string | null;
  pythonVersion?: string | null;
}

export function statusText(venv: VenvSelected | undefined): { text: string; tooltip: string } {
  if (!venv || !venv.path) {
    return { text: "$(circle-slash) No venv", tooltip: "Pinwise: no virtual environment selected — click to select one" };
  }
  const name = basename(venv.path) === ".venv" || basename(venv.path) === "venv"
    ? `${basename(dirname(venv.path))}/${basename(venv.path)}`
    : basename(venv.path);
  const version = venv.pythonVersion ? ` (${venv.pythonVersion})` : "";
  return { text: `$(python) ${name}${version}`, tooltip: `Pinwise virtual environment: ${venv.path} — click to change` };
}

/** Arguments of every server-side command: one object with the document and its workspace folder. */
export function commandArgs(uri: string | undefined, workspaceFolder: string | undefined, extra: Record<string, unknown> = {}) {
  return [{ uri: uri ?? null, workspaceFolder: workspaceFolder ?? null, ...extra }];
}

/**
 * The key the status bar files a venv under: the folder's file-system path, whether the notification names
 * the folder by path (as the server does) or by `file://` URI. Trailing separators and, on Windows, the
 * case of the drive letter do not matter. Undefined for anything else (another URI scheme, no folder).
 */
export function folderKey(folder: string | null | undefined, platform: NodeJS.Platform = process.platform): string | undefined {
  if (typeof folder !== "string" || folder === "") {
    return undefined;
  }
  let path = folder;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(folder)) {
    if (!folder.toLowerCase().startsWith("file://")) {
      return undefined;
    }
    try {
      path = fileURLToPath(folder, { windows: platform === "win32" });
    } catch {
      return undefined;
    }
  }
  if (platform === "win32") {
    path = path.replace(/\//g, "\\").replace(/^([a-z]):/, (_, d: string) => d.toUpperCase() + ":");
  }
  const trimmed = path.replace(/[\\/]+$/, "");
  // A root keeps its separator: "/" and "C:\\".
  return trimmed === "" ? path.slice(0, 1) : /^[A-Za-z]:$/.test(trimmed) ? trimmed + "\\" : trimmed;
}
