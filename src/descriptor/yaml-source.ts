/**
 * Loads a YAML file into plain data while keeping positions, so every later diagnostic can
 * point at file:line:col. Hostile input is refused before it costs anything: files over
 * MAX_DESCRIPTOR_BYTES, binary or non-UTF-8 bytes, alias bombs (bounded alias expansion),
 * duplicate keys and tab indentation.
 */
import { readFileSync, statSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../core/diagnostic.js';

export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

export type PathSegment = string | number;

export interface YamlSource {
  readonly file: string;
  readonly text: string;
  /** The parsed value, or undefined when the file could not be parsed at all. */
  readonly value: unknown;
  readonly diagnostics: Diagnostic[];
  /** Position of the value (or, with `key`, of the key) at a path; falls back to the nearest parent. */
  locate(path: readonly PathSegment[], key?: boolean): SourceLocation;
}

/** Reads `path`; diagnostics name it as `label` (the path as the user typed it). */
export function readYamlFile(path: string, label = path): YamlSource {
  const file = label;
  const fail = (code: string, message: string, hint?: string): YamlSource => failed(file, '', code, message, hint);
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory())
      return fail('not-a-file', `${file} is a directory`, 'pass the product.yaml file or its folder');
    size = stat.size;
  } catch {
    return fail('file-not-found', `cannot read ${file}: no such file`);
  }
  if (size > MAX_DESCRIPTOR_BYTES) {
    return fail(
      'file-too-large',
      `the file is ${formatBytes(size)}; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
      'a descriptor describes data, it does not hold it: keep data in sources and SQL in the transform file',
    );
  }
  const bytes = readFileSync(path);
  return parseYamlText(file, bytes);
}

export function parseYamlText(file: string, input: Uint8Array | string): YamlSource {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (input.length > MAX_DESCRIPTOR_BYTES) {
      return failed(
        file,
        '',
        'file-too-large',
        `the document is ${formatBytes(input.length)}; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
      );
    }
    if (input.includes(0)) return failed(file, '', 'binary-file', 'the file is binary, not a YAML text file');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return failed(file, '', 'not-utf8', 'the file is not valid UTF-8 text', 'save the file as UTF-8');
    }
  }
  if (text.length > MAX_DESCRIPTOR_BYTES) {
    return failed(
      file,
      text,
      'file-too-large',
      `the document is too large; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '')
    return failed(file, text, 'empty-file', 'the file is empty', 'run `mesh init` to start from a template');

  // Fast path: most files are clean, and positions are only needed to report something.
  const quick = quickLoad(text);
  if (quick.ok) {
    let full: YamlSource | undefined;
    return {
      file,
      text,
      value: quick.value,
      diagnostics: [],
      locate: (path, key) => (full ??= fullParse(file, text)).locate(path, key),
    };
  }
  return fullParse(file, text);
}

/**
 * js-yaml (YAML 1.2 core schema, as below) parses a descriptor about ten times faster than the
 * position-keeping parser. It is trusted only for documents without anchors (so without
 * aliases: js-yaml shares aliased nodes instead of copying them and has no alias limit) and
 * only when it succeeds. Anything else takes the full path, which reports every problem with
 * its position and caps alias expansion.
 */
function quickLoad(text: string): { ok: true; value: unknown } | { ok: false } {
  if (ANCHOR.test(text)) return { ok: false };
  try {
    return { ok: true, value: jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, json: false }) };
  } catch {
    return { ok: false };
  }
}

/** Anything that may be an anchor (`&name` after a separator); false positives only cost speed. */
const ANCHOR = /(^|[\s[{,:-])&[^\s,\]}]/m;

function fullParse(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file, line, col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const error of doc.errors) {
    diagnostics.push({
      ...yamlErrorDiagnostic(error.code, error.message),
      severity: 'error',
      location: at(error.pos[0]),
    });
  }
  for (const warning of doc.warnings) {
    diagnostics.push({
      code: 'yaml-warning',
      severity: 'warn',
      message: firstLine(warning.message),
      location: at(warning.pos[0]),
    });
  }
  let value: unknown;
  if (diagnostics.every((d) => d.severity !== 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const aliasBomb = /alias/i.test(message);
      diagnostics.push({
        code: aliasBomb ? 'yaml-alias-limit' : 'yaml-syntax',
        severity: 'error',
        message: aliasBomb
          ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion risk`
          : firstLine(message),
        location: at(0),
        hint: aliasBomb ? 'write the repeated content out, or use fewer anchors and aliases' : undefined,
      });
    }
  }
  return {
    file,
    text,
    value,
    diagnostics,
    locate: (path, key) => {
      const offset = offsetOf(doc, path, key ?? false);
      return at(offset);
    },
  };
}

function yamlErrorDiagnostic(code: string, message: string): Omit<Diagnostic, 'severity'> {
  switch (code) {
    case 'DUPLICATE_KEY':
      return {
        code: 'duplicate-key',
        message: firstLine(message).replace(/^Map keys must be unique/, 'duplicate key: map keys must be unique'),
        hint: 'remove or rename one of the two entries',
      };
    case 'TAB_AS_INDENT':
      return {
        code: 'tab-indent',
        message: 'a tab is used for indentation; YAML allows only spaces',
        hint: 'replace the tab with spaces',
      };
    default:
      return { code: 'yaml-syntax', message: `YAML syntax error: ${firstLine(message)}` };
  }
}

function offsetOf(doc: Document, path: readonly PathSegment[], wantKey: boolean): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let best = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) return best;
      const keyNode = pair.key as Node | null;
      if (last && wantKey && keyNode?.range) return keyNode.range[0];
      const valueNode = pair.value as Node | null;
      best = valueNode?.range?.[0] ?? keyNode?.range?.[0] ?? best;
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return best;
      best = item.range?.[0] ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

function failed(file: string, text: string, code: string, message: string, hint?: string): YamlSource {
  const location = { file, line: 1, col: 1 };
  return {
    file,
    text,
    value: undefined,
    diagnostics: [{ code, severity: 'error', message, location, hint }],
    locate: () => location,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
