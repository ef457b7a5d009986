// Choosing the Python that runs the bundled server, and checking its version. vscode-free.
import { isAbsolute, relative, resolve } from "node:path";

export const MIN_PYTHON: readonly [number, number] = [3, 10];

export type InterpreterSource = "setting" | "python-extension" | "path";

export interface InterpreterCandidate {
  /** An executable path, or a bare command looked up on PATH. */
  command: string;
  source: InterpreterSource;
}

/** The value of a restricted setting as `WorkspaceConfiguration.inspect()` reports it. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The effective value of a setting listed in `restrictedConfigurations`: in an untrusted workspace only
 * the user's (global) value counts. VS Code already does this; doing it again here keeps it true even if a
 * setting is left out of the manifest list by mistake.
 */
export function restrictedValue<T>(inspected: InspectedSetting<T> | undefined, trusted: boolean): T | undefined {
  if (!inspected) {
    return undefined;
  }
  if (trusted) {
    return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? inspected.defaultValue;
  }
  return inspected.globalValue ?? inspected.defaultValue;
}

/** True when `path` lies inside (or is) `folder`. */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export interface CandidateInputs {
  /** `pinwise.interpreter`, already restricted to user scope when untrusted (see restrictedValue). */
  setting?: string;
  /** Executable of the Python extension's active environment, when that extension is installed. */
  pythonExtension?: string;
  trusted: boolean;
  /** File-system paths of the workspace folders. */
  workspaceFolders: readonly string[];
  platform: NodeJS.Platform;
}

/** `python3` on POSIX, `python` on Windows (where python3.exe is often the Store stub). */
export function pathPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

/**
 * Interpreters to try, best first:
 *  1. the `pinwise.interpreter` setting — an explicit choice made for Pinwise wins;
 *  2. the Python extension's active environment;
 *  3. `python3` on PATH.
 * In an untrusted workspace an interpreter inside a workspace folder is skipped: a checked-out
 * repository could ship `.venv/bin/python` as any program.
 */
export function interpreterCandidates(inputs: CandidateInputs): InterpreterCandidate[] {
  const out: InterpreterCandidate[] = [];
  const add = (command: string | undefined, source: InterpreterSource) => {
    const c = command?.trim();
    if (!c) {
      return;
    }
    if (!inputs.trusted && isAbsolute(c) && inputs.workspaceFolders.some((f) => isInside(c, f))) {
      return;
    }
    if (!out.some((o) => o.command === c)) {
      out.push({ command: c, source });
    }
  };
  add(inputs.setting, "setting");
  add(inputs.pythonExtension, "python-extension");
  add(pathPython(inputs.platform), "path");
  return out;
}

/** The script run to learn an interpreter's version; prints e.g. "(3, 11)". */
export const VERSION_SCRIPT = "import sys; print(sys.version_info[:2])";

/** Parses the output of VERSION_SCRIPT. */
export function parseVersionOutput(stdout: string): [number, number] | undefined {
  const m = /\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(stdout);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function versionAtLeast(v: readonly [number, number], min: readonly [number, number] = MIN_PYTHON): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export type VersionCheck =
  | { ok: true; version: [number, number] }
  | { ok: false; message: string };

const SOURCE_NAMES: Record<InterpreterSource, string> = {
  setting: "the pinwise.interpreter setting",
  "python-extension": "the Python extension's selected interpreter",
  path: "PATH",
};

/**
 * Judges the result of running VERSION_SCRIPT with `candidate`: either its version, or a message that
 * tells the user what was run, what went wrong and what to change.
 */
export function judgeVersion(
  candidate: InterpreterCandidate,
  result: { stdout?: string; error?: { code?: string | number; message: string } },
): VersionCheck {
  const who = `${candidate.command} (from ${SOURCE_NAMES[candidate.source]})`;
  const min = MIN_PYTHON.join(".");
  if (result.error) {
    if (result.error.code === "ENOENT") {
      return { ok: false, message: `Python not found: ${who}. Pinwise needs Python ${min} or newer.` };
    }
    return { ok: false, message: `Could not run ${who}: ${result.error.message}` };
  }
  const version = parseVersionOutput(result.stdout ?? "");
  if (!version) {
    return { ok: false, message: `Could not read the Python version of ${who}; it printed ${JSON.stringify((result.stdout ?? "").trim())}.` };
  }
  if (!versionAtLeast(version)) {
    return {
      ok: false,
      message: `${who} is Python ${version.join(".")}; Pinwise needs Python ${min} or newer. Select a newer interpreter or set pinwise.interpreter.`,
    };
  }
  return { ok: true, version };
}
