// How the server process is started. vscode-free.
import { join } from "node:path";

export interface LaunchInputs {
  /** Folder of the installed extension. */
  extensionPath: string;
  /** The Python chosen to run the bundled server (ignored when serverPath is set). */
  interpreter: string;
  /** `pinwise.server.path`: a server the user installed; empty for the bundled one. */
  serverPath: string;
  serverArgs: readonly string[];
  /** Where Python keeps the bundled libraries' bytecode (PYTHONPYCACHEPREFIX). */
  pycachePrefix: string;
  /** The environment to start from (process.env). */
  env: NodeJS.ProcessEnv;
}

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  bundled: boolean;
}

export function bundledLibs(extensionPath: string): string {
  return join(extensionPath, "bundled", "libs");
}

/**
 * Bundled: `python -S -m pinwise serve` with PYTHONPATH = bundled/libs only. -S keeps the user's
 * site-packages (and .pth files) out, so the server sees exactly the libraries it shipped with; the
 * working directory is the bundle itself because `-m` puts the working directory first on sys.path,
 * and a workspace folder there could shadow the server's modules.
 *
 * User-installed (`pinwise.server.path`): that command with `pinwise.server.args`, environment untouched.
 */
export function serverLaunch(inputs: LaunchInputs): Launch {
  if (inputs.serverPath) {
    return {
      command: inputs.serverPath,
      args: [...inputs.serverArgs],
      cwd: inputs.extensionPath,
      env: { ...inputs.env },
      bundled: false,
    };
  }
  const libs = bundledLibs(inputs.extensionPath);
  const env: NodeJS.ProcessEnv = { ...inputs.env };
  // PYTHONDONTWRITEBYTECODE would stop Python from filling the bytecode cache: every start would then
  // compile the server and, because of the prefix, the standard library too (measured 1.2 s vs 0.5 s).
  for (const key of ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONDONTWRITEBYTECODE"]) {
    delete env[key];
  }
  env.PYTHONPATH = libs;
  env.PYTHONPYCACHEPREFIX = inputs.pycachePrefix;
  env.PYTHONUTF8 = "1";
  env.PYTHONIOENCODING = "utf-8";
  env.PYTHONUNBUFFERED = "1";
  return {
    command: inputs.interpreter,
    args: ["-S", "-m", "pinwise", "serve"],
    cwd: libs,
    env,
    bundled: true,
  };
}
