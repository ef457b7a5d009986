import { strict as assert } from "node:assert";
import { test } from "node:test";
import { documentSelector, globToRegExp, isPinwiseDocument, isPinwiseFile, isRequirementsFile } from "../src/logic/selector";

test("requirements, constraints and pyproject files match", () => {
  for (const p of [
    "/w/requirements.txt",
    "/w/requirements.in",
    "/w/dev-requirements.txt",
    "/w/requirements-dev.txt",
    "/w/requirements_test.in",
    "/w/sub/dir/requirements.txt",
    "/w/requirements/base.txt",
    "/w/requirements/prod.in",
    "/w/constraints.txt",
    "/w/pip-constraints.txt",
    "/w/pyproject.toml",
    "/w/pkg/pyproject.toml",
    "C:\\w\\requirements.txt",
    "requirements.txt",
  ]) {
    assert.ok(isPinwiseFile(p), p);
  }
});

test("other files do not", () => {
  for (const p of [
    "/w/requirements.py",
    "/w/README.txt",
    "/w/requirements/notes.md",
    "/w/constraints.in",
    "/w/pyproject.toml.bak",
    "/w/mypyproject.toml",
    "/w/setup.cfg",
  ]) {
    assert.ok(!isPinwiseFile(p), p);
  }
});

test("isRequirementsFile excludes pyproject.toml", () => {
  assert.ok(isRequirementsFile("/w/requirements.txt"));
  assert.ok(!isRequirementsFile("/w/pyproject.toml"));
});

test("globToRegExp: ** spans zero or more segments, * stays within one", () => {
  const re = globToRegExp("**/requirements/*.{txt,in}");
  assert.ok(re.test("/requirements/a.txt"));
  assert.ok(re.test("/x/y/requirements/a.in"));
  assert.ok(!re.test("/requirements/sub/a.txt"));
  assert.ok(!re.test("/requirements/a.txt2"));
});

test("documentSelector: file patterns whatever the language id, plus our language in untitled editors", () => {
  const sel = documentSelector();
  assert.deepEqual(
    sel.filter((f) => f.pattern).map((f) => [f.scheme, f.pattern]),
    [
      ["file", "**/*requirements*.{txt,in}"],
      ["file", "**/requirements/*.{txt,in}"],
      ["file", "**/*constraints*.txt"],
      ["file", "**/pyproject.toml"],
    ],
  );
  assert.ok(sel.some((f) => f.scheme === "untitled" && f.language === "pip-requirements"));
  assert.ok(sel.every((f) => !(f.pattern && f.language)), "a filter with both would also require the language id");
});

test("isPinwiseDocument", () => {
  assert.ok(isPinwiseDocument({ scheme: "file", languageId: "plaintext", path: "/w/requirements.txt" }));
  assert.ok(isPinwiseDocument({ scheme: "file", languageId: "toml", path: "/w/pyproject.toml" }));
  assert.ok(isPinwiseDocument({ scheme: "untitled", languageId: "pip-requirements", path: "Untitled-1" }));
  assert.ok(!isPinwiseDocument({ scheme: "untitled", languageId: "plaintext", path: "Untitled-1" }));
  assert.ok(!isPinwiseDocument({ scheme: "git", languageId: "plaintext", path: "/w/requirements.txt" }));
});
