"""The one place that translates between the core's code-point spans and LSP positions, and findings into
diagnostics and code actions.

LSP columns count code units of the negotiated position encoding: UTF-16 (the default, and VS Code's), UTF-8
or UTF-32. Core spans count code points. A line made only of ASCII needs no translation, which is the common
case and is checked first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lsprotocol import types

from pinwise.core.analysis.findings import Finding, Fix, TextEdit
from pinwise.core.model import Severity
from pinwise.core.text import LineIndex, Span
from pinwise.core.text import Position as CorePosition

SOURCE = "pinwise"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
_TAGS = {"unnecessary": types.DiagnosticTag.Unnecessary, "deprecated": types.DiagnosticTag.Deprecated}


def _units(character: str, encoding: str) -> int:
    code = ord(character)
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    if encoding == "utf-8":
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


def encoding_name(kind: types.PositionEncodingKind | str | None) -> str:
    """``utf-8``, ``utf-16`` or ``utf-32``; UTF-16 when the client negotiated nothing."""
    value = kind.value if isinstance(kind, types.PositionEncodingKind) else kind
    return value if value in ("utf-8", "utf-32") else "utf-16"


class PositionConverter:
    """Offsets of one text to LSP positions and back, in one position encoding."""

    __slots__ = ("encoding", "lines")

    def __init__(self, text: str, encoding: str = "utf-16", lines: LineIndex | None = None) -> None:
        self.lines = lines if lines is not None and lines.text is text else LineIndex(text)
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        point = self.lines.position(offset)
        if self.encoding == "utf-32":
            return types.Position(point.line, point.column)
        line = self.lines.line_text(point.line)
        prefix = line[: point.column]
        if prefix.isascii():
            return types.Position(point.line, point.column)
        return types.Position(point.line, sum(_units(c, self.encoding) for c in prefix))

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.start), self.position(span.end))

    def offset(self, position: types.Position) -> int:
        """The code-point offset of a client position; a column inside a character snaps to its start."""
        line_number = position.line
        if line_number >= self.lines.line_count:
            return len(self.lines.text)
        if self.encoding == "utf-32":
            return self.lines.offset(CorePosition(line_number, position.character))
        line = self.lines.line_text(line_number)
        if line.isascii():
            return self.lines.offset(CorePosition(line_number, position.character))
        units = 0
        column = 0
        for character in line:
            width = _units(character, self.encoding)
            if units + width > position.character:
                break
            units += width
            column += 1
        return self.lines.line_start(line_number) + column

    def span(self, range_: types.Range) -> Span:
        start = self.offset(range_.start)
        end = self.offset(range_.end)
        return Span(start, max(start, end))


def finding_key(finding: Finding) -> str:
    """A key that finds the same finding again from a diagnostic's ``data`` (stable across re-publishing)."""
    return f"{finding.code}@{finding.span.start}:{finding.span.end}"


def diagnostic(
    finding: Finding,
    converter: PositionConverter,
    *,
    uri: str,
    version: int | None,
    severity_overrides: Mapping[str, Severity | None] = {},
    uri_for_path: Any = None,
) -> types.Diagnostic | None:
    """The diagnostic of ``finding``, or None when the user turned its code off."""
    severity = finding.severity
    if finding.code in severity_overrides:
        override = severity_overrides[finding.code]
        if override is None:
            return None
        severity = override
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=uri if location.path is None or uri_for_path is None else uri_for_path(location.path),
                # A location in another file is given by its start only when its text is not at hand.
                range=converter.range(location.span)
                if location.path is None
                else types.Range(types.Position(0, 0), types.Position(0, 0)),
            ),
            message=location.message,
        )
        for location in finding.related
    ]
    return types.Diagnostic(
        range=converter.range(finding.span),
        message=finding.message,
        severity=_SEVERITY[severity],
        code=finding.code,
        source=SOURCE,
        tags=[_TAGS[tag] for tag in sorted(finding.tags) if tag in _TAGS] or None,
        related_information=related or None,
        data={"key": finding_key(finding), "uri": uri, "version": version, "fixes": len(finding.fixes)},
    )


def text_edits(edits: Iterable[TextEdit], converter: PositionConverter) -> list[types.TextEdit]:
    text = converter.lines.text
    return [
        types.TextEdit(range=converter.range(edit.span), new_text=edit.new_text)
        for edit in (_before_the_final_break(edit, text) for edit in edits)
    ]


def _before_the_final_break(edit: TextEdit, text: str) -> TextEdit:
    """An insertion at the very end of a text that ends with a line break, made just before that break
    instead (the same text results). Neovim applies an edit on the line after the last one by adding lines,
    which leaves an empty line behind; an edit inside the last line it applies exactly."""
    end = len(text)
    if edit.span.start != end or edit.span.end != end:
        return edit
    for line_break in ("\r\n", "\n", "\r"):
        if text.endswith(line_break) and edit.new_text.endswith(line_break):
            at = end - len(line_break)
            return TextEdit(Span(at, at), line_break + edit.new_text[: -len(line_break)])
    return edit


def workspace_edit(
    uri: str,
    version: int | None,
    edits: Sequence[TextEdit],
    converter: PositionConverter,
    *,
    document_changes: bool,
    create: bool = False,
) -> types.WorkspaceEdit:
    """A workspace edit of one document; versioned ``documentChanges`` when the client supports them.
    With ``create``, the file is created first (kept if it exists meanwhile); only ``documentChanges`` can
    say that, so a client without them is sent the edit alone."""
    lsp_edits = text_edits(edits, converter)
    if document_changes:
        changes: list[types.CreateFile | types.TextDocumentEdit] = []
        if create:
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=list(lsp_edits),
            )
        )
        return types.WorkspaceEdit(document_changes=changes)
    return types.WorkspaceEdit(changes={uri: lsp_edits})


def code_action(
    fix: Fix,
    uri: str,
    version: int | None,
    converter: PositionConverter,
    *,
    document_changes: bool,
    diagnostics: Sequence[types.Diagnostic] = (),
    kind: str | None = None,
) -> types.CodeAction:
    return types.CodeAction(
        title=fix.title,
        kind=kind or fix.kind,
        diagnostics=list(diagnostics) or None,
        is_preferred=fix.preferred or None,
        edit=workspace_edit(uri, version, fix.edits, converter, document_changes=document_changes),
    )


def message_type(level: int) -> types.MessageType:
    """A logging level as an LSP message type."""
    if level >= 40:
        return types.MessageType.Error
    if level >= 30:
        return types.MessageType.Warning
    if level >= 20:
        return types.MessageType.Info
    return types.MessageType.Log
