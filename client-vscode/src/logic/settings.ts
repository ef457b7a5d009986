// The `pinwise` settings as the server reads them, built from VS Code's configuration. vscode-free:
// takes a getter so tests can feed plain objects.

export type Severity = "error" | "warning" | "information" | "hint" | "off";
export const SEVERITIES: readonly Severity[] = ["error", "warning", "information", "hint", "off"];
export type Policy = "auto" | "application" | "library";
export const POLICIES: readonly Policy[] = ["auto", "application", "library"];

export interface PinwiseSettings {
  index: { url: string | null; extraUrls: string[]; offline: boolean };
  policy: Policy;
  diagnostics: { severity: Record<string, Severity>; prereleases: boolean };
  inlayHints: { enable: boolean };
  venv: { gitignore: boolean; upgradePip: boolean };
  interpreter: string;
  server: { path: string; args: string[] };
  trace: { server: "off" | "messages" | "verbose" };
}

export const DEFAULT_SETTINGS: PinwiseSettings = {
  index: { url: null, extraUrls: [], offline: false },
  policy: "auto",
  diagnostics: { severity: {}, prereleases: false },
  inlayHints: { enable: true },
  venv: { gitignore: true, upgradePip: true },
  interpreter: "",
  server: { path: "", args: ["serve"] },
  trace: { server: "off" },
};

/** Reads one dotted key below `pinwise.` (like `WorkspaceConfiguration.get`). */
export type Getter = (key: string) => unknown;

const str = (v: unknown, d: string): string => (typeof v === "string" ? v : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === "boolean" ? v : d);
const strings = (v: unknown, d: string[]): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [...d];
function oneOf<T extends string>(v: unknown, allowed: readonly T[], d: T): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : d;
}

/**
 * Maps VS Code's `pinwise` configuration to the settings object the server receives
 * (in initializationOptions.settings), with types checked and bad values replaced by defaults.
 */
export function readSettings(get: Getter): PinwiseSettings {
  const d = DEFAULT_SETTINGS;
  const url = get("index.url");
  const severityIn = get("diagnostics.severity");
  const severity: Record<string, Severity> = {};
  if (severityIn && typeof severityIn === "object" && !Array.isArray(severityIn)) {
    for (const [code, value] of Object.entries(severityIn as Record<string, unknown>)) {
      if (typeof value === "string" && (SEVERITIES as readonly string[]).includes(value)) {
        severity[code] = value as Severity;
      }
    }
  }
  return {
    index: {
      url: typeof url === "string" && url.trim() !== "" ? url.trim() : null,
      extraUrls: strings(get("index.extraUrls"), d.index.extraUrls).map((u) => u.trim()).filter((u) => u !== ""),
      offline: bool(get("index.offline"), d.index.offline),
    },
    policy: oneOf(get("policy"), POLICIES, d.policy),
    diagnostics: { severity, prereleases: bool(get("diagnostics.prereleases"), d.diagnostics.prereleases) },
    inlayHints: { enable: bool(get("inlayHints.enable"), d.inlayHints.enable) },
    venv: {
      gitignore: bool(get("venv.gitignore"), d.venv.gitignore),
      upgradePip: bool(get("venv.upgradePip"), d.venv.upgradePip),
    },
    interpreter: str(get("interpreter"), d.interpreter).trim(),
    server: { path: str(get("server.path"), d.server.path).trim(), args: strings(get("server.args"), d.server.args) },
    trace: { server: oneOf(get("trace.server"), ["off", "messages", "verbose"] as const, d.trace.server) },
  };
}

export interface InitializationOptions {
  settings: PinwiseSettings;
  workspaceTrusted: boolean;
}

export function initializationOptions(settings: PinwiseSettings, workspaceTrusted: boolean): InitializationOptions {
  return { settings, workspaceTrusted };
}

/** Settings whose change needs a new server process; every other one is pushed with didChangeConfiguration. */
export const RESTART_SETTINGS: readonly string[] = ["pinwise.interpreter", "pinwise.server.path", "pinwise.server.args"];

export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((s) => affects(s));
}
