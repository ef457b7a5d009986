// Server progress (`$/progress` with work-done values) shown in VS Code. vscode-free: the editor side is
// injected as `open`, so the routing and the percentage arithmetic are unit-tested.

export type ProgressToken = string | number;

/** The LSP work-done progress values (begin / report / end). */
export type WorkDoneValue =
  | { kind: "begin"; title: string; message?: string; percentage?: number; cancellable?: boolean }
  | { kind: "report"; message?: string; percentage?: number; cancellable?: boolean }
  | { kind: "end"; message?: string };

/**
 * Where a progress shows: operations the user can cancel (creating a venv, installing) are ones the user
 * started and waits for, so they get a notification with a Cancel button; background work (checking a long
 * file against the index, loading the project-name list at start-up) stays in the status bar, where it
 * does not interrupt.
 */
export type ProgressPlace = "notification" | "window";

export function progressPlace(begin: { cancellable?: boolean }): ProgressPlace {
  return begin.cancellable ? "notification" : "window";
}

/** One open progress in the editor: what `open` returns. */
export interface ProgressView {
  /** `increment` is the step since the last report, in percent (VS Code's Progress.report). */
  report(update: { message?: string; increment?: number }): void;
  close(): void;
}

export interface OpenRequest {
  title: string;
  place: ProgressPlace;
  cancellable: boolean;
  /** Called when the user presses Cancel. */
  onCancel: () => void;
}

/**
 * Turns work-done values into editor progress views, one per token. Percentages become increments
 * (VS Code adds them up), never negative and never past 100; values for unknown tokens are ignored.
 */
export class ProgressRouter {
  private readonly open = new Map<ProgressToken, { view: ProgressView; reported: number }>();

  constructor(
    private readonly openView: (request: OpenRequest) => ProgressView,
    private readonly cancel: (token: ProgressToken) => void,
  ) {}

  get active(): number {
    return this.open.size;
  }

  handle(token: ProgressToken, value: WorkDoneValue): void {
    if (value.kind === "begin") {
      this.end(token);
      const view = this.openView({
        title: value.title,
        place: progressPlace(value),
        cancellable: value.cancellable === true,
        onCancel: () => this.cancel(token),
      });
      this.open.set(token, { view, reported: 0 });
      this.update(token, value);
    } else if (value.kind === "report") {
      this.update(token, value);
    } else {
      this.end(token);
    }
  }

  /** Closes every open view (the server stopped). */
  closeAll(): void {
    for (const token of [...this.open.keys()]) {
      this.end(token);
    }
  }

  private update(token: ProgressToken, value: { message?: string; percentage?: number }): void {
    const entry = this.open.get(token);
    if (!entry) {
      return;
    }
    let increment: number | undefined;
    if (typeof value.percentage === "number" && Number.isFinite(value.percentage)) {
      const target = Math.max(0, Math.min(100, value.percentage));
      increment = Math.max(0, target - entry.reported);
      entry.reported += increment;
    }
    if (value.message === undefined && !increment) {
      return;
    }
    entry.view.report({ message: value.message, increment });
  }

  private end(token: ProgressToken): void {
    const entry = this.open.get(token);
    if (entry) {
      this.open.delete(token);
      entry.view.close();
    }
  }
}
