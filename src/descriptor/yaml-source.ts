/**
 * Loads a YAML file into plain data while keeping positions, so every later diagnostic can
 * point at file:line:col. Hostile input is refused before it costs anything: files over
 * MAX_DESCRIPTOR_BYTES, binary or non-UTF-8 bytes, alias bombs (bounded alias expansion),
 * duplicate keys and tab indentation.
 */
import jsyaml from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar } from 'yaml';
import type { Diagnostic, SourceLocation } from '../core/diagnostic.js';
import { formatBytes, readRegularFile } from './read-regular-file.js';

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
  const read = readRegularFile(path, MAX_DESCRIPTOR_BYTES);
  if (read.ok) return parseYamlText(file, read.bytes);
  switch (read.reason) {
    case 'directory':
      return failed(file, '', 'not-a-file', `${file} is a directory`, 'pass the product.yaml file or its folder');
    case 'not-regular':
      return failed(
        file,
        '',
        'not-a-file',
        `${file} is not a regular file (a pipe, socket or device); a descriptor must be a file`,
        'pass the product.yaml file or its folder',
      );
    case 'too-large':
      return failed(
        file,
        '',
        'file-too-large',
        `the file is ${formatBytes(read.size)}; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
        'a descriptor describes data, it does not hold it: keep data in sources and SQL in the transform file',
      );
    case 'unreadable':
      return failed(file, '', 'file-unreadable', `cannot read ${file}`, 'check the file permissions');
    default:
      return failed(file, '', 'file-not-found', `cannot read ${file}: no such file`);
  }
}

export function parseYamlText(file: string, input: Uint8Array | string): YamlSource {
  const decoded = typeof input === 'string' ? checkText(file, input) : decodeBytes(file, input);
  if (typeof decoded !== 'string') return decoded;
  let text = decoded;
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
  if (quick.tooDeep) return failed(file, text, 'yaml-too-deep', quick.tooDeep.message, undefined, quick.tooDeep.at);
  return fullParse(file, text);
}

function decodeBytes(file: string, input: Uint8Array): string | YamlSource {
  if (input.length > MAX_DESCRIPTOR_BYTES) {
    return failed(
      file,
      '',
      'file-too-large',
      `the document is ${formatBytes(input.length)}; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
    );
  }
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff))
    return failed(file, '', 'not-utf8', 'the file is UTF-16 text; descriptors are UTF-8', 'save the file as UTF-8');
  const nul = input.indexOf(0);
  if (nul >= 0) return nulByte(file, new TextDecoder('utf-8').decode(input.subarray(0, nul)));
  try {
    return checkText(file, new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input));
  } catch {
    return invalidUtf8(file, input);
  }
}

/** Text that arrived as a string (HTTP publish): the same limits as a file. */
function checkText(file: string, text: string): string | YamlSource {
  if (text.length > MAX_DESCRIPTOR_BYTES) {
    return failed(
      file,
      '',
      'file-too-large',
      `the document is too large; a descriptor may be at most ${formatBytes(MAX_DESCRIPTOR_BYTES)}`,
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) return nulByte(file, text.slice(0, nul));
  return text;
}

function nulByte(file: string, before: string): YamlSource {
  return failed(
    file,
    '',
    'binary-file',
    'the file contains a NUL byte: it is binary (or UTF-16), not a UTF-8 YAML text file',
    'save the file as UTF-8 text',
    positionAfter(file, before),
  );
}

function invalidUtf8(file: string, input: Uint8Array): YamlSource {
  // The longest valid prefix tells the user where the bad byte is.
  const prefix = new TextDecoder('utf-8').decode(input).split('\uFFFD')[0];
  return failed(
    file,
    '',
    'not-utf8',
    'the file is not valid UTF-8 text',
    'save the file as UTF-8',
    positionAfter(file, prefix),
  );
}

function positionAfter(file: string, before: string): SourceLocation {
  const lines = before.split('\n');
  return { file, line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/**
 * js-yaml (YAML 1.2 core schema, as below) parses a descriptor about ten times faster than the
 * position-keeping parser. It is trusted only for documents without anchors (so without
 * aliases: js-yaml shares aliased nodes instead of copying them and has no alias limit),
 * without tags (js-yaml applies them silently), with only finite numbers and safe integers,
 * and only when it succeeds. Anything else takes the full path, which reports every problem
 * with its position and caps alias expansion. Nesting deeper than js-yaml's limit (far deeper
 * than any descriptor) is refused here: the position-keeping parser would spend seconds on it.
 */
function quickLoad(
  text: string,
): { ok: true; value: unknown } | { ok: false; tooDeep?: { message: string; at: { line: number; col: number } } } {
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, json: false });
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number }; reason?: string }).mark;
    if (mark && /maxDepth/.test((error as { reason?: string }).reason ?? ''))
      return {
        ok: false,
        tooDeep: {
          message: 'the document nests too deeply (more than 100 levels); a descriptor needs fewer than 10',
          at: { line: mark.line + 1, col: mark.column + 1 },
        },
      };
    return { ok: false };
  }
  if (ANCHOR.test(text) || TAG.test(text) || HUGE_EXPONENT.test(text) || hasUnsafeNumber(value, 0))
    return { ok: false };
  return { ok: true, value };
}

/** Anything that may be an anchor (`&name` after a separator); false positives only cost speed. */
const ANCHOR = /(^|[\s[{,:-])&[^\s,\]}]/m;
/** Anything that may be a tag (`!`, `!!int`, `!foo` after a separator); false positives only cost speed. */
const TAG = /(^|[\s[{,:-])!/m;
/** js-yaml reads `1e999` as text where the YAML 1.2 core schema reads Infinity; the full path refuses it. */
const HUGE_EXPONENT = /\d[eE][-+]?\d{3,}/;

function hasUnsafeNumber(value: unknown, depth: number): boolean {
  if (typeof value === 'number')
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (depth > 200 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => hasUnsafeNumber(v, depth + 1));
}

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
    // Unresolved tags are reported as errors by nodeProblems, with what the tag would change.
    if (warning.code === 'TAG_RESOLVE_FAILED') continue;
    diagnostics.push({
      code: 'yaml-warning',
      severity: 'warn',
      message: firstLine(warning.message),
      location: at(warning.pos[0]),
    });
  }
  if (doc.errors.length === 0) {
    for (const problem of nodeProblems(doc, text))
      diagnostics.push({ ...problem, severity: 'error', location: at(problem.offset) });
  }
  let value: unknown;
  if (diagnostics.every((d) => d.severity !== 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const aliasBomb = /excessive alias count/i.test(message);
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

interface NodeProblem {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly offset: number;
}

/**
 * What the parser accepts but would change a value's meaning without a word: an explicit tag
 * that gives a value another type than it reads as (`!!int "abc"`, `!!str 123`, `!!float 1`)
 * or an unknown one (`!foo`), numbers JSON cannot hold (`.inf`, `.nan`, integers past 2^53),
 * aliases to no anchor and aliases inside their own anchor (a cycle).
 */
function nodeProblems(doc: Document, text: string): NodeProblem[] {
  const problems: NodeProblem[] = [];
  const tags = doc.schema.tags;
  visit(doc, {
    Scalar(_key, node) {
      const offset = node.range?.[0] ?? 0;
      const implicit = implicitTag(node, tags);
      if (node.tag && node.tag !== '!' && node.tag !== implicit)
        problems.push(tagProblem(node.tag, implicit, tagOffset(text, offset)));
      if (typeof node.value === 'number' && !Number.isFinite(node.value))
        problems.push({
          code: 'non-finite-number',
          message: `${String(node.source ?? node.value)} is not a finite number; descriptors hold only finite numbers`,
          hint: 'write a finite number (a rate is between 0 and 1), or leave the field out',
          offset,
        });
      else if (typeof node.value === 'number' && Number.isInteger(node.value) && !Number.isSafeInteger(node.value))
        problems.push({
          code: 'unsafe-integer',
          message: `${String(node.source ?? node.value)} is too large to be kept exactly (more than 2^53)`,
          hint: 'use a smaller number, or quote it if it is text',
          offset,
        });
    },
    Map(_key, node) {
      if (node.tag && node.tag !== '!' && node.tag !== 'tag:yaml.org,2002:map')
        problems.push(tagProblem(node.tag, 'tag:yaml.org,2002:map', tagOffset(text, node.range?.[0] ?? 0)));
    },
    Seq(_key, node) {
      if (node.tag && node.tag !== '!' && node.tag !== 'tag:yaml.org,2002:seq')
        problems.push(tagProblem(node.tag, 'tag:yaml.org,2002:seq', tagOffset(text, node.range?.[0] ?? 0)));
    },
    Alias(_key, node, path) {
      const target = node.resolve(doc);
      const offset = node.range?.[0] ?? 0;
      if (!target)
        problems.push({
          code: 'yaml-undefined-alias',
          message: `alias *${node.source} refers to no anchor`,
          hint: `define &${node.source} before this alias, or write the value out`,
          offset,
        });
      else if (path.includes(target))
        problems.push({
          code: 'yaml-recursive-alias',
          message: `alias *${node.source} is inside its own anchor, which makes an endless value`,
          hint: 'write the value out',
          offset,
        });
    },
  });
  return problems;
}

/** The tag a scalar would get without an explicit tag (YAML 1.2 core schema). */
function implicitTag(node: Scalar, tags: Document['schema']['tags']): string {
  const str = 'tag:yaml.org,2002:str';
  if (node.type !== 'PLAIN' || typeof node.source !== 'string') return str;
  const source = node.source;
  const match = tags.find((t) => t.default === true && t.test instanceof RegExp && t.test.test(source));
  return match?.tag ?? str;
}

/** Where the tag of the node starting at `offset` is: only spaces, comments and an anchor lie between them. */
function tagOffset(text: string, offset: number): number {
  let start = text.lastIndexOf('!', offset);
  if (start < 0) return offset;
  while (start > 0 && !/[\s,[\]{}]/.test(text[start - 1])) start--; // `!!int`, `!e!tag`: back to the tag's start
  return start;
}

function tagProblem(tag: string, implicit: string, offset: number): NodeProblem {
  const short = (t: string) => t.replace('tag:yaml.org,2002:', '!!');
  const known = tag.startsWith('tag:yaml.org,2002:');
  return {
    code: 'yaml-tag',
    message: known
      ? `the tag ${short(tag)} changes this value from ${short(implicit).slice(2)} to ${short(tag).slice(2)}; tags that change a value's type are refused`
      : `unknown YAML tag ${short(tag)}; descriptors take no custom tags`,
    hint: 'remove the tag and write the value as it is meant (quote text, leave numbers unquoted)',
    offset,
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

function failed(
  file: string,
  text: string,
  code: string,
  message: string,
  hint?: string,
  at: { line: number; col: number } = { line: 1, col: 1 },
): YamlSource {
  const location = { file, line: at.line, col: at.col };
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
