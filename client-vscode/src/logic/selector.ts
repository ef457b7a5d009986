// Which documents Pinwise serves. vscode-free: the same patterns feed the LanguageClient's
// documentSelector, the status bar and the commands' choice of "the current requirements file".

/** Requirements-style files, matched by path whatever language id another extension gave them. */
export const REQUIREMENTS_PATTERNS: readonly string[] = [
  "**/*requirements*.{txt,in}",
  "**/requirements/*.{txt,in}",
  "**/*constraints*.txt",
];

export const PYPROJECT_PATTERN = "**/pyproject.toml";

export const LANGUAGE_ID = "pip-requirements";

/** All the path patterns Pinwise serves. */
export const FILE_PATTERNS: readonly string[] = [...REQUIREMENTS_PATTERNS, PYPROJECT_PATTERN];

export interface DocumentFilterLike {
  scheme?: string;
  language?: string;
  pattern?: string;
}

/**
 * The LanguageClient's documentSelector: files on disk by pattern (any language id), our own language
 * on disk and in untitled editors (untitled documents have no useful path to match).
 */
export function documentSelector(): DocumentFilterLike[] {
  return [
    ...FILE_PATTERNS.map((pattern) => ({ scheme: "file", pattern })),
    { scheme: "file", language: LANGUAGE_ID },
    { scheme: "untitled", language: LANGUAGE_ID },
  ];
}

/**
 * Translates the subset of VS Code glob syntax used here (`**`, `*`, `?`, `{a,b}`) to a RegExp
 * matched against a whole '/'-separated path.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // "**/" matches zero or more whole segments; a trailing "**" matches anything.
        if (glob[i + 2] === "/") {
          re += "(?:[^/]*/)*";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "{") {
      inBraces = true;
      re += "(?:";
    } else if (c === "}" && inBraces) {
      inBraces = false;
      re += ")";
    } else if (c === "," && inBraces) {
      re += "|";
    } else {
      re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

const FILE_REGEXPS = FILE_PATTERNS.map(globToRegExp);
const REQUIREMENTS_REGEXPS = REQUIREMENTS_PATTERNS.map(globToRegExp);

function normalise(path: string): string {
  let p = path.replace(/\\/g, "/");
  if (!p.startsWith("/")) {
    p = "/" + p;
  }
  return p;
}

/** True when Pinwise serves the file at this path (absolute or relative, either separator). */
export function isPinwiseFile(path: string): boolean {
  const p = normalise(path);
  return FILE_REGEXPS.some((re) => re.test(p));
}

/** True for requirements-style files (not pyproject.toml). */
export function isRequirementsFile(path: string): boolean {
  const p = normalise(path);
  return REQUIREMENTS_REGEXPS.some((re) => re.test(p));
}

/** True when a document (by scheme, language id and path) is one Pinwise serves. */
export function isPinwiseDocument(doc: { scheme: string; languageId: string; path: string }): boolean {
  if (doc.languageId === LANGUAGE_ID) {
    return doc.scheme === "file" || doc.scheme === "untitled";
  }
  return doc.scheme === "file" && isPinwiseFile(doc.path);
}
