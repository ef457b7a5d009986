import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ProgressRouter, progressPlace, type OpenRequest, type ProgressToken, type WorkDoneValue } from "../src/logic/progress";

/** Feeds `values` to a router and returns what the editor saw, as lines. */
function checkProgress(
  name: string,
  values: [ProgressToken, WorkDoneValue][],
  expected: string[],
  after?: (r: ProgressRouter, opened: OpenRequest[]) => void,
) {
  const seen: string[] = [];
  const opened: OpenRequest[] = [];
  const router = new ProgressRouter(
    (request) => {
      opened.push(request);
      seen.push(`open ${request.place} "${request.title}"${request.cancellable ? " cancellable" : ""}`);
      return {
        report: (u) => seen.push(`report "${request.title}" ${u.message ?? "-"} +${u.increment ?? "-"}`),
        close: () => seen.push(`close "${request.title}"`),
      };
    },
    (token) => seen.push(`cancel ${token}`),
  );
  for (const [token, value] of values) {
    router.handle(token, value);
  }
  after?.(router, opened);
  assert.deepEqual(seen, expected, name);
}

test("where progress shows: what the user can cancel is a notification, background work the status bar", () => {
  assert.equal(progressPlace({ cancellable: true }), "notification");
  assert.equal(progressPlace({ cancellable: false }), "window");
  assert.equal(progressPlace({}), "window");
});

test("progress values become views, reports and closes", () => {
  const cases: { name: string; values: [ProgressToken, WorkDoneValue][]; expected: string[] }[] = [
    {
      name: "a cancellable install: notification, percentages as increments",
      values: [
        ["t1", { kind: "begin", title: "Installing dependencies", cancellable: true, percentage: 0 }],
        ["t1", { kind: "report", message: "Collecting flask", percentage: 30 }],
        ["t1", { kind: "report", message: "Installing", percentage: 80 }],
        ["t1", { kind: "end" }],
      ],
      expected: [
        'open notification "Installing dependencies" cancellable',
        'report "Installing dependencies" Collecting flask +30',
        'report "Installing dependencies" Installing +50',
        'close "Installing dependencies"',
      ],
    },
    {
      name: "percentages never go backwards or past 100",
      values: [
        [7, { kind: "begin", title: "Creating a virtual environment", cancellable: true, percentage: 40 }],
        [7, { kind: "report", percentage: 20, message: "pip" }],
        [7, { kind: "report", percentage: 250 }],
        [7, { kind: "report", percentage: Number.NaN }],
        [7, { kind: "end" }],
      ],
      expected: [
        'open notification "Creating a virtual environment" cancellable',
        'report "Creating a virtual environment" - +40',
        'report "Creating a virtual environment" pip +0',
        'report "Creating a virtual environment" - +60',
        'close "Creating a virtual environment"',
      ],
    },
    {
      name: "background work stays in the status bar; unknown tokens are ignored",
      values: [
        ["names", { kind: "begin", title: "Loading project names" }],
        ["names", { kind: "report", message: "from the package index" }],
        ["other", { kind: "report", message: "stray" }],
        ["other", { kind: "end" }],
        ["names", { kind: "end" }],
        ["names", { kind: "end" }],
      ],
      expected: [
        'open window "Loading project names"',
        'report "Loading project names" from the package index +-',
        'close "Loading project names"',
      ],
    },
    {
      name: "a second begin on a token closes the first view",
      values: [
        ["t", { kind: "begin", title: "A" }],
        ["t", { kind: "begin", title: "B" }],
      ],
      expected: ['open window "A"', 'close "A"', 'open window "B"'],
    },
  ];
  for (const c of cases) {
    checkProgress(c.name, c.values, c.expected);
  }
});

test("Cancel sends the token back; a stopped server closes every view", () => {
  checkProgress(
    "cancel and stop",
    [
      ["a", { kind: "begin", title: "Installing dependencies", cancellable: true }],
      ["b", { kind: "begin", title: "Checking 40 dependencies" }],
    ],
    ['open notification "Installing dependencies" cancellable', 'open window "Checking 40 dependencies"', "cancel a", 'close "Installing dependencies"', 'close "Checking 40 dependencies"'],
    (router, opened) => {
      opened[0].onCancel();
      router.closeAll();
      assert.equal(router.active, 0);
    },
  );
});
